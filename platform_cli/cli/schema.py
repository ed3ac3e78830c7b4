from pathlib import Path

import click

from ._common import info


@click.group("schema")
def command() -> None:
    """JSON Schemas of every spec file (platform.yaml, blueprints, marketplace, markets, prices, spaces, service.yaml)."""


@command.command("export")
@click.argument("directory", default="schemas", type=click.Path(file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 3 when a schema in DIRECTORY is stale.")
def export(directory: Path, check: bool) -> None:
    """Write the JSON Schemas into DIRECTORY (default: schemas/)."""
    from ..errors import SpecError
    from ..model.schemas import export_schemas

    stale = export_schemas(directory, check=check)
    if check and stale:
        raise SpecError(f"{directory}: stale JSON Schemas: {', '.join(stale)}",
                        hint=f"run `platform schema export {directory}` and commit the result")
    verb = "stale" if check else "updated"
    info(f"{len(stale)} schema(s) {verb} in {directory}" if stale else f"schemas in {directory} are up to date")
