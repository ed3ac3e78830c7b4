from pathlib import Path

import click

from ._common import info


@click.group("schema")
def command() -> None:
    """JSON Schemas of every spec file (platform.yaml, blueprints, marketplace, markets, prices, spaces, service.yaml)."""


@command.command("export")
@click.argument("directory", default="schemas", type=click.Path(file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 3 when a schema in DIRECTORY is stale.")
@click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Also refresh the service schema each template under this folder ships "
                   "(.platform/service.schema.json of the generated repository).")
def export(directory: Path, check: bool, templates: Path | None) -> None:
    """Write the JSON Schemas into DIRECTORY (default: schemas/).

    \b
    In the platform's own repository:
      platform schema export schemas --templates service_templates
    """
    from ..errors import SpecError
    from ..model.schemas import export_schemas

    stale = export_schemas(directory, check=check, templates=templates)
    if check and stale:
        raise SpecError(f"{directory}: stale JSON Schemas: {', '.join(stale)}",
                        hint=f"run `platform schema export {directory}` and commit the result")
    verb = "stale" if check else "updated"
    info(f"{len(stale)} schema(s) {verb} in {directory}" if stale else f"schemas in {directory} are up to date")
