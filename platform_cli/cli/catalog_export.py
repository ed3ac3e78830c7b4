"""`platform catalog export`."""

import click

from ._common import info, json_option, next_step, print_json, table, workspace


@click.command("export")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@json_option
@click.pass_context
def export(ctx, folder, as_json):
    """Write the Backstage entities of the whole workspace into FOLDER (default: WORKSPACE/backstage).

    \b
    A Domain for the org, a Group per team (owners as Users and members), a System per team
    space, a Resource per environment x region unit, a Component per service with a Resource
    per binding, and a Location (FOLDER/catalog-info.yaml) listing them: register that one
    file in Backstage. References are those of the services' own catalog-info.yaml, so
    Backstage merges them. Files are rewritten only when they change; a removed team space
    disappears from the export.
    """
    from ..portal.export import LOCATION_FILE, export_catalog

    result = export_catalog(workspace(ctx), folder)
    for e in result.errors:
        info(f"warning: {e}")
    if as_json:
        print_json(result.to_data())
    else:
        table(["kind", "entities"], list(result.counts().items()), title=f"Backstage catalog in {result.folder}")
        info(f"{len(result.written)} file(s) written, {len(result.unchanged)} unchanged, {len(result.removed)} removed")
    if result.written or result.removed:
        next_step(f"register {result.folder / LOCATION_FILE} in Backstage (catalog.locations, type file or url)")
