"""Applying spaces and deploying services region by region: the service layer behind
`platform space apply|destroy`, `platform service deploy`, `platform rollout ...`,
`platform history` and `platform metrics`.

Every function takes the workspace first. ``engine=`` accepts any object with the :class:`platform_cli.units.Engine`
contract (the Pulumi adapter by default); ``clients=`` a ClientProvider for the alarms gate and the DynamoDB store;
``progress=`` a progress display; ``history=`` a history store. Tests pass fakes; the CLI passes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import ConflictError, NotFoundError, PlatformError, UsageError
from .planning.images import require_digests
from .planning.names import parse_unit, service_unit, space_unit
from .planning.waves import RolloutPlan, Wave, plan_waves, reverse
from .servicespec import load_service, service_regions
from .rollout.executor import RolloutOutcome
from .rollout.history import HistoryStore
from .rollout.run import check_free, engine_for, execute, start_journal
from .rollout.queries import dora_metrics, history_list
from .rollout.stores import open_history
from .rollout.journal import (FINAL, R_CANCELLED, R_HALTED, R_RUNNING, R_SUCCEEDED, SUCCEEDED, Journal, RolloutState,
                              new_rollout_id, rollouts_dir)
from .procs import holder_gone
from .rollout.lock import RolloutLock, current_user
from .rollout.progress import Progress

SPACE_BATCH = 3
SPACE_PARALLEL = 3


# planning ----------------------------------------------------------------------------
def _env_of_space(ws, team: str, env: str):
    space = ws.space(team)
    if env not in space.environments:
        raise NotFoundError(f"team space {team} has no environment {env!r} (environments: {', '.join(space.environments)})",
                            hint=f"create it with `platform space add-region {team} --env {env} REGION --new-env`")
    return space, space.environments[env]


def space_waves(ws, team: str, env: str) -> RolloutPlan:
    """Waves of a space's units in one environment: the first region alone, then batches of 3."""
    space, e = _env_of_space(ws, team, env)
    regions = list(e.regions)
    return plan_waves(regions, units=[space_unit(team, env, r) for r in regions], batch_size=SPACE_BATCH,
                      max_parallel=SPACE_PARALLEL, target=f"space/{team}/{env}", partition_of=ws.catalog.partition,
                      gates={"alarms": True, "health_check": False, "approval": bool(e.protected)})


def _approval_needed(policy: str, protected: bool) -> bool:
    return policy == "always" or (policy == "protected" and protected)


def service_waves(ws, service_dir: str | os.PathLike, env: str) -> RolloutPlan:
    """Waves of a service's units in one environment, from its rollout policy."""
    svc, path = load_service(service_dir)
    regions = service_regions(ws, svc, env, str(path))
    space, e = _env_of_space(ws, svc.space, env)
    pol = svc.rollout
    return plan_waves(regions, units=[service_unit(space.team, svc.name, env, r) for r in regions], canary=pol.canary,
                      batch_size=pol.batch_size, max_parallel=pol.max_parallel, bake_minutes=pol.bake_minutes,
                      target=f"service/{space.team}/{svc.name}/{env}", partition_of=ws.catalog.partition,
                      gates={"alarms": pol.gates.alarms, "health_check": pol.gates.health_check,
                             "health_path": svc.health_path,
                             "approval": _approval_needed(pol.gates.manual_approval, e.protected)})


def plan_rollout(ws, *, env: str, service_dir: str | None = None, team: str | None = None) -> RolloutPlan:
    """`platform rollout plan`: a service's waves, or a space's when no service folder is given."""
    if service_dir and team:
        raise UsageError("give either SERVICE_DIR or --space TEAM, not both")
    if service_dir:
        return service_waves(ws, service_dir, env)
    if not team:
        raise UsageError("give a SERVICE_DIR or --space TEAM")
    return space_waves(ws, team, env)


