"""`platform space plan`: resources, policy findings and monthly cost of a space's units."""

import click

from ._common import info, json_option, print_json, table, workspace


def show_plan(result, as_json: bool) -> None:
    """Print a plan (table or JSON), then fail with exit 6 when a mandatory finding exists."""
    if as_json:
        print_json(result.to_data())
    else:
        for u in result.units:
            table(["resource type", "count"], [[t, n] for t, n in u.counts().items()],
                  title=f"{u.unit}  ({len(u.resources)} resources, ${u.monthly_cost_usd:.2f}/month)")
            if u.findings:
                table(["severity", "policy", "resource", "message"],
                      [[f.severity, f.policy, f.resource, f.message] for f in u.findings])
            else:
                click.echo("no policy findings")
            click.echo("")
        table(["unit", "resources", "mandatory", "advisory", "monthly usd"],
              [[u.unit, len(u.resources), sum(f.severity == "mandatory" for f in u.findings),
                sum(f.severity == "advisory" for f in u.findings), f"{u.monthly_cost_usd:.2f}"] for u in result.units]
              + [["total", sum(len(u.resources) for u in result.units), "", "", f"{result.total_usd:.2f}"]])
    result.raise_for_findings()


@click.command("plan")
@click.argument("team")
@click.option("--env", "-e", default=None, help="Only this environment.")
@click.option("--region", "-r", default=None, help="Only this region.")
@json_option
@click.pass_context
def plan(ctx, team, env, region, as_json):
    """Plan the units of team space TEAM offline: resource counts by type, policy findings, monthly cost.

    \b
    The plan is rendered under Pulumi mocks (no cloud, no Pulumi engine needed).
    Exits 6 after printing the plan when a unit has a mandatory policy finding.
    """
    from ..plans import plan_space

    info(f"rendering {team} offline ...")
    show_plan(plan_space(workspace(ctx), team, env, region), as_json)
