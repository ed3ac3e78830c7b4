"""What is applied: per unit, what the history says (its last successful deployment, and whether it
still stands: a later successful destroy takes it down) and, where the engine can read it, what the
state says (the unit's stack export holds resources)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import CloudError, EngineMissingError, PlatformError
from ..planning.names import parse_unit
from ..rollout.history import Deployment, HistoryStore
from ..units import UnitTarget

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


def team_histories(store: HistoryStore, team: str, env: str | None = None,
                   damaged: list[str] | None = None) -> dict[str, UnitHistory]:
    """TEAM's units from the history; with DAMAGED given, damaged records are described there and left out."""
    return unit_histories(store.query(team=team, env=env, damaged=damaged))


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


def managed_resources(export) -> int:
    """How many resources a stack export holds besides the stack itself and its providers."""
    dep = export.get("deployment", export) if isinstance(export, dict) else None
    resources = dep.get("resources") if isinstance(dep, dict) else None
    return sum(1 for r in resources or [] if isinstance(r, dict)
               and not str(r.get("type", "")).startswith(("pulumi:pulumi:Stack", "pulumi:providers:")))


def state_engine(ws, engine=None):
    """The engine to read stack states with: the one given, else the workspace's when the Pulumi CLI is
    there (and the local cloud runs, for a local target), else None (the history alone then says what
    is applied)."""
    if engine is not None:
        return engine
    from ..engine import get_engine

    try:
        return get_engine(ws)
    except (EngineMissingError, CloudError):
        return None


def state_standing(engine, units: Iterable[str]) -> tuple[dict[str, int] | None, str | None]:
    """(unit -> resources its stack holds (0: no stack, or an empty one), None) from the engine's stack
    exports, or (None, why the state cannot be read)."""
    export = getattr(engine, "export", None)
    if engine is None or export is None:
        return None, "the Pulumi CLI is not on PATH, so the stacks' state cannot be read"
    out = {}
    for unit in units:
        try:
            out[unit] = managed_resources(export(UnitTarget(unit=unit)))
        except PlatformError as exc:
            return None, f"the state of {unit} cannot be read: {exc.message}"
    return out, None
