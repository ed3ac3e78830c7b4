"""`platform space delete`: the way a team leaves the platform.

Everything that goes is listed first (the services' units, the space's units, the CIDR blocks,
the space file) and confirmed. Deployed services block the delete unless ``with_services``.
Units are destroyed in reverse rollout order through the rollout executor, one environment at
a time (journalled, resumable, under the same TEAM/ENV locks as rollouts, every one of them taken
before the first unit goes and held until the space file is gone, so no rollout starts in any
environment meanwhile): each environment's service units first, then its space units, last region
first. Then the stacks leave the backend, the environments' vended accounts are closed (account
isolation; AWS keeps a closed account suspended for 90 days), the space file is removed (which
releases its CIDR blocks) and the deletion is recorded in the history. History and journals stay.

Running it again after a failure continues: units the history shows destroyed are not
destroyed again. Without the engine it refuses before touching anything, unless nothing was
ever applied in the space (then only the file, and with it the blocks, goes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ConflictError, NotFoundError, PlatformError
from ..planning.names import parse_unit, space_unit
from ..rollout.history import Deployment, HistoryStore
from ..rollout.stores import open_history
from ..rollout.journal import new_rollout_id, now_iso
from ..rollout.lock import current_user
from ..units import UnitTarget
from .applied import STANDING, deployed_services, is_unit


def _standing(records) -> dict[str, Deployment]:
    """Units whose last record is not a successful destroy: applied, half-applied (a failed up) or
    not fully destroyed (a failed destroy). They hold, or may hold, resources."""
    last: dict[str, Deployment] = {}
    for rec in records:
        if rec.action in (*STANDING, "destroy") and is_unit(rec.unit):
            last[rec.unit] = rec
    return {u: r for u, r in last.items() if not (r.action == "destroy" and r.result == "succeeded")}


def _order(units: list[str], regions: list[str]) -> list[str]:
    """Units in reverse rollout order: the last region of the environment first."""
    rank = {r: i for i, r in enumerate(regions)}
    return sorted(units, key=lambda u: (-rank.get(parse_unit(u)["region"], len(regions)), u))


def delete_plan(ws, team: str, store: HistoryStore) -> dict[str, Any]:
    """What `space delete TEAM` removes, per environment in the order it is destroyed."""
    space = ws.space(team)
    records = store.query(team=team)
    standing = _standing(records)
    applied = {u: r for u, r in standing.items() if r.action in STANDING and r.result == "succeeded"}
    envs = []
    env_names = list(space.environments)
    env_names += [e for e in dict.fromkeys(parse_unit(u)["env"] for u in standing) if e not in env_names]
    for env in reversed(env_names):
        regions = space.environments[env].regions if env in space.environments else []
        mine = [u for u in standing if parse_unit(u)["env"] == env]
        services = _order([u for u in mine if parse_unit(u)["kind"] == "service"], regions)
        spaces = _order([u for u in mine if parse_unit(u)["kind"] == "space"], regions)
        envs.append({"env": env, "service_units": services, "space_units": spaces,
                     "units_in_file": [space_unit(team, env, r) for r in regions]})
    return {
        "team": team, "blueprint": space.blueprint, "file": str(ws.space_path(team)),
        "cidrs": [{"env": a.env, "region": a.region, "cidr": str(a.cidr)} for a in space.allocations],
        "envs": envs, "services": deployed_services(applied),
        "accounts": [{"env": a.env, "account_id": a.account_id, "email": a.email} for a in space.accounts
                     if a.state == "active"],
        "ever_applied": any(r.action in STANDING for r in records),
        "to_destroy": sum(len(e["service_units"]) + len(e["space_units"]) for e in envs),
    }


def _destroy_and_remove(ws, team: str, plan: dict[str, Any], held: dict[str, Any], *, engine, progress, clients,
                        store: HistoryStore) -> tuple[list[str], list[str], list[str], list[dict[str, Any]]]:
    """Destroy every standing unit (under the locks HELD), remove the stacks, close the accounts, then the space file."""
    destroyed: list[str] = []
    rollouts: list[str] = []
    if plan["to_destroy"]:
        from ..deploy import destroy_units

        for e in plan["envs"]:
            waves = [w for w in (e["service_units"], *([u] for u in e["space_units"])) if w]
            if not waves:
                continue
            outcome = destroy_units(ws, team, e["env"], waves, release=plan["blueprint"], label="delete",
                                    max_parallel=3, engine=engine, progress=progress, clients=clients, history=store,
                                    lock=held[e["env"]])
            rollouts.append(outcome.id)
            destroyed += [u for w in waves for u in w]
    removed_stacks = []
    if plan["ever_applied"]:
        touched = list(dict.fromkeys(r.unit for r in store.query(team=team)
                                     if r.action in (*STANDING, "destroy") and is_unit(r.unit)))
        for unit in touched:
            if engine.remove(UnitTarget(unit=unit)):
                removed_stacks.append(unit)
    closed = close_accounts(ws, team, plan["accounts"], clients=clients)
    with ws.allocation_lock():
        ws.forget_space(team)
        path = ws.space_path(team)
        if not path.is_file():
            raise NotFoundError(f"team space {team} was removed meanwhile ({path})")
        path.unlink()
        ws.forget_space(team)
    return destroyed, rollouts, removed_stacks, closed


def delete_space(ws, team: str, *, with_services: bool = False, confirm: Callable[[dict[str, Any]], None] | None = None,
                 engine=None, progress=None, clients=None, history: HistoryStore | None = None) -> dict[str, Any]:
    """Delete TEAM's space (see the module). ``confirm(plan)`` sees the plan once everything is
    checked and before anything changes; it raises (UserAbort) to keep the space."""
    store = history if history is not None else open_history(ws, clients)
    plan = delete_plan(ws, team, store)
    if plan["services"] and not with_services:
        raise ConflictError(
            f"team space {team} still has deployed services: "
            + "; ".join(f"{s} ({len(u)} unit(s))" for s, u in sorted(plan["services"].items())),
            hint=f"destroy them first, or delete them with the space: `platform space delete {team} --with-services`")
    if plan["ever_applied"] and engine is None:
        from ..engine import get_engine

        engine = get_engine(ws)  # EngineMissingError (exit 8) before anything is touched
    if confirm is not None:
        confirm(plan)
    from ..rollout.run import holding_env_locks

    rid = new_rollout_id(f"{team}-delete")
    env_units = {e["env"]: [*e["service_units"], *e["space_units"], *e["units_in_file"]] for e in plan["envs"]}
    with holding_env_locks(ws, team, env_units, rid, clients) as held:
        destroyed, rollouts, removed_stacks, closed = _destroy_and_remove(ws, team, plan, held, engine=engine,
                                                                  progress=progress, clients=clients, store=store)
    when = now_iso()
    warnings = []
    try:
        for env, region in [(c["env"], c["region"]) for c in plan["cidrs"]]:
            store.add(Deployment(rollout=rid, unit=space_unit(team, env, region), team=team, env=env, region=region,
                                 kind="space", what="space", action="delete", version=plan["blueprint"],
                                 who=current_user(), start=when, end=when, result="succeeded"))
    except PlatformError as exc:  # the space is gone already: say that the record is missing, do not pretend it failed
        warnings.append(f"the deletion was not recorded in the history: {exc.message}")
    return {**plan, "destroyed": destroyed, "rollouts": rollouts, "removed_stacks": removed_stacks, "deleted": rid,
            "closed_accounts": closed, "warnings": warnings}


def close_accounts(ws, team: str, accounts: list[dict[str, Any]], *, clients=None) -> list[dict[str, Any]]:
    """Close the space's vended accounts (once its units are gone), each recorded closed in the space
    file as it goes, so a failure leaves the file with what is still open and a rerun closes the rest."""
    if not accounts:
        return []
    from ..accounts.vending import close_env_account

    return [close_env_account(ws, team, a["env"], clients=clients).to_data() for a in accounts]
