"""A one-region deployment (CI's job per region) and a rollout of the whole environment exclude each other,
while region jobs run side by side; for the workspace's lock files and for the DynamoDB table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from platform_cli import deploy
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.history_dynamodb import DynamoLock
from platform_cli.errors import LockError
from platform_cli.planning.names import service_unit
from platform_cli.rollout.journal import Journal, rollouts_dir
from platform_cli.rollout.lock import LocalLock, acquire_exclusive, holder_info

REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"]


@pytest.fixture(params=["local", "dynamodb"])
def make_lock(request, tmp_path):
    if request.param == "local":
        return lambda key: LocalLock(tmp_path / "locks", key)
    client = request.getfixturevalue("dynamodb")
    return lambda key: DynamoLock(client, "platform-history", key)


def _who(rid: str, user: str) -> dict:
    return {**holder_info(rid), "user": user}


def test_region_lock_is_refused_while_the_environment_is_locked(make_lock):
    full_holder = _who("20250101T000000000-full-abcdef", "alice")
    full = acquire_exclusive(make_lock, "payments/prod", REGIONS, full_holder)
    with pytest.raises(LockError) as exc:
        acquire_exclusive(make_lock, "payments/prod/us-east-1", [], holder_info("region-job"))
    msg = str(exc.value)
    assert "payments/prod/us-east-1" in msg and "whole environment" in msg
    for part in ("alice", full_holder["host"], f"pid {full_holder['pid']}", full_holder["start"],
                 "20250101T000000000-full-abcdef"):
        assert part in msg
    assert "platform rollout status 20250101T000000000-full-abcdef" in exc.value.hint
    assert make_lock("payments/prod/us-east-1").holder() is None  # the refused job let go of its own lock
    assert make_lock("payments/prod").holder() == full_holder
    full.release()
    acquire_exclusive(make_lock, "payments/prod/us-east-1", [], holder_info("region-job")).release()


def test_environment_lock_is_refused_while_a_region_of_the_plan_is_locked(make_lock):
    # CI's jobs of one wave run side by side
    a = acquire_exclusive(make_lock, "payments/prod/eu-west-1", [], _who("job-eu", "bob"))
    b = acquire_exclusive(make_lock, "payments/prod/us-east-1", [], _who("job-us", "carol"))
    with pytest.raises(LockError) as exc:
        acquire_exclusive(make_lock, "payments/prod", REGIONS, holder_info("full"))
    msg = str(exc.value)
    assert "payments/prod overlaps" in msg and ("job-eu" in msg or "job-us" in msg)
    assert ("bob" in msg) == ("job-eu" in msg) and ("carol" in msg) == ("job-us" in msg)
    assert make_lock("payments/prod").holder() is None  # released again: it does not block the region jobs
    # a region the plan does not contain does not block, another environment neither
    acquire_exclusive(make_lock, "payments/prod", ["eu-central-1"], holder_info("other-plan")).release()
    acquire_exclusive(make_lock, "payments/dev", REGIONS, holder_info("dev")).release()
    a.release()
    with pytest.raises(LockError, match="job-us"):
        acquire_exclusive(make_lock, "payments/prod", REGIONS, holder_info("full"))
    b.release()
    acquire_exclusive(make_lock, "payments/prod", REGIONS, holder_info("full")).release()


def test_a_stale_local_environment_lock_does_not_block_a_region(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = {**holder_info("crashed"), "pid": int(proc.stdout)}
    LocalLock(tmp_path / "locks", "payments/prod").acquire(dead)
    make = lambda key: LocalLock(tmp_path / "locks", key)  # noqa: E731
    acquire_exclusive(make, "payments/prod/us-east-1", [], holder_info("job")).release()


def test_an_expired_dynamodb_region_lock_does_not_block_the_environment(dynamodb):
    DynamoLock(dynamodb, "platform-history", "payments/prod/us-east-1", ttl_seconds=-1).acquire(holder_info("crashed"))
    make = lambda key: DynamoLock(dynamodb, "platform-history", key)  # noqa: E731
    acquire_exclusive(make, "payments/prod", REGIONS, holder_info("full")).release()


# through the service layer ---------------------------------------------------------------
@pytest.fixture(params=["local", "dynamodb"])
def lock_kind(request, wide, monkeypatch):
    """The workspace's rollout locks (and history) in lock files, or in the DynamoDB table (moto)."""
    if request.param == "local":
        return {}
    request.getfixturevalue("dynamodb")
    monkeypatch.setattr(wide.config.history, "store", "dynamodb")
    return {"clients": ClientProvider(default_region="eu-central-1")}


def _ids(ws):
    return Journal.list_ids(rollouts_dir(ws.local_dir))


