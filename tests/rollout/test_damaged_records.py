"""Damaged records read back (journal lines, lock files, runner records, history rows): a clean
error naming the file, and one damaged rollout never hides the others."""

from __future__ import annotations

import json
import sqlite3

import pytest

from platform_cli import deploy
from platform_cli.errors import LockError, SpecError
from platform_cli.procs import PID_MAX, pid_alive, valid_pid
from platform_cli.rollout.history import SQLiteHistory, sqlite_path
from platform_cli.rollout.journal import rollouts_dir
from platform_cli.rollout.lock import LocalLock, holder_info


@pytest.fixture
def two_rollouts(wide, make_service, fake_engine, quiet):
    svc = make_service(regions=["eu-central-1", "eu-west-1"], batch=1, parallel=1)
    ids = [deploy.deploy_service(wide, svc, "live", v, engine=fake_engine(), progress=quiet).id for v in ("v1", "v2")]
    return wide, ids


def _journal(ws, rid):
    return rollouts_dir(ws.local_dir) / f"{rid}.jsonl"


def test_a_journal_line_nested_100000_deep_breaks_only_its_own_rollout(two_rollouts, run_cli):
    ws, (old, new) = two_rollouts
    path = _journal(ws, old)
    path.write_text(path.read_text() + "[" * 100_000 + "]" * 100_000 + "\n")
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [new]
    assert f"{path}:" in r.stderr and "nested too deeply" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "status", old)
    assert r.exit_code == 3 and "nested too deeply" in r.stderr and "RecursionError" not in r.stderr


def test_a_journal_that_is_a_fifo_is_refused_not_waited_on(two_rollouts, run_cli):
    import os

    ws, (old, new) = two_rollouts
    fifo = rollouts_dir(ws.local_dir) / "20240101T000000000-pipe-abcdef.jsonl"
    os.mkfifo(fifo)
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0 and {x["id"] for x in json.loads(r.stdout)["rollouts"]} == {old, new}
    assert "named pipe" in r.stderr


@pytest.mark.parametrize("pid", [2 ** 70, -5, 0, PID_MAX + 1, True, 1.0])
def test_a_lock_with_an_impossible_pid_is_named_never_an_overflow(tmp_path, pid):
    lock = LocalLock(tmp_path, "globex/live")
    lock.path.write_text(json.dumps({**holder_info("r"), "pid": pid}))
    with pytest.raises(LockError) as exc:
        lock.acquire(holder_info("r2"))
    assert str(lock.path) in str(exc.value) and "pid" in str(exc.value)


def test_pid_range_boundaries():
    assert valid_pid(1) and valid_pid(PID_MAX)
    assert not valid_pid(0) and not valid_pid(PID_MAX + 1) and not valid_pid(True) and not valid_pid(2 ** 70)
    assert pid_alive(2 ** 70) is False  # os.kill would raise OverflowError


def test_a_runner_record_with_a_huge_pid_does_not_break_status(two_rollouts, run_cli):
    ws, (old, new) = two_rollouts
    path = _journal(ws, new)
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first["runner"]["pid"] = 2 ** 70
    # a running rollout (no final event) whose runner pid cannot exist
    path.write_text(json.dumps(first) + "\n")
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert "OverflowError" not in r.stderr + r.stdout and "Traceback" not in r.stderr
    listed = {x["id"]: x for x in json.loads(r.stdout)["rollouts"]}
    assert set(listed) == {old, new} and listed[new]["status"] in ("running", "interrupted")


def test_a_damaged_history_row_is_named_not_a_crash(wide, run_cli):
    from platform_cli.rollout.history import Deployment

    store = SQLiteHistory(sqlite_path(wide.local_dir))
    good = dict(rollout="r1", unit="service/globex/api/live/eu-central-1", team="globex", env="live",
                region="eu-central-1", kind="service", what="api", action="up", version="v1", who="alice",
                start="2025-01-01T00:00:00+00:00", end="2025-01-01T00:10:00+00:00", result="succeeded")
    store.add(Deployment(**good))
    with sqlite3.connect(sqlite_path(wide.local_dir)) as conn:  # a row written by another tool
        conn.execute("INSERT INTO deployments (id, rollout) VALUES ('broken', 'r2')")
    r = run_cli("-w", str(wide.root), "history", "--json")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    data = json.loads(r.stdout)
    assert [d["rollout"] for d in data["deployments"]] == ["r1"]  # the good one is shown
    [line] = data["damaged"]
    assert "history.sqlite: table deployments, row 2 (id 'broken'): unit:" in line and "team:" in line and line in r.stderr
    r = run_cli("-w", str(wide.root), "history", "--exit-code")
    assert r.exit_code == 12 and "r1" in r.stdout and "1 damaged record(s)" in r.stderr


@pytest.mark.parametrize("damaged_unit,stops", [
    ("service/globex/api/live/eu-central-1", True),  # this rollout's unit: its last release is unknown
    (None, True),  # no unit: it may be any of them
    ("service/globex/other/live/eu-central-1", False),  # another unit's: cannot change what a rollback restores
])
def test_a_rollout_stops_only_for_a_damaged_row_that_may_be_its_own(wide, make_service, fake_engine, quiet,
                                                                    damaged_unit, stops):
    svc = make_service(regions=["eu-central-1"], batch=1, parallel=1)
    deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine(), progress=quiet)
    path = sqlite_path(wide.local_dir)
    with sqlite3.connect(path) as conn:  # a row written by another tool: no zone in its start
        conn.execute("INSERT INTO deployments (id, rollout, unit, team, env, region, kind, what, action, version, who,"
                     " start, \"end\", result) VALUES ('odd', 'r0', ?, 'globex', 'live', 'eu-central-1', 'service',"
                     " 'api', 'up', 'v0', 'x', '2025-01-01T00:00:00', '2025-01-01T00:00:00', 'succeeded')",
                     (damaged_unit,))
    conn.close()
    before = sorted(p.name for p in rollouts_dir(wide.local_dir).iterdir())
    if stops:
        with pytest.raises(SpecError, match=r"1 damaged history record\(s\) may be the last release") as exc:
            deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine(), progress=quiet)
        assert "(id 'odd'): start:" in str(exc.value)
        assert sorted(p.name for p in rollouts_dir(wide.local_dir).iterdir()) == before  # nothing journalled
    else:
        outcome = deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine(), progress=quiet)
        assert outcome.status == "succeeded"
        assert outcome.state.spec["previous"] == {"service/globex/api/live/eu-central-1": "v1"}
