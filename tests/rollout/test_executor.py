"""The executor through the service layer, with a fake engine: halts, resume, rollback, locks, cancel."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from platform_cli import deploy
from platform_cli.errors import ConflictError, LockError, RolloutHalted
from platform_cli.planning.names import service_unit
from platform_cli.rollout.journal import Journal, rollouts_dir
from platform_cli.rollout.lock import LocalLock, holder_info

from .conftest import TWENTY

UNITS = [service_unit("globex", "api", "live", r) for r in TWENTY]


def _ids(ws):
    return Journal.list_ids(rollouts_dir(ws.local_dir))


def test_a_rollout_applies_every_unit_once_in_wave_order(wide, make_service, fake_engine, quiet):
    engine = fake_engine()
    out = deploy.deploy_service(wide, make_service(), "live", "v1", engine=engine, progress=quiet)
    assert out.status == "succeeded"
    assert engine.applied == {u: 1 for u in UNITS}
    order = [u for _, u, _ in engine.calls]
    plan = deploy.service_waves(wide, make_service(), "live")
    position = {u: i for i, u in enumerate(order)}
    for earlier, later in zip(plan.waves, plan.waves[1:]):  # every unit of a wave before any of the next
        assert max(position[u] for u in earlier.units) < min(position[u] for u in later.units)
    assert order[0] == UNITS[0]


@pytest.mark.parametrize("parallel", [1, 3])
def test_failure_at_every_position_then_resume_applies_each_unit_exactly_once(wide, make_service, fake_engine, quiet,
                                                                             parallel):
    svc = make_service(parallel=parallel)
    for k, failing in enumerate(UNITS):
        engine = fake_engine({failing: 1})
        with pytest.raises(RolloutHalted) as exc:
            deploy.deploy_service(wide, svc, "live", f"v{k}", engine=engine, progress=quiet)
        rid = exc.value.outcome.id
        assert failing in str(exc.value)
        assert exc.value.outcome.state.units[failing].state == "failed"
        assert "platform rollout resume" in exc.value.hint
        # nothing of a later wave started
        wave_of = exc.value.outcome.state.units[failing].wave
        assert all(st.attempts == 0 for st in exc.value.outcome.state.units.values() if st.wave > wave_of)
        out = deploy.resume_rollout(wide, rid, engine=engine, progress=quiet)
        assert out.status == "succeeded"
        assert engine.applied == {u: 1 for u in UNITS}, f"failure at position {k}"
        assert all(rel == [f"v{k}"] for rel in engine.releases.values())
        # resuming a finished rollout applies nothing
        again = deploy.resume_rollout(wide, rid, engine=engine, progress=quiet)
        assert again.applied == [] and engine.applied == {u: 1 for u in UNITS}


class Crash(BaseException):
    """The process dies in the middle of a unit (no unit.failed is written)."""


def test_crash_with_torn_journal_then_resume_reapplies_only_the_interrupted_unit(wide, make_service, fake_engine, quiet):
    svc = make_service(parallel=1)
    victim = UNITS[7]

    def crash(unit):
        if unit == victim and not crashed:
            crashed.append(unit)
            raise Crash()

    crashed: list[str] = []
    engine = fake_engine(hook=crash)
    with pytest.raises(Crash):
        deploy.deploy_service(wide, svc, "live", "v1", engine=engine, progress=quiet)
    (rid,) = _ids(wide)
    path = rollouts_dir(wide.local_dir) / f"{rid}.jsonl"
    with open(path, "ab") as fh:  # the crash tore the last write in half
        fh.write(b'{"ts":"2025-01-01T00:00:00","event":"unit.succ')
    st = Journal(path).state()
    assert st.units[victim].state == "running"
    assert deploy.rollout_status(wide, rid)["waves"][0]["units"][0]["state"] == "succeeded"
    out = deploy.resume_rollout(wide, rid, engine=engine, progress=quiet)
    assert out.status == "succeeded"
    assert engine.applied == {u: 1 for u in UNITS}
    assert victim in out.applied and UNITS[0] not in out.applied
    lines = path.read_bytes().splitlines()
    assert all(json.loads(line) for line in lines)  # the torn tail was cut before the next append


def test_rollback_reapplies_previous_release_only_where_the_new_one_landed(wide, make_service, fake_engine, quiet):
    svc = make_service(batch=4, parallel=2)
    engine = fake_engine()
    deploy.deploy_service(wide, svc, "live", "v1", engine=engine, progress=quiet)
    failing = UNITS[6]  # wave 2 holds units 1..4, wave 3 holds 5..8
    engine2 = fake_engine({failing: 1})
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v2", engine=engine2, progress=quiet)
    landed = {u for u, st in exc.value.outcome.state.units.items() if st.attempts}
    assert failing in landed and UNITS[19] not in landed
    engine3 = fake_engine()
    out = deploy.rollback_rollout(wide, exc.value.outcome.id, engine=engine3, progress=quiet)
    assert out.status == "succeeded"
    assert set(engine3.applied) == landed
    assert all(rels == ["v1"] for rels in engine3.releases.values())
    # the rolled-back rollout is closed and cannot be resumed
    assert deploy.rollout_status(wide, exc.value.outcome.id)["status"] == "cancelled"
    with pytest.raises(ConflictError):
        deploy.resume_rollout(wide, exc.value.outcome.id, engine=engine2, progress=quiet)
    actions = {(r["unit"], r["action"], r["version"]) for r in deploy.history_list(wide, limit=None)}
    assert {(u, "rollback", "v1") for u in landed} <= actions


def test_rollback_leaves_units_without_a_previous_release(wide, make_service, fake_engine, quiet):
    svc = make_service(regions=TWENTY[:3], batch=2)
    deploy.deploy_service(wide, make_service(regions=TWENTY[:2], batch=2, name="older"), "live", "v1",
                          engine=fake_engine(), progress=quiet)
    out = deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine(), progress=quiet)
    engine = fake_engine()
    back = deploy.rollback_rollout(wide, out.id, engine=engine, progress=quiet)
    assert set(engine.applied) == set(UNITS[:2])
    assert back.state.spec["skipped"] == [UNITS[2]]


def test_second_rollout_gets_a_lock_error_naming_the_holder(wide, make_service, fake_engine, quiet):
    holder = holder_info("20250101T000000-other-1a2b3c")
    holder["user"] = "alice"
    lock = LocalLock(wide.local_dir / "locks", "globex/live")
    lock.acquire(holder)
    try:
        with pytest.raises(LockError) as exc:
            deploy.deploy_service(wide, make_service(), "live", "v1", engine=fake_engine(), progress=quiet)
        msg = str(exc.value)
        assert "alice" in msg and holder["host"] in msg and f"pid {holder['pid']}" in msg and holder["start"] in msg
        assert "20250101T000000-other-1a2b3c" in exc.value.hint
        assert _ids(wide) == []  # nothing journalled for the refused rollout
    finally:
        lock.release()
    assert deploy.deploy_service(wide, make_service(), "live", "v1", engine=fake_engine(), progress=quiet).status == "succeeded"


def test_lock_from_inside_a_running_rollout_is_refused(wide, make_service, fake_engine, quiet):
    errors = []

    def second(unit):
        if unit == UNITS[0]:
            try:
                deploy.apply_space(wide, "globex", "live", engine=fake_engine(), progress=quiet)
            except LockError as exc:
                errors.append(exc)

    out = deploy.deploy_service(wide, make_service(), "live", "v1", engine=fake_engine(hook=second), progress=quiet)
    assert len(errors) == 1
    assert out.id in str(errors[0]) and out.id in errors[0].hint
    assert _ids(wide) == [out.id]


def test_stale_lock_of_a_dead_process_is_taken_over(wide, make_service, fake_engine, quiet):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead = holder_info("old")
    dead["pid"] = int(proc.stdout)
    LocalLock(wide.local_dir / "locks", "globex/live").acquire(dead)
    out = deploy.deploy_service(wide, make_service(), "live", "v1", engine=fake_engine(), progress=quiet)
    assert out.status == "succeeded"


def test_cancel_while_running_starts_no_further_unit(wide, make_service, fake_engine, quiet):
    svc = make_service(parallel=1)

    def cancel_at(unit):
        if unit == UNITS[5]:
            (rid,) = _ids(wide)
            assert deploy.cancel_rollout(wide, rid)["status"] == "cancel requested"

    engine = fake_engine(hook=cancel_at)
    out = deploy.deploy_service(wide, svc, "live", "v1", engine=engine, progress=quiet)
    assert out.status == "cancelled"
    assert set(engine.applied) == set(UNITS[:6])  # the running unit finished, nothing after it started
    with pytest.raises(ConflictError):
        deploy.resume_rollout(wide, out.id, engine=engine, progress=quiet)
    with pytest.raises(ConflictError):
        deploy.cancel_rollout(wide, out.id)


def test_cancel_a_halted_rollout_closes_it(wide, make_service, fake_engine, quiet):
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, make_service(), "live", "v1", engine=fake_engine({UNITS[3]: 1}), progress=quiet)
    rid = exc.value.outcome.id
    assert deploy.rollout_status(wide, rid)["status"] == "halted"
    assert deploy.cancel_rollout(wide, rid)["status"] == "cancelled"
    assert deploy.rollout_status(wide, rid)["status"] == "cancelled"


def test_resume_refuses_a_rollout_superseded_by_a_newer_one(wide, make_service, fake_engine, quiet):
    svc = make_service()
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine({UNITS[2]: 1}), progress=quiet)
    deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine(), progress=quiet)
    with pytest.raises(ConflictError, match="superseded"):
        deploy.resume_rollout(wide, exc.value.outcome.id, engine=fake_engine(), progress=quiet)


def test_single_region_deploy_for_ci_jobs(wide, make_service, fake_engine, quiet):
    engine = fake_engine()
    out = deploy.deploy_service(wide, make_service(), "live", "v9", region="us-east-1", engine=engine, progress=quiet)
    assert dict(engine.applied) == {service_unit("globex", "api", "live", "us-east-1"): 1}
    assert out.state.spec["lock"] == "globex/live/us-east-1"
    from platform_cli.errors import UsageError

    with pytest.raises(UsageError, match="cn-north-1"):
        deploy.deploy_service(wide, make_service(), "live", "v9", region="cn-north-1", engine=engine, progress=quiet)


def test_space_destroy_runs_in_reverse_order(wide, fake_engine, quiet):
    engine = fake_engine()
    out = deploy.destroy_space(wide, "globex", "live", engine=engine, progress=quiet)
    assert out.status == "succeeded"
    order = [u for a, u, _ in engine.calls if a == "destroy"]
    assert order[-1].endswith("/" + TWENTY[0])  # the canary region goes last
    assert len(order) == 20 and order[0].endswith("/" + TWENTY[-1])
    assert {r["action"] for r in deploy.history_list(wide, limit=None)} == {"destroy"}


def test_history_records_every_unit_with_who_and_commit(wide, make_service, fake_engine, quiet, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTOR", "ci-bot")
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    monkeypatch.setenv("CI_COMMIT_TIMESTAMP", "2025-01-01T10:00:00+00:00")
    with pytest.raises(RolloutHalted):
        deploy.deploy_service(wide, make_service(), "live", "v3", engine=fake_engine({UNITS[1]: 1}), progress=quiet)
    rows = deploy.history_list(wide, team="globex", limit=None)
    assert {r["who"] for r in rows} == {"ci-bot"}
    assert {r["commit"] for r in rows} == {"a" * 40}
    assert any(r["unit"] == UNITS[1] and r["result"] == "failed" for r in rows)
    assert all(r["start"] <= r["end"] and r["version"] == "v3" and r["what"] == "api" for r in rows)
