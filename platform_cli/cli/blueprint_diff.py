"""`platform blueprint diff`: what moving a space to another blueprint version changes."""

import click

from ._common import info, json_option, print_json, workspace


@click.command("diff")
@click.argument("from_ref", metavar="FROM_REF")
@click.option("--to", "to_ref", default=None, metavar="NAME@VERSION", help="Target version (default: the latest of the same blueprint).")
@click.option("--space", "team", default=None, metavar="TEAM",
              help="Render every unit of this team's space, its services' units included (default: a reference unit).")
@json_option
@click.pass_context
def diff(ctx, from_ref, to_ref, team, as_json):
    """Render units under FROM_REF and --to and list, per unit, the resources created, updated,
    replaced and deleted, with the monthly cost before and after.

    \b
    A replaced resource loses what it holds; a move between isolation: shared and
    isolation: account replaces every resource (a new AWS account), and the command says
    which databases, buckets and queues start empty.

    \b
    Example:
      platform blueprint diff standard@1 --to standard@2 --space payments
    """
    from ..fleet import diff_blueprints
    from .impact_view import cost_text, counts_line, isolation_warning, unit_details

    info(f"rendering under {from_ref} and {to_ref or 'the latest version'} ...")
    data = diff_blueprints(workspace(ctx), from_ref, to_ref, team)
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['from']} -> {data['to']} ({data['team'] or 'reference unit'}, {len(data['units'])} unit(s))")
    unit_details(data)
    isolation_warning(data["isolation"])
    click.echo(f"total: {counts_line(data['counts'])}; {cost_text(data['monthly_cost_usd'])}")
    for f in data["new_mandatory_findings"]:
        info(f"new mandatory finding: {f['unit']}: {f['policy']} on {f['resource']}: {f['message']}")