def test_region_deploy_during_a_full_rollout_is_refused(wide, make_service, fake_engine, quiet, lock_kind):
    svc = make_service(regions=REGIONS, batch=2, parallel=1)
    errors: list[LockError] = []

    def region_job(unit):
        if unit.endswith("/eu-central-1"):
            try:
                deploy.deploy_service(wide, svc, "live", "v2", region="us-east-1", engine=fake_engine(), progress=quiet,
                                      **lock_kind)
            except LockError as exc:
                errors.append(exc)

    engine = fake_engine(hook=region_job)
    full = deploy.deploy_service(wide, svc, "live", "v1", engine=engine, progress=quiet, **lock_kind)
    assert full.status == "succeeded" and len(errors) == 1
    assert "globex/live/us-east-1 overlaps globex/live" in str(errors[0]) and full.id in str(errors[0])
    assert _ids(wide) == [full.id]  # the refused job journalled nothing
    assert set(engine.releases) == {service_unit("globex", "api", "live", r) for r in REGIONS}
    assert all(rels == ["v1"] for rels in engine.releases.values())
    # afterwards the region job runs
    out = deploy.deploy_service(wide, svc, "live", "v2", region="us-east-1", engine=fake_engine(), progress=quiet,
                                **lock_kind)
    assert out.status == "succeeded"


def test_full_rollout_during_a_region_deploy_is_refused_but_region_jobs_run_together(
        wide, make_service, fake_engine, quiet, lock_kind):
    svc = make_service(regions=REGIONS, batch=2, parallel=1)
    refused: list[LockError] = []
    side_by_side = []

    def during(unit):
        for start in (lambda: deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine(), progress=quiet,
                                                    **lock_kind),
                      lambda: deploy.apply_space(wide, "globex", "live", engine=fake_engine(), progress=quiet,
                                                 **lock_kind)):
            try:
                start()
            except LockError as exc:
                refused.append(exc)
        side_by_side.append(deploy.deploy_service(wide, svc, "live", "v2", region="eu-west-1", engine=fake_engine(),
                                                  progress=quiet, **lock_kind))

    job = deploy.deploy_service(wide, svc, "live", "v2", region="us-east-1", engine=fake_engine(hook=during),
                                progress=quiet, **lock_kind)
    assert job.status == "succeeded" and [o.status for o in side_by_side] == ["succeeded"]
    assert len(refused) == 2
    for exc in refused:
        assert "overlaps globex/live/us-east-1" in str(exc) and job.id in str(exc)
    assert sorted(_ids(wide)) == sorted([job.id, side_by_side[0].id])
    # nothing is left locked: the full rollout runs now
    assert deploy.deploy_service(wide, svc, "live", "v3", engine=fake_engine(), progress=quiet,
                                 **lock_kind).status == "succeeded"


# `platform rollout cancel` and `status` hints ------------------------------------------------
@pytest.fixture
def halted(wide, make_service, fake_engine, quiet):
    from platform_cli.errors import RolloutHalted

    svc = make_service(regions=REGIONS, batch=2, parallel=1)
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine({service_unit("globex", "api", "live",
                                                                                         "eu-west-1"): 1}),
                              progress=quiet)
    return wide, svc, exc.value.outcome.id


def test_cancel_asks_first_and_refuses_without_a_terminal(halted, run_cli):
    ws, _, rid = halted
    before = (rollouts_dir(ws.local_dir) / f"{rid}.jsonl").read_bytes()
    r = run_cli("-w", str(ws.root), "rollout", "cancel", rid)
    assert r.exit_code == 11 and "--yes" in r.stderr and rid in r.stderr
    assert deploy.rollout_status(ws, rid)["status"] == "halted"
    assert (rollouts_dir(ws.local_dir) / f"{rid}.jsonl").read_bytes() == before
    r = run_cli("-w", str(ws.root), "rollout", "cancel", rid, "--yes")
    assert r.exit_code == 0, r.stderr
    assert deploy.rollout_status(ws, rid)["status"] == "cancelled"


def test_cancel_of_an_unknown_rollout_points_to_the_listing_command(wide, run_cli):
    for extra in ((), ("--yes",)):
        r = run_cli("-w", str(wide.root), "rollout", "cancel", "nope", *extra)
        assert r.exit_code == 4, r.stderr
        assert "`platform rollout list`" in r.stderr and "`platform rollout status`" not in r.stderr
    r = run_cli("-w", str(wide.root), "rollout", "list")
    assert r.exit_code == 0  # the command the hint names exists
    r = run_cli("-w", str(wide.root), "rollout", "cancel", "bad/id", "--yes")
    assert r.exit_code == 2 and "`platform rollout list`" in r.stderr


def test_status_of_a_superseded_rollout_suggests_the_newer_one_not_resume(halted, fake_engine, quiet, run_cli):
    ws, svc, rid = halted
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    # it was resumed by a process that died: interrupted
    with Journal.open(rollouts_dir(ws.local_dir), rid) as j:
        j.append("rollout.resumed", runner={**holder_info(rid), "pid": int(proc.stdout)})
    data = deploy.rollout_status(ws, rid)
    assert data["status"] == "interrupted" and data["next"] == f"platform rollout resume {rid}"
    newer = deploy.deploy_service(ws, svc, "live", "v2", engine=fake_engine(), progress=quiet)
    r = run_cli("-w", str(ws.root), "rollout", "status", rid)
    assert r.exit_code == 0, r.stderr
    assert "interrupted" in r.stdout
    assert f"next: platform rollout status {newer.id}" in r.stderr and "rollout resume" not in r.stderr
    # what it suggests works; what it no longer suggests is refused
    assert run_cli("-w", str(ws.root), "rollout", "status", newer.id).exit_code == 0
    assert run_cli("-w", str(ws.root), "rollout", "resume", rid).exit_code == 5