# running --------------------------------------------------------------------------
def apply_space(ws, team: str, env: str, *, approve: bool = False, engine=None, progress: Progress | None = None,
                clients=None, history: HistoryStore | None = None, ask=None, sleep=None) -> RolloutOutcome:
    """Apply every unit of TEAM's space in ENV, wave by wave. Raises RolloutHalted when a unit or gate fails.

    An account-isolated space first gets ENV's account (vended and recorded when it has none): that is an
    Organizations call, done even when the units then cannot run for want of the engine."""
    plan = space_waves(ws, team, env)
    from .accounts.vending import ensure_account_announced

    ensure_account_announced(ws, team, env, clients=clients)
    space = ws.space(team)
    key = f"{team}/{env}"
    rid = new_rollout_id(f"{team}-{env}")
    return execute(ws, lambda: start_journal(ws, plan, kind="space", action="up", team=team, env=env, release=space.blueprint,
                                       lock_key=key, history=history, clients=clients, rid=rid), rid, engine=engine, approve=approve, ask=ask, progress=progress, clients=clients,
                    history=history, lock_key=key, units=plan.units, resumed=False, sleep=sleep)


def destroy_space(ws, team: str, env: str, *, engine=None, progress: Progress | None = None, clients=None,
                  history: HistoryStore | None = None) -> RolloutOutcome:
    """Destroy every unit of TEAM's space in ENV, in reverse rollout order. The caller confirms first."""
    plan = space_waves(ws, team, env)
    return destroy_units(ws, team, env, [list(w.units) for w in reverse(plan).waves], release=ws.space(team).blueprint,
                         max_parallel=plan.max_parallel, engine=engine, progress=progress, clients=clients,
                         history=history)


def destroy_units(ws, team: str, env: str, waves: list[list[str]], *, release: str | None, max_parallel: int = 1,
                  label: str = "destroy", engine=None, progress: Progress | None = None,
                  clients=None, history: HistoryStore | None = None, lock: RolloutLock | None = None) -> RolloutOutcome:
    """Destroy the units of WAVES (in that order) of TEAM's ENV through the executor: journalled,
    resumable with `platform rollout resume`, under the TEAM/ENV lock of rollouts (LOCK when the caller
    holds it already, see ``rollout.run.holding_env_locks``; it is then not released here). No gates.
    The history records each unit's destroy; LABEL names the rollout (its id)."""
    units = [u for w in waves for u in w]
    plan = RolloutPlan(target=f"space/{team}/{env}", waves=tuple(
        Wave(i + 1, tuple(dict.fromkeys(parse_unit(u)["region"] for u in w)), tuple(w)) for i, w in enumerate(waves) if w),
        partition="", max_parallel=max_parallel, bake_minutes=0, batch_size=1, gates={})
    key = f"{team}/{env}"
    rid = new_rollout_id(f"{team}-{env}-{label}")
    return execute(ws, lambda: start_journal(ws, plan, kind="space", action="destroy", team=team, env=env, release=release,
                                       lock_key=key, history=history, clients=clients, rid=rid),
                    rid, engine=engine, approve=True, ask=None, progress=progress, clients=clients, history=history,
                    lock_key=key, units=units, resumed=False, held=lock)


def deploy_service(ws, service_dir: str | os.PathLike, env: str, version: str | None = None, region: str | None = None,
                   approve: bool = False, *, engine=None, progress: Progress | None = None, clients=None,
                   history: HistoryStore | None = None, ask=None, health_get=None, sleep=None,
                   image_digest: str | None = None) -> RolloutOutcome:
    """Deploy VERSION (by IMAGE_DIGEST, a protected ENV's must) of a service to ENV wave by wave, or to one REGION."""
    plan = service_waves(ws, service_dir, env)
    svc, path = load_service(service_dir)
    team = svc.space
    release = f"{version or svc.image.tag}@{image_digest}" if image_digest is not None else version or svc.image.tag
    require_digests({service_unit(team, svc.name, env, r): release for r in plan.regions}, env=env,
                    protected=_env_of_space(ws, team, env)[1].protected)
    key = f"{team}/{env}"
    label = f"{svc.name}-{env}"
    if region:
        if region not in plan.regions:
            raise UsageError(f"--region {region}: service {svc.name} does not deploy to it in {env} "
                             f"(regions: {', '.join(plan.regions)})")
        unit = service_unit(team, svc.name, env, region)
        plan = RolloutPlan(target=plan.target, waves=(Wave(1, (region,), (unit,), canary=True),), partition=plan.partition,
                           max_parallel=1, bake_minutes=plan.bake_minutes, batch_size=1, gates=plan.gates)
        key = f"{team}/{env}/{region}"
        label = f"{svc.name}-{env}-{region}"
    rid = new_rollout_id(label)
    return execute(ws, lambda: start_journal(ws, plan, kind="service", action="up", team=team, env=env, release=release,
                                       service=svc.name, service_path=path, lock_key=key, history=history,
                                       clients=clients, rid=rid), rid, engine=engine, approve=approve, ask=ask, progress=progress, clients=clients,
                    history=history, lock_key=key, units=plan.units, resumed=False, health_get=health_get, sleep=sleep)


