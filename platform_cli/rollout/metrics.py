"""DORA metrics from the deployment history. Pure: records in, numbers out.

A *deployment* is one rollout of a target (a space or a service in one environment),
made of its unit records. It failed when any unit failed. A *failed change* is a
deployment that failed or was followed by a rollback of the same target.

- deploy frequency: successful deployments per day (and week) in the window;
- lead time for changes: commit time (from CI variables) to the end of the deployment, median;
- change failure rate: failed changes / deployments;
- time to restore: from a failed change to the end of the next successful deployment or
  rollback of the same target, median.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import UsageError
from .history import Deployment


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


SINCE_MAX = timedelta(days=3660)  # ten years and leap days: older history is not what DORA metrics are about


def parse_since(value: str | None, now: datetime | None = None) -> datetime:
    """'30d', '12h', '2w' or an ISO date/time -> a UTC datetime. Default: 30 days ago."""
    now = now or datetime.now(UTC)
    if not value:
        return now - timedelta(days=30)
    m = re.fullmatch(r"\s*(\d{1,12})\s*([hdw])\s*", value)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        span = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}[unit]
        most = SINCE_MAX // span
        if not 1 <= n <= most:
            raise UsageError(f"--since {value.strip()}: expected 1 to {most}{unit} (the window reaches back at most "
                             f"{SINCE_MAX.days} days)")
        return now - n * span
    try:
        return parse_time(value)
    except ValueError:
        raise UsageError(f"--since {value!r}: expected a duration such as 30d, 12h, 2w or a date such as 2025-01-31") from None


@dataclass
class Rollout:
    id: str
    target: tuple[str, str, str]  # team, what, env
    action: str
    start: datetime
    end: datetime
    ok: bool
    commit_time: datetime | None


def _times(r: Deployment) -> tuple[datetime, datetime, datetime | None] | None:
    """(start, end, commit time) of a record; None when one of them is not an ISO 8601 time."""
    try:
        return parse_time(r.start), parse_time(r.end), parse_time(r.commit_time) if r.commit_time else None
    except (ValueError, TypeError, AttributeError):
        return None


def group(records: list[Deployment], skipped: list[Deployment] | None = None) -> list[Rollout]:
    """Rollouts (deployments and rollbacks) from unit records; records whose times cannot be read
    are left out (and added to SKIPPED when given)."""
    by_id: dict[str, list[tuple[Deployment, tuple[datetime, datetime, datetime | None]]]] = {}
    for r in records:
        if r.action not in ("up", "rollback"):
            continue
        times = _times(r)
        if times is None:
            if skipped is not None:
                skipped.append(r)
            continue
        by_id.setdefault(r.rollout, []).append((r, times))
    out = []
    for rid, recs in by_id.items():
        first = recs[0][0]
        commit_times = [t[2] for _, t in recs if t[2] is not None]
        out.append(Rollout(rid, (first.team, first.what, first.env), first.action,
                           min(t[0] for _, t in recs), max(t[1] for _, t in recs),
                           all(r.result == "succeeded" for r, _ in recs), min(commit_times) if commit_times else None))
    out.sort(key=lambda r: (r.start, r.id))
    return out


def format_duration(seconds: float | None) -> str:
    """A median for people: '-' when there is none, else minutes, hours or days."""
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _median_seconds(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def dora(records: list[Deployment], *, since: datetime, until: datetime | None = None) -> dict[str, Any]:
    """The metrics of RECORDS in the window; ``skipped_records`` counts records whose times cannot be read."""
    until = until or datetime.now(UTC)
    skipped: list[Deployment] = []
    rollouts = group(records, skipped)
    window = [r for r in rollouts if since <= r.start <= until]
    deploys = [r for r in window if r.action == "up"]
    succeeded = [r for r in deploys if r.ok]
    days = max((until - since).total_seconds() / 86400, 1e-9)

    lead = [(r.end - r.commit_time).total_seconds() for r in succeeded if r.commit_time and r.end >= r.commit_time]

    failed_changes: list[Rollout] = []
    restore: list[float] = []
    by_target: dict[tuple[str, str, str], list[Rollout]] = {}
    for r in rollouts:
        by_target.setdefault(r.target, []).append(r)
    for seq in by_target.values():
        for i, r in enumerate(seq):
            if r.action != "up" or r not in deploys:
                continue
            nxt = seq[i + 1] if i + 1 < len(seq) else None
            if r.ok and not (nxt and nxt.action == "rollback"):
                continue
            failed_changes.append(r)
            fixed = next((later for later in seq[i + 1:] if later.ok), None)
            if fixed is not None:
                restore.append((fixed.end - r.end).total_seconds())

    return {
        "since": since.isoformat(timespec="seconds"),
        "until": until.isoformat(timespec="seconds"),
        "deployments": len(deploys),
        "successful_deployments": len(succeeded),
        "deploy_frequency_per_day": round(len(succeeded) / days, 3),
        "deploy_frequency_per_week": round(len(succeeded) / days * 7, 3),
        "lead_time_seconds_median": _median_seconds(lead),
        "lead_time_samples": len(lead),
        "change_failure_rate": round(len(failed_changes) / len(deploys), 3) if deploys else None,
        "failed_changes": len(failed_changes),
        "time_to_restore_seconds_median": _median_seconds(restore),
        "restores": len(restore),
        "skipped_records": len(skipped),
    }
