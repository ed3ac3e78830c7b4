"""`platform report`: one self-contained HTML page of the whole workspace."""

import click

from ._common import info, json_option, next_step, print_json, workspace


@click.command("report")
@click.option("--out", "-o", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write (default: WORKSPACE/platform-report.html).")
@json_option
@click.pass_context
def command(ctx, out, as_json):
    """Write one HTML file to open in any browser, with no network needed.

    \b
    Fleet: spaces per blueprint version, adoption of the latest, cohorts over time.
    Map: every region the workspace runs in, sized by units, coloured by environment,
         with the countries each serves.
    Spaces: environments, regions, units, CIDR blocks, cost by service and binding, findings.
    Rollouts: the latest, wave by wave and region by region, with gates and failures.
    DORA: deploy frequency, lead time, change failure rate, time to restore, per team.
    Cost: the workspace by team, environment and offering (every unit rendered offline).
    """
    from ..portal.report import write_report

    info("rendering every unit of the workspace offline ...")
    result = write_report(workspace(ctx), out)
    for e in result.data["errors"]:
        info(f"warning: {e}")
    if as_json:
        print_json(result.to_data())
    else:
        click.echo(str(result.path))
    next_step(f"open {result.path} in a browser")
