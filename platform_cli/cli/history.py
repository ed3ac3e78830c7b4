"""`platform history`: recorded deployments."""

from __future__ import annotations

import click

from ._common import LIST_LIMIT, json_option, print_json, table, workspace


@click.command("history")
@click.option("--team", metavar="TEAM", help="Only this team's deployments.")
@click.option("--env", "-e", help="Only this environment.")
@click.option("--limit", type=LIST_LIMIT, default=50, show_default=True, help="How many of the newest records (1 to 100000).")
@json_option
@click.pass_context
def command(ctx, team, env, limit, as_json):
    """Deployments recorded: who deployed what version to which unit, when, and the result."""
    from ..deploy import history_list

    rows = history_list(workspace(ctx), team=team, env=env, limit=limit)
    if as_json:
        print_json({"deployments": rows})
        return
    table(["start", "unit", "action", "version", "who", "result", "rollout"],
          [[r["start"][:19], r["unit"], r["action"], r["version"] or "-", r["who"], r["result"], r["rollout"]]
           for r in rows],
          empty="no deployments recorded" + (" that match the filters" if team or env else " yet"))
