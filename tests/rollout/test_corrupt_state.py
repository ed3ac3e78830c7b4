"""Hand-edited or damaged local state (journals, lock files, history rows) gives a clear error, never a crash."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from platform_cli import deploy
from platform_cli.errors import LockError, SpecError
from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path
from platform_cli.rollout.journal import fold, rollouts_dir
from platform_cli.rollout.lock import LocalLock, acquire_exclusive, holder_info

STARTED = {"ts": "2025-01-01T00:00:00.000+00:00", "event": "rollout.started",
           "spec": {"team": "globex", "env": "live", "waves": [["service/globex/api/live/eu-central-1"]]}}


@pytest.fixture
def two_rollouts(wide, make_service, fake_engine, quiet):
    """Two finished rollouts of globex/live; returns (workspace, [older id, newer id])."""
    svc = make_service(regions=["eu-central-1", "eu-west-1"], batch=1, parallel=1)
    ids = [deploy.deploy_service(wide, svc, "live", v, engine=fake_engine(), progress=quiet).id for v in ("v1", "v2")]
    return wide, ids


def _break(ws, rid: str, line: str, *, keep: int = 1) -> str:
    """Keep the first KEEP lines of rollout RID's journal and add LINE (with its newline); returns the path."""
    path = rollouts_dir(ws.local_dir) / f"{rid}.jsonl"
    lines = path.read_text().splitlines(keepends=True)[:keep]
    path.write_text("".join(lines) + line + "\n")
    return str(path)


BAD_LINES = [
    pytest.param("42", 2, "not a JSON object", id="number"),
    pytest.param('["unit.started"]', 2, "not a JSON object", id="list"),
    pytest.param('{"event":"wave.passed"}', 2, "wave", id="wave-missing"),
    pytest.param('{"event":"wave.passed","wave":"x"}', 2, "wave", id="wave-not-int"),
    pytest.param('{"event":"approval.granted","wave":true}', 2, "wave", id="wave-bool"),
    pytest.param('{"event":"unit.started","unit":["a"]}', 2, "unit", id="unit-list"),
    pytest.param('{"event":"unit.succeeded","unit":"x","outputs":[1]}', 2, "outputs", id="outputs-list"),
    pytest.param('{"event":"rollout.halted","reason":5}', 2, "reason", id="reason-int"),
]


@pytest.mark.parametrize(("line", "lineno", "words"), BAD_LINES)
def test_a_bad_journal_line_is_a_spec_error_naming_file_and_line(two_rollouts, run_cli, line, lineno, words):
    ws, (old, new) = two_rollouts
    path = _break(ws, old, line)
    r = run_cli("-w", str(ws.root), "rollout", "status", old)
    assert r.exit_code == 3, r.stderr
    assert f"{path}:{lineno}" in r.stderr and words in r.stderr and "Traceback" not in r.stderr
    # the other rollouts are still listed, the broken one reported as a warning
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [new]
    assert "warning:" in r.stderr and f"{path}:{lineno}" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "list")
    assert r.exit_code == 0 and new in r.stdout and old not in r.stdout and f"{path}:{lineno}" in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "status", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["id"] == new


@pytest.mark.parametrize("spec", [[1, 2], "x", {"waves": "abc"}, {"waves": [["a", 3]]}, {"waves": [], "releases": [1]},
                                  {"waves": [], "max_parallel": "many"}])
