"""What the history says: the recorded deployments and the DORA metrics over them (behind `platform history`
and `platform metrics`)."""

from __future__ import annotations

from typing import Any

from .history import HistoryStore
from .stores import open_history


def history_list(ws, *, team: str | None = None, env: str | None = None, limit: int | None = 100, clients=None,
                 history: HistoryStore | None = None, damaged: list[str] | None = None) -> list[dict[str, Any]]:
    """Recorded unit deployments, newest last (a damaged record: see HistoryStore.query's DAMAGED)."""
    store = history if history is not None else open_history(ws, clients)
    return [r.to_json() for r in store.query(team=team, env=env, limit=limit, damaged=damaged)]


def dora_metrics(ws, *, team: str | None = None, since: str | None = None, clients=None,
                 history: HistoryStore | None = None) -> dict[str, Any]:
    """DORA metrics over the history since SINCE (30d, 2w, or a date; default 30 days).

    Damaged history records (times that cannot be read, among others) are left out, counted in
    ``skipped_records`` and described in ``damaged_records``.
    """
    from .metrics import dora, parse_since

    start = parse_since(since)
    store = history if history is not None else open_history(ws, clients)
    damaged: list[str] = []
    data = dora(store.query(team=team, damaged=damaged), since=start)
    data["skipped_records"] += len(damaged)
    data["damaged_records"] = damaged
    data["team"] = team
    return data
