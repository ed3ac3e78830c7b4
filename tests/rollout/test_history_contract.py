"""One contract for every history store and every rollout lock: SQLite/local file and DynamoDB (moto)."""

from __future__ import annotations

import pytest

from platform_cli.aws.history_dynamodb import DynamoHistory, DynamoLock
from platform_cli.errors import LockError
from platform_cli.rollout.history import Deployment, SQLiteHistory, previous_releases
from platform_cli.rollout.lock import LocalLock, holder_info


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteHistory(tmp_path / "history.sqlite")
    return DynamoHistory(request.getfixturevalue("dynamodb"), "platform-history")


@pytest.fixture(params=["local", "dynamodb"])
def make_lock(request, tmp_path):
    if request.param == "local":
        return lambda key: LocalLock(tmp_path / "locks", key)
    client = request.getfixturevalue("dynamodb")
    return lambda key, **kw: DynamoLock(client, "platform-history", key, **kw)


def rec(i: int, *, team="payments", env="prod", region="eu-central-1", result="succeeded", version=None,
        action="up", rollout=None, commit=None) -> Deployment:
    unit = f"service/{team}/api/{env}/{region}"
    return Deployment(rollout=rollout or f"r{i}", unit=unit, team=team, env=env, region=region, kind="service",
                      what="api", action=action, version=version or f"v{i}", who="alice",
                      start=f"2025-03-{i:02d}T10:00:00.000+00:00", end=f"2025-03-{i:02d}T10:05:00.000+00:00",
                      result=result, commit=commit)


def test_records_come_back_in_start_order_with_every_field(store):
    records = [rec(3, commit="c" * 40), rec(1), rec(2, result="failed")]
    for r in records:
        store.add(r)
    got = store.query()
    assert [g.start for g in got] == sorted(r.start for r in records)
    assert got == sorted(records, key=lambda r: r.start)  # every field, None included, round-trips
    assert got[0].commit is None and got[2].commit == "c" * 40


def test_filters_by_team_env_since_and_limit_keeps_the_newest(store):
    for i in range(1, 7):
        store.add(rec(i, team="payments" if i % 2 else "checkout", env="prod" if i < 5 else "dev"))
    assert {r.team for r in store.query(team="checkout")} == {"checkout"}
    assert [r.version for r in store.query(team="payments")] == ["v1", "v3", "v5"]
    assert [r.version for r in store.query(env="dev")] == ["v5", "v6"]
    assert [r.version for r in store.query(since="2025-03-04")] == ["v4", "v5", "v6"]
    assert [r.version for r in store.query(team="payments", since="2025-03-02")] == ["v3", "v5"]
    assert [r.version for r in store.query(limit=2)] == ["v5", "v6"]
    assert store.query(team="nobody") == []


def test_previous_release_is_the_last_successful_one_per_unit(store):
    store.add(rec(1, version="v1"))
    store.add(rec(2, version="v2"))
    store.add(rec(3, version="v3", result="failed"))
    store.add(rec(4, version="w1", region="us-east-1"))
    store.add(rec(5, version="w1", region="us-east-1", action="destroy"))
    units = ["service/payments/api/prod/eu-central-1", "service/payments/api/prod/us-east-1"]
    assert previous_releases(store, "payments", "prod", units) == {units[0]: "v2"}


def test_second_lock_holder_is_refused_with_the_holder_named(make_lock):
    first = make_lock("payments/prod")
    holder = {**holder_info("20250101T000000000-payments-prod-abcdef"), "user": "alice"}
    first.acquire(holder)
    with pytest.raises(LockError) as exc:
        make_lock("payments/prod").acquire(holder_info("other"))
    assert "alice" in str(exc.value) and str(holder["pid"]) in str(exc.value) and holder["host"] in str(exc.value)
    assert make_lock("payments/prod").holder()["user"] == "alice"
    make_lock("payments/dev").acquire(holder_info("x"))  # another environment is independent
    first.release()
    assert make_lock("payments/prod").holder() is None
    make_lock("payments/prod").acquire(holder_info("next"))


def test_dynamodb_lock_expires_and_can_be_taken_over(dynamodb):
    DynamoLock(dynamodb, "platform-history", "payments/prod", ttl_seconds=-1).acquire(holder_info("crashed"))
    late = DynamoLock(dynamodb, "platform-history", "payments/prod")
    late.acquire(holder_info("new"))
    assert late.holder()["rollout"] == "new"
    late.release()
    assert late.holder() is None