def test_a_bad_spec_is_a_spec_error(two_rollouts, run_cli, spec):
    ws, (old, new) = two_rollouts
    path = _break(ws, new, json.dumps({**STARTED, "spec": spec}), keep=0)
    r = run_cli("-w", str(ws.root), "rollout", "status", new)
    assert r.exit_code == 3 and f"{path}:1" in r.stderr and "spec" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0 and [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [old]
    r = run_cli("-w", str(ws.root), "rollout", "status")  # the latest readable rollout
    assert r.exit_code == 0 and old in r.stdout


def test_a_torn_last_line_is_still_tolerated(two_rollouts):
    ws, (old, _) = two_rollouts
    path = rollouts_dir(ws.local_dir) / f"{old}.jsonl"
    path.write_bytes(path.read_bytes() + b"42")  # a complete value without its newline: a torn write
    assert deploy.rollout_status(ws, old)["status"] == "succeeded"


def test_fold_without_a_file_names_the_rollout_and_event():
    with pytest.raises(SpecError, match=r"rollout r1: event 2: .*wave"):
        fold("r1", [STARTED, {"event": "wave.passed", "wave": "x"}])


# lock files ------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["[1]", '{"pid":"abc","host":"h"}', '"text"', "{nope", '{"host":"h","pid":1.5}'])
def test_an_unreadable_lock_file_is_a_lock_error_naming_the_file(tmp_path, content):
    lock = LocalLock(tmp_path, "globex/live")
    lock.path.write_text(content)
    with pytest.raises(LockError) as exc:
        lock.acquire(holder_info("r"))
    assert str(lock.path) in str(exc.value) and "remove" in exc.value.hint and str(lock.path) in exc.value.hint
    assert lock.path.read_text() == content  # left for a person to look at
    # an overlapping rollout is refused the same way, and lets go of its own lock
    with pytest.raises(LockError, match=str(lock.path)):
        acquire_exclusive(lambda k: LocalLock(tmp_path, k), "globex/live/eu-west-1", [], holder_info("r2"))
    assert LocalLock(tmp_path, "globex/live/eu-west-1").holder() is None


def test_an_unreadable_lock_file_through_the_cli(two_rollouts, run_cli):
    ws, (_, new) = two_rollouts
    lock = LocalLock(ws.local_dir / "locks", "globex/live")
    lock.path.write_text('{"pid":"abc"}')
    r = run_cli("-w", str(ws.root), "rollout", "rollback", new, "--yes")  # checks the lock before anything else
    assert r.exit_code == 5, r.stderr
    assert str(lock.path) in r.stderr and "remove" in r.stderr and "Traceback" not in r.stderr


# one rule for "the holder is gone" ------------------------------------------------------
def test_holder_gone():
    from platform_cli.procs import holder_gone

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    me = holder_info("r")
    assert not holder_gone(me)
    assert holder_gone({**me, "pid": int(proc.stdout)})
    assert not holder_gone({**me, "pid": int(proc.stdout), "host": me["host"] + "-elsewhere"})
    assert not holder_gone({**me, "pid": "abc"}) and not holder_gone({})


# history rows -------------------------------------------------------------------------
def test_dora_skips_history_rows_with_bad_times(wide, run_cli):
    store = SQLiteHistory(sqlite_path(wide.local_dir))
    day = datetime.now(UTC) - timedelta(days=1)
    good = dict(rollout="r1", unit="service/globex/api/live/eu-central-1", team="globex", env="live",
                region="eu-central-1", kind="service", what="api", action="up", version="v1", who="alice",
                start=day.isoformat(), end=(day + timedelta(minutes=10)).isoformat(), result="succeeded")
    store.add(Deployment(**good))
    store.add(Deployment(**{**good, "rollout": "r4", "end": None}))
    with pytest.raises(SpecError, match="cannot record the deployment: nothing was written"):
        store.add(Deployment(**{**good, "rollout": "r2", "commit_time": "yesterday"}))
    with sqlite3.connect(sqlite_path(wide.local_dir)) as conn:  # rows written by another tool
        for rid, col, val in (("r2", "commit_time", "yesterday"), ("r3", "start", "soon")):
            row = {**good, "rollout": rid, col: val, "id": rid}
            conn.execute(f"INSERT INTO deployments ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))
        assert conn.execute("SELECT count(*) FROM deployments").fetchone()[0] == 4
    r = run_cli("-w", str(wide.root), "metrics", "dora", "--json")
    assert r.exit_code == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["skipped_records"] == 3 and m["deployments"] == 1
    r = run_cli("-w", str(wide.root), "metrics", "dora", "--since", "2098-12-31")
    assert r.exit_code == 0 and "warning:" in r.stderr and "3" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("holder,expires", [("not json", "9999999999"), ('["x"]', "9999999999"), ('{"user": "a"}', None)])
def test_a_foreign_dynamodb_lock_item_reads_as_held_not_as_a_crash(dynamodb, holder, expires):
    from platform_cli.aws.history_dynamodb import DynamoLock

    item = {"pk": {"S": "lock#payments/prod"}, "sk": {"S": "lock"}, "holder": {"S": holder}}
    if expires is not None:
        item["expires"] = {"N": expires}
    dynamodb.put_item(TableName="platform-history", Item=item)
    lock = DynamoLock(dynamodb, "platform-history", "payments/prod")
    assert isinstance(lock.active_holder(), dict)
    with pytest.raises(LockError):
        lock.acquire({"user": "me", "host": "h", "pid": 1})
