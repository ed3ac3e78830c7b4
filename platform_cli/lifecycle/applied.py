"""What the history says is applied: per unit, its last successful deployment, and whether
it still stands (a later successful destroy takes it down)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..planning.names import parse_unit
from ..rollout.history import Deployment, HistoryStore

STANDING = ("up", "rollback")


@dataclass(frozen=True)
class UnitHistory:
    unit: str
    applied: bool
    last: Deployment | None  # the last successful deployment or destroy

    def to_json(self) -> dict:
        r = self.last
        return {"unit": self.unit, "applied": self.applied, "release": r.version if r and self.applied else None,
                "when": r.end if r else None, "who": r.who if r else None, "action": r.action if r else None,
                "rollout": r.rollout if r else None}


def is_unit(unit: str) -> bool:
    """Whether UNIT names a unit of this platform (a damaged history record may not)."""
    try:
        parse_unit(unit)
    except (ValueError, AttributeError):
        return False
    return True


def unit_histories(records: Iterable[Deployment]) -> dict[str, UnitHistory]:
    """Every unit the records name, from its last successful up, rollback or destroy (records oldest first).
    A record whose unit is not a unit id is left out; it does not hide the others."""
    out: dict[str, UnitHistory] = {}
    for rec in records:
        if rec.result != "succeeded" or rec.action not in (*STANDING, "destroy") or not is_unit(rec.unit):
            continue
        out[rec.unit] = UnitHistory(rec.unit, rec.action in STANDING, rec)
    return out


def team_histories(store: HistoryStore, team: str, env: str | None = None) -> dict[str, UnitHistory]:
    return unit_histories(store.query(team=team, env=env))


def applied_units(store: HistoryStore, team: str, env: str | None = None) -> dict[str, UnitHistory]:
    """The units of TEAM (in ENV) that stand according to the history."""
    return {u: h for u, h in team_histories(store, team, env).items() if h.applied}


def deployed_services(applied: dict[str, UnitHistory], *, env: str | None = None,
                      region: str | None = None) -> dict[str, list[str]]:
    """Service name -> its applied units (in ENV / REGION when given)."""
    out: dict[str, list[str]] = {}
    for unit in applied:
        if not is_unit(unit):
            continue
        p = parse_unit(unit)
        if p["kind"] != "service" or (env and p["env"] != env) or (region and p["region"] != region):
            continue
        out.setdefault(p["service"], []).append(unit)
    return out
