"""`platform blueprint diff`: what moving a space to another blueprint version changes."""

import click

from ._common import info, json_option, print_json, table, workspace


@click.command("diff")
@click.argument("from_ref", metavar="FROM_REF")
@click.option("--to", "to_ref", default=None, metavar="NAME@VERSION", help="Target version (default: the latest of the same blueprint).")
@click.option("--space", "team", default=None, metavar="TEAM", help="Render this team's first unit (default: a reference unit).")
@json_option
@click.pass_context
def diff(ctx, from_ref, to_ref, team, as_json):
    """Render a unit under FROM_REF and --to, and list resources added, removed and changed."""
    from ..plans import diff_blueprints

    info(f"rendering under {from_ref} and {to_ref or 'the latest version'} ...")
    data = diff_blueprints(workspace(ctx), from_ref, to_ref, team)
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['from']} -> {data['to']} ({data['unit']})")
    rows = ([["+", r["type"], r["name"], ""] for r in data["added"]]
            + [["-", r["type"], r["name"], ""] for r in data["removed"]]
            + [["~", r["type"], r["name"], ", ".join(r["fields"])] for r in data["changed"]])
    if rows:
        table(["", "type", "name", "changed fields"], rows)
    click.echo(f"{len(data['added'])} to add, {len(data['removed'])} to remove, {len(data['changed'])} to change, "
               f"{data['retagged']} retagged")
