"""`platform metrics dora`: delivery metrics from the deployment history."""

from __future__ import annotations

import click

from ._common import info, json_option, print_json, table, workspace


@click.group("metrics")
def command() -> None:
    """Delivery metrics from the deployment history."""


@command.command("dora")
@click.option("--team", metavar="TEAM", help="Only this team's deployments.")
@click.option("--since", metavar="WHEN", help="Window start: 30d, 12h, 2w or a date (default: 30d).")
@json_option
@click.pass_context
def dora(ctx, team, since, as_json):
    """Deploy frequency, lead time for changes, change failure rate, time to restore."""
    from ..rollout.queries import dora_metrics
    from ..rollout.metrics import format_duration

    m = dora_metrics(workspace(ctx), team=team, since=since)
    if m["skipped_records"]:
        info(f"warning: {m['skipped_records']} history record(s) left out: they are damaged "
             "(a start, end or commit_time that is not an ISO 8601 time with a zone, say)")
        for line in m.get("damaged_records", [])[:20]:
            info(f"  {line}")
    if as_json:
        print_json(m)
        return
    cfr = m["change_failure_rate"]
    table(["metric", "value"], [
        ["window", f"{m['since']} .. {m['until']}"],
        ["deployments", f"{m['deployments']} ({m['successful_deployments']} successful)"],
        ["deploy frequency", f"{m['deploy_frequency_per_day']}/day, {m['deploy_frequency_per_week']}/week"],
        ["lead time (median)", f"{format_duration(m['lead_time_seconds_median'])} over {m['lead_time_samples']} deployment(s)"],
        ["change failure rate", "-" if cfr is None else f"{cfr * 100:.1f}% ({m['failed_changes']} failed)"],
        ["time to restore (median)", f"{format_duration(m['time_to_restore_seconds_median'])} over {m['restores']} restore(s)"],
    ], title=f"DORA metrics{(' of ' + team) if team else ''}")