# rollouts: status, resume, rollback, cancel -------------------------------------------
def _journal(ws, rollout_id: str) -> Journal:
    return Journal.open(rollouts_dir(ws.local_dir), rollout_id)


def _effective_status(st) -> str:
    if st.status == R_RUNNING and holder_gone(st.runner or {}):
        return "interrupted"
    return st.status


def rollout_status(ws, rollout_id: str) -> dict[str, Any]:
    """One rollout: status, reason, waves and units with their states."""
    st = _journal(ws, rollout_id).state()
    data = st.to_json()
    data["status"] = _effective_status(st)
    data["next"] = _next_command(ws, st, data["status"])
    return data


def latest_rollout_status(ws, rollout_id: str | None = None, *, team: str | None = None,
                          env: str | None = None, errors: list[str] | None = None) -> dict[str, Any]:
    """A rollout's status, or the latest readable one's (of TEAM / ENV when given).

    Newer journals that cannot be read are passed over and described in ERRORS when given."""
    if rollout_id:
        return rollout_status(ws, rollout_id)
    latest = list_rollouts(ws, team=team, env=env, limit=1, errors=errors)
    if not latest:
        where = " ".join(x for x in (f"of team {team}" if team else "", f"in {env}" if env else "") if x)
        raise NotFoundError(f"no rollout found{(' ' + where) if where else ''}",
                            hint="start one with `platform space apply TEAM --env ENV` or `platform service deploy DIR --env ENV --version V`")
    return rollout_status(ws, latest[0]["id"])


def _next_command(ws, st, status: str) -> str | None:
    """The command that moves this rollout on, and only one that will be accepted."""
    if status in (R_HALTED, "interrupted"):
        newer = _newer_rollout(ws, st)
        if newer:  # resume refuses it: it would deploy an older release over a newer one
            return f"platform rollout status {newer}"
        return f"platform rollout resume {st.id}" + (" --approve" if "approv" in (st.reason or "") else "")
    if status == R_RUNNING:
        return f"platform rollout status {st.id}"
    return None


def _states(ws, errors: list[str] | None = None) -> Iterator[RolloutState]:
    """Every rollout's state, newest first, each journal read and folded once, lazily.

    A journal that cannot be read is left out; its error goes to ERRORS when given.
    """
    folder = rollouts_dir(ws.local_dir)
    for rid in reversed(Journal.list_ids(folder)):
        try:
            yield Journal(folder / f"{rid}.jsonl").state()
        except PlatformError as exc:
            if errors is not None:
                errors.append(f"rollout {rid} left out: {exc.message}")


def list_rollouts(ws, *, team: str | None = None, env: str | None = None, limit: int | None = 20,
                  errors: list[str] | None = None) -> list[dict[str, Any]]:
    """Rollouts of the workspace, newest first (optionally of one team and environment).

    A journal that cannot be read does not stop the listing: it is left out and, when ERRORS
    is given, described there (`platform rollout status ID` reports it in full).
    """
    out = []
    for st in _states(ws, errors):
        if (team and st.spec.get("team") != team) or (env and st.spec.get("env") != env):
            continue
        s = st.summary()
        out.append({"id": st.id, "status": _effective_status(st), "kind": st.spec.get("kind"),
                    "action": st.spec.get("history_action", st.spec.get("action")), "team": st.spec.get("team"),
                    "env": st.spec.get("env"), "service": st.spec.get("service"), "release": st.spec.get("release"),
                    "started": st.started, "updated": st.updated, "units": len(st.units),
                    "succeeded": s.get("succeeded", 0), "failed": s.get("failed", 0), "reason": st.reason})
        if limit and len(out) >= limit:
            break
    return out


