"""`platform cost`: the monthly cost of the whole workspace."""

import click

from ._common import info, json_option, print_json, table, workspace


@click.command("cost")
@click.option("--by", type=click.Choice(["team", "env", "offering"]), default="team", show_default=True,
              help="Group by team, environment, or offering (postgres, queue, ... for bindings; space and "
                   "service for the units' own resources).")
@json_option
@click.pass_context
def command(ctx, by, as_json):
    """Monthly cost estimate of every team space and known service of the workspace.

    \b
    Every unit is rendered offline (no cloud, no Pulumi engine) in a pool of processes and
    priced from blueprints/prices.yaml, as `platform space plan` prices one space.
    A space or service that cannot be planned is named on stderr and left out.
    """
    from ..portal.costs import workspace_cost

    ws = workspace(ctx)
    info("rendering every unit of the workspace offline ...")
    data = workspace_cost(ws, by)
    for e in data["errors"]:
        info(f"warning: {e}")
    if as_json:
        print_json(data)
        return
    if not data["rows"]:
        info("no team space yet: `platform space create TEAM --blueprint standard@1 --env dev=DE` makes one")
    table([by, "units", "monthly usd"],
          [[r[by], r["units"], f"{r['monthly_cost_usd']:.2f}"] for r in data["rows"]]
          + [["total", data["units"], f"{data['total_usd']:.2f}"]])
