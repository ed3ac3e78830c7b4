"""`platform space status`: per unit, whether it is applied, its release, when and by whom (the
history), its main outputs (the journal of the rollout that applied it), drift (the engine's
refresh preview) and orphans (the cloud's inventory by the space's tags minus the state's ids).

Without the engine, drift is unknown and says why; orphans are still found when no unit was
ever applied (the state is then empty) or when stack exports are given. Nothing here fails
because the engine or the cloud is missing: what cannot be known is reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import EngineMissingError, NotFoundError, PlatformError
from ..planning.names import MANAGED_BY, parse_unit, space_unit
from ..rollout.history import HistoryStore
from ..rollout.stores import open_history
from ..rollout.journal import Journal, rollouts_dir
from ..units import UnitTarget
from .applied import team_histories
from .orphans import find_orphans, state_ids

OUTPUT_KEYS = 8  # main outputs shown per unit


def _outputs(ws, rollout: str | None, unit: str, cache: dict[str, Any], damaged: list[str]) -> dict[str, Any]:
    """The outputs the journal of ROLLOUT kept for UNIT (secrets are never journalled). A journal that
    cannot be read is described in DAMAGED (once) and gives no outputs; one that is gone gives none."""
    if not rollout:
        return {}
    if rollout not in cache:
        cache[rollout] = None
        folder = rollouts_dir(ws.local_dir)
        try:
            journal = Journal.open(folder, rollout)
            cache[rollout] = journal.state()
        except NotFoundError:
            pass  # journals may be cleaned up; the history still says what was applied
        except PlatformError as exc:
            damaged.append(f"rollout {rollout}: journal {folder / (rollout + '.jsonl')} cannot be read, so the "
                           f"outputs of its units are not shown: {exc.message}")
    st = cache[rollout]
    if st is None or unit not in st.units:
        return {}
    return dict(list(st.units[unit].outputs.items())[:OUTPUT_KEYS])


def read_exports(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Stack exports from files written by `pulumi stack export` (JSON), each checked to be one."""
    import json
    from pathlib import Path

    from ..errors import SpecError
    from ..yamlio import read_text

    out = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise SpecError(f"{path}: --state-export: not a regular file", file=str(path))
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: --state-export: not JSON ({exc.msg} at line {exc.lineno}); expected the output "
                            "of `pulumi stack export`", file=str(path)) from None
        if not isinstance(data, dict) or not isinstance(data.get("deployment", data), dict):
            raise SpecError(f"{path}: --state-export: expected an object with deployment.resources", file=str(path))
        state_ids([data], source=str(path))  # every resource checked before anything is reported
        out.append(data)
    return out


def space_tags(team: str, env: str | None) -> dict[str, str]:
    """The tags every resource of TEAM's space (in ENV) carries, as the inventory filters them."""
    tags = {"platform:team": team, "platform:managed-by": MANAGED_BY}
    if env:
        tags["platform:env"] = env
    return tags


def _units(ws, team: str, env: str | None, histories) -> list[str]:
    space = ws.space(team)
    units = [space_unit(team, e, r) for e, r in space.units() if not env or e == env]
    for unit, h in histories.items():
        p = parse_unit(unit)
        if unit not in units and (not env or p["env"] == env) and (h.applied or p["kind"] == "space"):
            units.append(unit)  # services, and space units whose region left the file while still applied
    return units


def _drift(engine, applied: list[str], problem: str | None) -> dict[str, Any]:
    if problem and applied:
        return {"known": False, "reason": problem, "units": {}}
    units: dict[str, Any] = {}
    for unit in applied:
        summary = engine.drift(UnitTarget(unit=unit), lambda u, line: None)
        if summary is None:
            units[unit] = {"drifted": None, "changes": {}, "note": "the stack does not exist in the backend"}
            continue
        changes = {op: n for op, n in summary.items() if op != "same" and n}
        units[unit] = {"drifted": bool(changes), "changes": changes}
    return {"known": True, "reason": None, "units": units}


