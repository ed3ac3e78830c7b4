"""`platform blueprint ...`"""

from pathlib import Path

import click

from ._common import info, json_option, print_json, table
from ._lazy import lazy_group


def catalog(ctx):
    """The workspace's catalog when there is a workspace, else the shipped one."""
    from ..catalog import Catalog
    from ..errors import NotFoundError
    from ._common import workspace

    try:
        return workspace(ctx).catalog
    except NotFoundError:
        if (ctx.find_root().obj or {}).get("workspace"):
            raise
        return Catalog()


@click.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List every blueprint NAME@VERSION with its network shape."""
    from ..catalog.views import list_blueprints

    data = list_blueprints(catalog(ctx))
    if as_json:
        print_json(data)
        return
    table(["blueprint", "azs", "nat", "flow logs", "log days", "description"],
          [[b["ref"], b["azs"], b["nat"], "on" if b["flow_logs"] else "off", b["log_retention_days"], b["description"]]
           for b in data["blueprints"]], empty="no readable blueprints in the catalog")
    for e in data["errors"]:
        info(f"warning: {e}")


@click.command("show")
@click.argument("ref", metavar="NAME@VERSION")
@json_option
@click.pass_context
def show(ctx, ref, as_json):
    """Show blueprint NAME@VERSION in full."""
    from ..catalog.views import show_blueprint
    from ..yamlio import dump_yaml

    data = show_blueprint(catalog(ctx), ref)
    if as_json:
        print_json(data)
    else:
        click.echo(dump_yaml(data), nl=False)


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@json_option
@click.pass_context
def validate(ctx, paths, as_json):
    """Validate blueprint, marketplace, markets and prices files (default: the whole catalog).

    Exits 3 when any file is invalid; every file is checked and reported.
    """
    from ..catalog.views import validate as run
    from ..errors import SpecError

    data = run(catalog(ctx), list(paths))
    if as_json:
        print_json(data)
    else:
        for f in data["files"]:
            click.echo(f"ok    {f['path']}" if f["ok"] else f"FAIL  {f['error']}")
    if not data["valid"]:
        bad = sum(1 for f in data["files"] if not f["ok"])
        raise SpecError(f"{bad} of {len(data['files'])} file(s) are invalid")


command = lazy_group(
    "blueprint",
    "Blueprints of team spaces, maintained by Cloud & Tools in blueprints/.",
    {
        "list": ("blueprint:list_", "List blueprints and versions."),
        "show": ("blueprint:show", "Show one blueprint version in full."),
        "validate": ("blueprint:validate", "Validate catalog files."),
        "diff": ("blueprint_diff:diff", "What moving a space from one blueprint version to another changes."),
    },
)
