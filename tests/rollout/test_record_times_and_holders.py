"""Records read back are validated with a model: history rows' times (zone, range), lock holders
(pid, start as a time, host, user, rollout), and the damaged ones named, never hiding the others."""

from __future__ import annotations

import json
import sqlite3

import pytest

from platform_cli.errors import LockError, SpecError
from platform_cli.model.times import EARLIEST, LATEST, check_time
from platform_cli.rollout.history import Deployment, SQLiteHistory, from_rows, sqlite_path
from platform_cli.rollout.lock import LocalLock, holder_info, holder_problem

GOOD = dict(rollout="r1", unit="service/globex/api/live/eu-central-1", team="globex", env="live",
            region="eu-central-1", kind="service", what="api", action="up", version="v1", who="alice",
            start="2025-01-01T00:00:00+00:00", end="2025-01-01T00:10:00+00:00", result="succeeded", id="good")


@pytest.mark.parametrize("value", ["2000-01-01T00:00:00+00:00", "2099-12-31T23:59:59.999+00:00",
                                   "2000-01-01T01:00:00+01:00", "2025-06-01T12:00:00Z"])
def test_times_inside_the_range_with_a_zone_are_kept(value):
    assert check_time(value) == value


@pytest.mark.parametrize("value,why", [
    ("1999-12-31T23:59:59.999+00:00", "from 2000 to 2099"),     # just before EARLIEST
    ("2000-01-01T00:59:59+01:00", "from 2000 to 2099"),         # 1999-12-31T23:59:59 UTC
    ("2100-01-01T00:00:00+00:00", "from 2000 to 2099"),         # exactly LATEST (exclusive)
    ("0001-01-01T00:00:00+00:00", "from 2000 to 2099"),
    ("9999-12-31T23:59:59+00:00", "from 2000 to 2099"),
    ("2025-01-01T00:00:00", "time zone"),                       # naive
    ("soon", "ISO 8601"),
    ("", "ISO 8601"),
])
def test_absurd_naive_or_unreadable_times_are_refused(value, why):
    with pytest.raises(ValueError, match=why):
        check_time(value)


def test_range_is_what_the_module_says():
    assert EARLIEST.year == 2000 and LATEST.year == 2100


def _insert(path, **row):
    with sqlite3.connect(path) as conn:
        conn.execute(f"INSERT INTO deployments ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                     list(row.values()))


@pytest.fixture
def store(wide):
    s = SQLiteHistory(sqlite_path(wide.local_dir))
    s.add(Deployment(**GOOD))
    return s


@pytest.mark.parametrize("field,value", [("start", "2025-01-01T00:00:00"), ("start", "1970-01-01T00:00:00+00:00"),
                                         ("end", "9999-01-01T00:00:00+00:00"), ("commit_time", "2100-01-01T00:00:00Z"),
                                         ("start", "2**70")])
def test_a_history_row_with_a_bad_time_is_refused_naming_file_table_row_and_field(store, field, value):
    _insert(store.path, **{**GOOD, "id": "bad", field: value})
    with pytest.raises(SpecError) as exc:
        store.query()
    text = str(exc.value)
    assert f"{store.path}: history record 'bad' is damaged" in text
    assert "table deployments, row 2 (id 'bad')" in text and f"{field}:" in text


def test_the_platform_never_writes_a_row_it_would_refuse(store):
    with pytest.raises(SpecError, match="nothing was written"):
        store.add(Deployment(**{**GOOD, "id": "x", "start": "2025-01-01T00:00:00"}))
    assert [r.id for r in store.query()] == ["good"]


def test_every_damaged_row_is_named_not_only_the_first(store, wide, run_cli):
    _insert(store.path, **{**GOOD, "id": "bad1", "start": "1900-01-01T00:00:00+00:00"})
    _insert(store.path, **{**GOOD, "id": "bad2", "end": "2025-01-01T00:00:00"})
    with pytest.raises(SpecError) as exc:  # a read that cannot go on without them names them all
        store.query()
    assert "2 history records are damaged" in str(exc.value)
    assert "row 2 (id 'bad1'): start:" in str(exc.value) and "row 3 (id 'bad2'): end:" in str(exc.value)
    r = run_cli("-w", str(wide.root), "history", "--json")  # a listing leaves them out and names each
    assert r.exit_code == 0 and "Traceback" not in r.stderr
    assert [d["id"] for d in json.loads(r.stdout)["deployments"]] == ["good"]
    assert "row 2 (id 'bad1'): start:" in r.stderr and "row 3 (id 'bad2'): end:" in r.stderr
    # a read that can go on without them leaves them out, names each, and keeps the good one
    damaged: list[str] = []
    assert [r.id for r in store.query(damaged=damaged)] == ["good"]
    assert len(damaged) == 2 and all(str(store.path) in d for d in damaged)
    r = run_cli("-w", str(wide.root), "metrics", "dora", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["skipped_records"] == 2 and "bad1" in r.stderr and "bad2" in r.stderr


def test_from_rows_counts_beyond_the_named_limit():
    rows = [{**GOOD, "id": f"b{i}", "start": "x"} for i in range(25)]
    with pytest.raises(SpecError) as exc:
        from_rows(rows, source="src")
    assert "25 history records are damaged (the first 20 are named)" in str(exc.value)
    assert "id 'b19'" in str(exc.value) and "id 'b20'" not in str(exc.value)


# lock holders ----------------------------------------------------------------------------
def test_the_platform_s_own_holder_is_valid():
    assert holder_problem(holder_info("20250101T000000000-x-abcdef")) is None
    assert holder_problem(holder_info(None)) is None


@pytest.mark.parametrize("change,field", [
    ({"start": "yesterday"}, "start"), ({"start": "2025-01-01T00:00:00"}, "start"),
    ({"start": "0001-01-01T00:00:00+00:00"}, "start"), ({"start": 1735689600}, "start"),
    ({"host": ""}, "host"), ({"host": "a\nb"}, "host"), ({"host": 7}, "host"),
    ({"user": ""}, "user"), ({"user": "x\x1b[2J"}, "user"),
    ({"rollout": "../../etc/passwd"}, "rollout"), ({"pid": 2**70}, "pid"), ({"pid": True}, "pid"),
    ({"extra": 1}, "extra"),
])
def test_a_lock_holder_that_is_not_one_is_named_and_never_taken_over(tmp_path, change, field):
    lock = LocalLock(tmp_path, "globex/live")
    lock.path.write_text(json.dumps({**holder_info("r"), **change}))
    with pytest.raises(LockError) as exc:
        lock.acquire(holder_info("r2"))
    assert str(lock.path) in str(exc.value) and f"{field}:" in str(exc.value)
    assert lock.path.exists()  # a person decides: an unreadable lock is not stale


def test_a_lock_holder_without_start_is_named(tmp_path):
    lock = LocalLock(tmp_path, "globex/live")
    data = holder_info("r")
    del data["start"]
    lock.path.write_text(json.dumps(data))
    assert lock.holder()["problem"] == "start: is missing"