def _state(engine, applied: list[str], exports: list[Mapping[str, Any]] | None, problem: str | None):
    """(ids in state, None) or (None, why they are unknown)."""
    if exports is not None:
        return state_ids(exports), None
    if not applied:
        return set(), None  # nothing applied: nothing is in any state
    if problem:
        return None, f"the state of {len(applied)} applied unit(s) cannot be read: {problem}"
    found = []
    for unit in applied:
        export = engine.export(UnitTarget(unit=unit))
        if export is not None:
            found.append(export)
    return state_ids(found), None


def space_status(ws, team: str, env: str | None = None, *, engine=None, clients=None,
                 history: HistoryStore | None = None, exports: Iterable[Mapping[str, Any]] | None = None,
                 inventory=None, check_cloud: bool = True) -> dict[str, Any]:
    """TEAM's units (in ENV) with history, outputs, drift and orphans.

    ``engine``: an object with ``drift(target, on_event)`` and ``export(target)`` (the Pulumi engine
    when None, if the CLI is there); ``exports``: stack exports to use as the state instead of the
    engine's; ``inventory``: a callable ``(regions, tags) -> [CloudResource]`` (the AWS inventory
    through ``clients`` when None); ``check_cloud=False`` skips orphans."""
    space = ws.space(team)
    if env and env not in space.environments:
        from ..spaces import unknown_env_error

        raise unknown_env_error(space, env)
    store = history if history is not None else open_history(ws, clients)
    damaged: list[str] = []  # records that cannot be read: reported, never hiding the rest
    histories = team_histories(store, team, env, damaged)
    units = _units(ws, team, env, histories)
    cache: dict[str, Any] = {}
    rows = []
    for unit in units:
        h = histories.get(unit)
        row = h.to_json() if h else {"unit": unit, "applied": False, "release": None, "when": None, "who": None,
                                     "action": None, "rollout": None}
        row["outputs"] = _outputs(ws, row["rollout"], unit, cache, damaged) if row["applied"] else {}
        row["in_space_file"] = parse_unit(unit)["kind"] == "service" or unit in {
            space_unit(team, e, r) for e, r in space.units()}
        rows.append(row)
    applied = [r["unit"] for r in rows if r["applied"]]
    problem = None
    if engine is None and applied:
        try:
            from ..engine import get_engine

            engine = get_engine(ws)
        except EngineMissingError as exc:
            problem = f"{exc.message} (install it to see drift; `platform doctor`)"
        except PlatformError as exc:
            problem = exc.message
    drift = _drift(engine, applied, problem)
    orphans: dict[str, Any] = {"known": False, "reason": "not checked", "resources": []}
    if check_cloud:
        orphans = _orphans(ws, space, env, engine, applied, None if exports is None else list(exports), problem,
                           clients, inventory)
    for row in rows:
        row["drift"] = drift["units"].get(row["unit"], {}).get("drifted") if drift["known"] else None
    drifted = [u for u, d in drift["units"].items() if d.get("drifted")]
    return {"team": team, "env": env, "blueprint": space.blueprint, "units": rows,
            "drift": {"known": drift["known"], "reason": drift["reason"], "drifted": drifted,
                      "units": drift["units"]},
            "orphans": orphans, "damaged": damaged,
            "clean": not drifted and not orphans["resources"] and not damaged}


def _orphans(ws, space, env, engine, applied, exports, problem, clients, inventory) -> dict[str, Any]:
    ids, why = _state(engine, applied, exports, problem)
    if ids is None:
        return {"known": False, "reason": why + "; pass --state-export FILE (from `pulumi stack export`) per unit",
                "resources": []}
    regions = [r for e, r in space.units() if not env or e == env]
    regions = [*regions, *(parse_unit(u)["region"] for u in applied)]
    tags = space_tags(space.team, env)
    try:
        if inventory is None:
            from ..accounts.inventory import space_inventory  # the platform account and the space's own accounts

            found = space_inventory(ws, space, env, list(dict.fromkeys(regions)), tags, clients=clients)
        else:
            found = inventory(list(dict.fromkeys(regions)), tags)
    except PlatformError as exc:
        return {"known": False, "reason": f"the cloud inventory failed: {exc.message}", "resources": []}
    return {"known": True, "reason": None, "tags": tags, "resources": find_orphans(found, ids)}
