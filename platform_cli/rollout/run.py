"""Running a rollout: the workspace's rollout locks, the journal a rollout starts with, and the
executor run under the lock with the gates of its spec and the history recorder.

:mod:`platform_cli.deploy` builds the plans and calls :func:`start_journal` and :func:`execute`;
resume and rollback reopen a journal and call :func:`execute` again.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import RolloutHalted
from ..planning.names import parse_unit
from ..planning.waves import RolloutPlan
from .executor import Executor, RolloutOutcome, UnitOutcome
from .gates import AlarmsGate, ApprovalGate, HealthGate, client_provider, terminal_ask
from .history import Deployment, HistoryStore, ci_commit, previous_releases
from .journal import R_HALTED, Journal, rollouts_dir
from .lock import LocalLock, RolloutLock, acquire_exclusive, current_user, holder_info
from .progress import default_progress
from .stores import open_history


def engine_for(ws, engine):
    if engine is not None:
        return engine
    from ..engine import get_engine

    return get_engine(ws)


def rollout_locks(ws, clients=None) -> Callable[[str], RolloutLock]:
    """The workspace's rollout locks by key: DynamoDB when shared, else files in the workspace."""
    if ws.uses_shared_table:
        from ..aws.history_dynamodb import DynamoLock

        client = (clients or client_provider(ws))("dynamodb", ws.config.cloud.default_region)
        table = ws.config.history.table
        return lambda key: DynamoLock(client, table, key)
    folder = ws.local_dir / "locks"
    return lambda key: LocalLock(folder, key)


def take_lock(ws, key: str, units, holder: dict[str, Any], clients=None) -> RolloutLock:
    """KEY's lock, refused while an overlapping one is held: TEAM/ENV against the TEAM/ENV/REGION locks of UNITS."""
    return acquire_exclusive(rollout_locks(ws, clients), key, _regions(units), holder)


@contextlib.contextmanager
def holding_env_locks(ws, team: str, env_units: dict[str, list[str]], rid: str, clients=None):
    """Take TEAM/ENV's rollout lock of every ENV of ENV_UNITS (refused while another rollout holds one of
    them or of their regions) and hold them all until the block ends; yields ENV -> lock, to hand to
    ``deploy.destroy_units`` so that no other rollout starts in any of them in between."""
    held: dict[str, RolloutLock] = {}
    try:
        for env, units in env_units.items():
            held[env] = take_lock(ws, f"{team}/{env}", units, holder_info(rid), clients)
        yield held
    finally:
        for lock in held.values():
            lock.release()


def _regions(units) -> list[str]:
    return list(dict.fromkeys(parse_unit(u)["region"] for u in units))


def _commit_time(sha: str | None, folder: Path | None) -> str | None:
    _, when = ci_commit()
    if when or not sha or folder is None:
        return when
    try:
        out = subprocess.run(["git", "-C", str(folder), "show", "-s", "--format=%cI", sha],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _recorder(store: HistoryStore) -> Callable[[UnitOutcome, dict[str, Any]], None]:
    def record(o: UnitOutcome, spec: dict[str, Any]) -> None:
        p = parse_unit(o.unit)
        store.add(Deployment(
            rollout=spec["id"], unit=o.unit, team=p["team"], env=p["env"], region=p["region"], kind=p["kind"],
            what=p.get("service", "space"), action=spec.get("history_action", spec.get("action", "up")),
            version=o.release, who=spec.get("who") or current_user(), start=o.start, end=o.end,
            result="succeeded" if o.ok else "failed", commit=spec.get("commit"), commit_time=spec.get("commit_time"),
            error=o.error))
    return record


def _gates(ws, spec: dict[str, Any], *, clients=None, health_get=None, sleep=None):
    g = spec.get("gates") or {}
    gates: list[Any] = []
    if g.get("alarms"):
        gates.append(AlarmsGate(clients) if clients is not None else AlarmsGate(lambda: client_provider(ws), lazy=True))
    if g.get("health_check"):
        extra: dict[str, Any] = {"get": health_get} if health_get else {}
        if sleep is not None:
            extra["sleep"] = sleep
        gates.append(HealthGate(g.get("health_path") or "/healthz", **extra))
    return gates


def execute(ws, open_journal: Callable[[], Journal], rid: str, *, engine, approve: bool, ask, progress, clients,
            history, lock_key: str, units, resumed: bool, health_get=None, sleep=None,
            held: RolloutLock | None = None) -> RolloutOutcome:
    """Take the lock (unless the caller HELD it already), then create (or reopen) the journal and run it; the
    lock taken here is released at the end.

    UNITS are the rollout's units: a whole-environment rollout is refused while one of their regions is locked.
    """
    engine = engine_for(ws, engine)
    store = history if history is not None else open_history(ws, clients)
    lock = held if held is not None else take_lock(ws, lock_key, units, holder_info(rid), clients)
    journal: Journal | None = None
    try:
        journal = open_journal()
        if resumed:
            journal.append("rollout.resumed", runner=holder_info(rid))
        spec = journal.state().spec
        approval = ApprovalGate(approve, ask or terminal_ask) if (spec.get("gates") or {}).get("approval") else None
        ex = Executor(journal, engine, gates=_gates(ws, spec, clients=clients, health_get=health_get, sleep=sleep),
                      approval=approval, progress=progress or default_progress(), recorder=_recorder(store),
                      sleep=sleep)
        outcome = ex.run()
    finally:
        if held is None:
            lock.release()
        if journal is not None:
            journal.close()
    if outcome.status == R_HALTED:
        err = RolloutHalted(f"rollout {outcome.id} halted: {outcome.reason}",
                            hint=f"fix the cause, then `platform rollout resume {outcome.id}`"
                                 + (" --approve" if "approv" in (outcome.reason or "") else "")
                                 + f"; or undo it with `platform rollout rollback {outcome.id}`")
        err.outcome = outcome  # type: ignore[attr-defined]
        raise err
    return outcome


def start_journal(ws, plan: RolloutPlan, *, kind: str, action: str, team: str, env: str, release: str | None,
           releases: dict[str, str] | None = None, service: str | None = None, service_path: Path | None = None,
           lock_key: str, history: HistoryStore | None, clients,
           extra: dict[str, Any] | None = None, rid: str) -> Journal:
    store = history if history is not None else open_history(ws, clients)
    sha, _ = ci_commit()
    spec = {
        "id": rid, "kind": kind, "action": action, "team": team, "env": env, "service": service,
        "release": release, "releases": releases or {}, "service_file": str(service_path) if service_path else None,
        "waves": [list(w.units) for w in plan.waves], "max_parallel": plan.max_parallel,
        "bake_minutes": plan.bake_minutes, "gates": dict(plan.gates), "lock": lock_key, "who": current_user(),
        "commit": sha, "commit_time": _commit_time(sha, service_path.parent if service_path else None),
        "previous": previous_releases(store, team, env, plan.units) if action == "up" else {},
        "history_action": action, **(extra or {}),
    }
    return Journal.create(rollouts_dir(ws.local_dir), rid, spec, holder_info(rid))


def check_free(ws, key: str, units, clients) -> None:
    """Fail before writing a journal when another rollout holds the lock (the lock is taken again to run)."""
    take_lock(ws, key, units, holder_info(None), clients).release()