def _newer_rollout(ws, st, *, strict: bool = False) -> str | None:
    """The newest later rollout of the same lock or of any of ST's units (only later journals are read).

    STRICT (before acting on ST): a later journal that cannot be read may be that newer rollout, so it
    is a ConflictError naming it instead of being left out."""
    key = st.spec.get("lock")
    team, env = st.spec.get("team"), st.spec.get("env")
    errors: list[str] = []
    for other in _states(ws, errors):
        if strict and errors:
            later = [e for e in errors if e.removeprefix("rollout ").split(" ", 1)[0] > st.id]
            if later:
                raise ConflictError(f"rollout {st.id}: cannot tell whether a newer rollout superseded it: {later[0]}",
                                    hint="repair or move away that journal, then run the command again")
            errors.clear()
        if other.id <= st.id:
            break  # newest first: the rest started before ST
        if (team and other.spec.get("team") != team) or (env and other.spec.get("env") != env):
            continue
        if other.spec.get("lock") == key or set(other.units) & set(st.units):
            return other.id
    return None


def resume_rollout(ws, rollout_id: str, *, approve: bool = False, engine=None, progress: Progress | None = None,
                   clients=None, history: HistoryStore | None = None, ask=None, health_get=None,
                   sleep=None) -> RolloutOutcome:
    """Continue a halted or interrupted rollout exactly where it stopped; finished units are not applied again."""
    journal = _journal(ws, rollout_id)
    st = journal.state()
    if st.status == R_SUCCEEDED:
        return RolloutOutcome(st.id, st.status, None, st, [])
    if st.status == R_CANCELLED:
        raise ConflictError(f"rollout {rollout_id} was cancelled ({st.reason}); it cannot be resumed",
                            hint="start a new deployment, or `platform rollout rollback " + rollout_id + "`")
    newer = _newer_rollout(ws, st, strict=True)
    if newer:
        raise ConflictError(f"rollout {rollout_id} is superseded by the newer rollout {newer}; resuming it would "
                            "deploy an older release over a newer one", hint=f"`platform rollout status {newer}`")
    if st.spec.get("kind") == "service":  # one journalled by an earlier platform may name a protected release by tag
        require_digests({u: s.release for u, s in st.units.items() if s.state != SUCCEEDED and s.release},
                        env=st.spec["env"], protected=_env_of_space(ws, st.spec["team"], st.spec["env"])[1].protected)
    return execute(ws, lambda: journal, rollout_id, engine=engine, approve=approve, ask=ask, progress=progress,
                    clients=clients, history=history, lock_key=st.spec.get("lock") or f"{st.spec['team']}/{st.spec['env']}",
                    units=list(st.units), resumed=True, health_get=health_get, sleep=sleep)


