import shlex
from pathlib import Path

import click

from ._common import info, next_step


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--org", metavar="NAME", help="Organisation name (DNS-safe), used in names and tags "
              "[default: made from the folder's name, e.g. 'Acme Corp' -> acme-corp].")
def command(directory: Path, org: str) -> None:
    """Create a workspace in DIRECTORY with embedded defaults.

    \b
    Writes platform.yaml (local state folder, passphrase secrets, local cloud,
    network pool 10.0.0.0/8), spaces/ and a .gitignore for the local state.
    Refuses to touch an existing workspace.
    """
    from ..workspace import init_workspace

    result = init_workspace(directory, org=org)
    info(f"created workspace {result.root} for organisation {result.org}")
    for f in result.files:
        info(f"  {f}")
    next_step(f"platform -w {shlex.quote(str(directory))} space create TEAM --blueprint standard@1 --env dev=DE --env prod=DE,FR,US")
