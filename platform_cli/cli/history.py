"""`platform history`: recorded deployments."""

from __future__ import annotations

import click

from ._common import LIST_LIMIT, exit_code_option, json_option, print_json, report_damaged, table, workspace


@click.command("history")
@click.option("--team", metavar="TEAM", help="Only this team's deployments.")
@click.option("--env", "-e", help="Only this environment.")
@click.option("--limit", type=LIST_LIMIT, default=50, show_default=True, help="How many of the newest records (1 to 100000).")
@exit_code_option()
@json_option
@click.pass_context
def command(ctx, team, env, limit, exit_code, as_json):
    """Deployments recorded: who deployed what version to which unit, when, and the result.

    \b
    A damaged record (a time without a zone, a missing field, a value of the wrong
    type, written by another tool or by hand) is left out and named on stderr with
    its file, table and row, and in "damaged" with --json; the others are shown.
    With --exit-code, a damaged record exits 12.
    Example: platform history --team payments --json --exit-code
    """
    from ..rollout.queries import history_list

    damaged: list[str] = []
    rows = history_list(workspace(ctx), team=team, env=env, limit=limit, damaged=damaged)
    if as_json:
        print_json({"deployments": rows, "damaged": damaged})
    else:
        none = (f"no readable deployments: {len(damaged)} damaged record(s) left out" if damaged else
                "no deployments recorded" + (" that match the filters" if team or env else " yet"))
        table(["start", "unit", "action", "version", "who", "result", "rollout"],
              [[r["start"][:19], r["unit"], r["action"], r["version"] or "-", r["who"], r["result"], r["rollout"]]
               for r in rows], empty=none)
    report_damaged(damaged, exit_code=exit_code, what="the history")
