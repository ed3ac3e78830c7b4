"""`platform template list|show`: the service templates."""

import click

from ._common import json_option, print_json, table


def _root(ctx):
    """The workspace's root when there is one (its own templates count too), else None."""
    from ..errors import NotFoundError
    from ..workspace import find_root

    try:
        return find_root((ctx.find_root().obj or {}).get("workspace"))
    except NotFoundError:
        return None


@click.group("template")
def command():
    """Service templates: what `platform service new --template` can generate."""


@command.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List the templates with their version and description."""
    from ..scaffold import list_templates

    items = list_templates(_root(ctx))
    if as_json:
        print_json({"templates": [t.to_json() for t in items]})
    else:
        table(["name", "version", "kind", "ci", "description"],
              [[t.name, t.version, t.kind, ",".join(t.ci), t.description] for t in items],
              empty="no service templates found")


@command.command("show")
@click.argument("name")
@json_option
@click.pass_context
def show(ctx, name, as_json):
    """Show template NAME: version, kind, CI providers and its variables."""
    from ..scaffold import find_template

    t = find_template(name, _root(ctx))
    data = {**t.to_json(), "variables": t.variables()}
    if as_json:
        print_json(data)
        return
    for key in ("name", "version", "kind", "description"):
        click.echo(f"{key + ':':<13}{data[key]}")
    click.echo(f"{'ci:':<13}{', '.join(t.ci)}")
    click.echo("variables:")
    for k, v in data["variables"].items():
        click.echo(f"  {k} = {v if not isinstance(v, (dict, list)) else '(' + type(v).__name__ + ')'}")