def rollback_rollout(ws, rollout_id: str, *, engine=None, progress: Progress | None = None, clients=None,
                     history: HistoryStore | None = None,
                     confirm: Callable[[str], None] | None = None) -> RolloutOutcome:
    """Re-apply the previous release in every unit the rollout reached (in its order), and nowhere else.

    Units that had no previous release (first deployment there) are left as they are and
    reported in ``skipped``; destroy them explicitly if they must go. Everything is checked
    (the rollout, what it can roll back, the lock, the engine, then ``confirm(question)``, which
    raises to stop) before the rolled-back rollout is journalled as cancelled.
    """
    journal = _journal(ws, rollout_id)
    st = journal.state()
    if st.spec.get("action") != "up":
        raise UsageError(f"rollout {rollout_id} is a {st.spec.get('history_action', st.spec.get('action'))}; only "
                         "deployments can be rolled back")
    previous: dict[str, str] = st.spec.get("previous") or {}
    landed = st.landed()
    targets = [u for u in landed if u in previous]
    skipped = [u for u in landed if u not in previous]
    if not targets:
        raise ConflictError(f"rollout {rollout_id}: nothing to roll back: "
                            + ("no unit was reached" if not landed else
                               f"no previous release is known for {', '.join(skipped)} (first deployment there)"),
                            hint="destroy the units explicitly if they must go")
    if st.spec.get("kind") == "service":  # a protected environment goes back only to a release by digest
        require_digests({u: previous[u] for u in targets}, env=st.spec["env"], protected=_env_of_space(
            ws, st.spec["team"], st.spec["env"])[1].protected)
    key = st.spec.get("lock") or f"{st.spec['team']}/{st.spec['env']}"
    check_free(ws, key, targets, clients)
    engine = engine_for(ws, engine)  # EngineMissingError (exit 8) before anything is journalled
    history = history if history is not None else open_history(ws, clients)
    if confirm is not None:
        confirm(f"roll back rollout {rollout_id} to the previous release in {len(targets)} unit(s) where it landed"
                + (f" (leaving {len(skipped)} without a previous release as they are)" if skipped else "") + "?")
    order = {u: i for i, u in enumerate(landed)}
    waves = [[u for u in w if u in previous and u in order] for w in st.waves]
    waves = [w for w in waves if w]
    plan = RolloutPlan(target=st.spec.get("kind", ""), waves=tuple(
        Wave(i + 1, tuple(parse_unit(u)["region"] for u in w), tuple(w)) for i, w in enumerate(waves)),
        partition="", max_parallel=int(st.spec.get("max_parallel") or 1), bake_minutes=0, batch_size=1, gates={})
    if st.status not in FINAL:
        journal.append("rollout.cancelled", reason=f"rolled back by {current_user()}")
    journal.close()
    svc_file = st.spec.get("service_file")
    rid = new_rollout_id(f"{st.spec.get('service') or st.spec['team']}-{st.spec['env']}-rollback")

    def new() -> Journal:
        return start_journal(ws, plan, kind=st.spec["kind"], action="up", team=st.spec["team"], env=st.spec["env"],
                      release=None, releases={u: previous[u] for u in targets}, service=st.spec.get("service"),
                      service_path=Path(svc_file) if svc_file else None, lock_key=key, history=history,
                      clients=clients, rid=rid,
                      extra={"history_action": "rollback", "rollback_of": rollout_id, "skipped": skipped,
                             "previous": {}})
    return execute(ws, new, rid, engine=engine, approve=True, ask=None, progress=progress, clients=clients,
                    history=history, lock_key=key, units=targets, resumed=False)


def cancel_rollout(ws, rollout_id: str, *, confirm: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Stop a rollout: a running one starts no further unit; a halted one is closed for good.

    ``confirm(question)`` is called once the rollout is known to be cancellable and before
    anything is written; it raises (UserAbort) to leave the rollout as it is.
    """
    journal = _journal(ws, rollout_id)
    st = journal.state()
    status = _effective_status(st)
    if st.status in FINAL:
        raise ConflictError(f"rollout {rollout_id} is already {st.status}; nothing to cancel")
    if confirm is not None:
        what = "/".join(x for x in (st.spec.get("team"), st.spec.get("service"), st.spec.get("env")) if x)
        confirm(f"cancel rollout {rollout_id} ({status}, {what}, release {st.spec.get('release') or '-'}) so that "
                + ("no further unit starts" if status == R_RUNNING else "it can no longer be resumed") + "?")
    try:
        if status == R_RUNNING:
            journal.append("cancel.requested", by=current_user())
            return {"id": rollout_id, "status": "cancel requested",
                    "detail": "running units finish; no further unit starts"}
        journal.append("rollout.cancelled", reason=f"cancelled by {current_user()} while {status}")
    finally:
        journal.close()
    return {"id": rollout_id, "status": R_CANCELLED, "detail": f"was {status}"}


__all__ = [
    "space_waves", "service_waves", "plan_rollout", "apply_space", "destroy_space", "destroy_units", "deploy_service",
    "rollout_status", "latest_rollout_status", "list_rollouts", "resume_rollout", "rollback_rollout", "cancel_rollout",
    "history_list", "dora_metrics", "load_service",
]
