"""`platform template list|show`: the service templates."""

import click

from ._common import json_option, print_json, table


def _root(ctx, service_dir=None):
    """The workspace's root when there is one (its own templates count too), else None; for a
    service repository, found the way every service command finds it."""
    from ..errors import NotFoundError
    from ..services.answers import locate_workspace
    from ..workspace import find_root

    explicit = (ctx.find_root().obj or {}).get("workspace")
    try:
        return locate_workspace(service_dir, explicit).root if service_dir is not None else find_root(explicit)
    except NotFoundError:
        return None


@click.group("template")
def command():
    """Service templates: what `platform service new --template` can generate."""


@command.command("list")
@click.argument("service_dir", metavar="[SERVICE_DIR]", required=False, type=click.Path(file_okay=False))
@json_option
@click.pass_context
def list_(ctx, service_dir, as_json):
    """List the templates with their version and description, and which service repositories
    are behind the latest version: the one in SERVICE_DIR, or every service the workspace knows.

    \b
    Example:
      platform template list .          # is this repository behind?  then: platform service upgrade .
    """
    from ..scaffold import list_templates
    from ..services.upgrade import template_status
    from ..workspace import WorkspaceContext

    root = _root(ctx, service_dir)
    items = list_templates(root)
    ws = WorkspaceContext.open(root) if root is not None else None
    services = template_status(ws, service_dir)
    if as_json:
        print_json({"templates": [t.to_json() for t in items], "services": services})
        return
    table(["name", "version", "kind", "ci", "description"],
          [[t.name, t.version, t.kind, ",".join(t.ci), t.description] for t in items],
          empty="no service templates found")
    if services:
        click.echo("")
        table(["space", "service", "template", "version", "latest", "status"],
              [[s["team"], s["service"], s["template"], s["version"], s["latest"] or "-",
                "behind: platform service upgrade" if s["behind"] else "current"] for s in services])


@command.command("show")
@click.argument("name")
@json_option
@click.pass_context
def show(ctx, name, as_json):
    """Show template NAME: version, kind, CI providers and its variables."""
    from ..scaffold import find_template

    from ..scaffold.releases import versions

    t = find_template(name, _root(ctx))
    data = {**t.to_json(), "versions": versions(t.path, t.version), "variables": t.variables()}
    if as_json:
        print_json(data)
        return
    for key in ("name", "version", "kind", "description"):
        click.echo(f"{key + ':':<13}{data[key]}")
    click.echo(f"{'ci:':<13}{', '.join(t.ci)}")
    click.echo(f"{'versions:':<13}{', '.join(data['versions'])} (CHANGELOG.md in {t.path})")
    click.echo("variables:")
    for k, v in data["variables"].items():
        click.echo(f"  {k} = {v if not isinstance(v, (dict, list)) else '(' + type(v).__name__ + ')'}")
