"""space delete: listed, confirmed, reverse rollout order through the executor, resumable, then gone."""

from __future__ import annotations

import pytest

from platform_cli.deploy import resume_rollout
from platform_cli.errors import ConflictError, LockError, RolloutHalted
from platform_cli.lifecycle.delete import delete_space
from platform_cli.rollout.journal import Journal, rollouts_dir
from platform_cli.rollout.lock import LocalLock, holder_info
from platform_cli.workspace import WorkspaceContext
from tests.rollout.conftest import FakeEngine

DEV = "space/payments/dev/eu-central-1"
PROD = ["space/payments/prod/eu-central-1", "space/payments/prod/eu-west-3", "space/payments/prod/us-east-1"]
ORDERS = ["service/payments/orders/prod/eu-central-1", "service/payments/orders/prod/us-east-1"]


class StackEngine(FakeEngine):
    """The fake engine, plus removing stacks from the backend."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.removed: list[str] = []

    def remove(self, target):
        self.removed.append(target.unit)
        return True


def _applied(record, units):
    for u in units:
        record(u, version="1.0.0" if u.startswith("service/") else "standard@1")


def _journals(ws):
    return sorted(p.stem for p in rollouts_dir(ws.local_dir).glob("*.jsonl"))


def test_never_applied_needs_no_engine_and_releases_the_blocks(payments, record, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    blocks = [a.cidr for a in payments.space("payments").allocations]
    result = delete_space(payments, "payments", history=record.store)
    assert not payments.space_path("payments").exists()
    assert result["destroyed"] == [] and result["to_destroy"] == 0 and _journals(payments) == []
    assert not set(blocks) & set(WorkspaceContext.open(payments.root).taken_cidrs())
    deleted = [r for r in record.store.query(team="payments") if r.action == "delete"]
    assert sorted(r.unit for r in deleted) == sorted([DEV, *PROD]) and {r.result for r in deleted} == {"succeeded"}


def test_applied_without_engine_exits_8_before_anything(run_cli, payments, record, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    record(DEV)
    before = payments.space_path("payments").read_text()
    r = run_cli("-w", str(payments.root), "space", "delete", "payments", "--yes")
    assert r.exit_code == 8, r.stderr
    assert payments.space_path("payments").read_text() == before and _journals(payments) == []
    assert [x.action for x in record.store.query(team="payments")] == ["up"]


def test_a_failed_apply_counts_as_applied(payments, record, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    record(DEV, result="failed")  # it may have left resources behind
    from platform_cli.errors import EngineMissingError

    with pytest.raises(EngineMissingError):
        delete_space(payments, "payments", history=record.store)
    assert payments.space_path("payments").exists()


def test_deployed_services_block_unless_with_services(payments, record):
    _applied(record, [DEV, *PROD, *ORDERS])
    before = payments.space_path("payments").read_text()
    with pytest.raises(ConflictError) as e:
        delete_space(payments, "payments", engine=StackEngine(), history=record.store)
    assert "orders (2 unit(s))" in e.value.message and "--with-services" in e.value.hint
    assert payments.space_path("payments").read_text() == before and _journals(payments) == []


def test_delete_destroys_in_reverse_rollout_order_and_keeps_history(payments, record, quiet):
    _applied(record, [DEV, *PROD, *ORDERS])
    engine = StackEngine()
    seen = []
    result = delete_space(payments, "payments", with_services=True, engine=engine, history=record.store,
                          progress=quiet, confirm=seen.append)
    assert seen and seen[0]["to_destroy"] == 6 and seen[0]["services"] == {"orders": ORDERS}
    order = [u for action, u, _ in engine.calls]
    assert {a for a, _, _ in engine.calls} == {"destroy"}
    # prod (declared last) first: its services (last region first), then its space units, last region first; then dev
    assert set(order[:2]) == set(ORDERS)  # one wave, run in parallel
    assert order[2:] == [PROD[2], PROD[1], PROD[0], DEV]
    assert not payments.space_path("payments").exists()
    assert sorted(engine.removed) == sorted([DEV, *PROD, *ORDERS])
    # journals kept, one per environment, under the rollout locks of TEAM/ENV
    states = [Journal.open(rollouts_dir(payments.local_dir), rid).state() for rid in result["rollouts"]]
    assert [(s.spec["lock"], s.status) for s in states] == [("payments/prod", "succeeded"), ("payments/dev", "succeeded")]
    assert states[0].waves == [ORDERS[::-1], [PROD[2]], [PROD[1]], [PROD[0]]]
    actions = [(r.unit, r.action) for r in record.store.query(team="payments")]
    assert all((u, "destroy") in actions for u in [DEV, *PROD, *ORDERS])
    assert sum(1 for _, a in actions if a == "delete") == 4


def test_an_interrupted_delete_continues_without_destroying_twice(payments, record, quiet):
    _applied(record, [DEV, *PROD])
    engine = StackEngine(fail={PROD[0]: 1})
    with pytest.raises(RolloutHalted) as e:
        delete_space(payments, "payments", engine=engine, history=record.store, progress=quiet)
    assert payments.space_path("payments").exists()  # nothing removed while units remain
    assert engine.removed == []
    halted = e.value.outcome.id
    # resume the halted destroy with the rollout verbs, then run delete again: nothing is destroyed twice
    resume_rollout(payments, halted, engine=engine, history=record.store, progress=quiet)
    calls_before = list(engine.calls)
    delete_space(WorkspaceContext.open(payments.root), "payments", engine=engine, history=record.store, progress=quiet)
    again = [u for _, u, _ in engine.calls[len(calls_before):]]
    assert again == [DEV]
    assert engine.applied[PROD[2]] == 1 and engine.applied[PROD[0]] == 1
    assert not payments.space_path("payments").exists()


@pytest.mark.parametrize("env", ["prod", "dev"])  # prod goes first, dev last: both refuse before anything goes
def test_a_held_rollout_lock_refuses_before_anything(payments, record, quiet, env):
    _applied(record, [DEV, *PROD])
    lock = LocalLock(payments.local_dir / "locks", f"payments/{env}")
    lock.acquire(holder_info("someone-elses-rollout"))
    try:
        engine = StackEngine()
        with pytest.raises(LockError, match=f"payments/{env}"):
            delete_space(payments, "payments", engine=engine, history=record.store, progress=quiet)
        assert engine.calls == [] and payments.space_path("payments").exists() and _journals(payments) == []
    finally:
        lock.release()


def test_cli_lists_and_needs_yes_without_a_terminal(run_cli, payments, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    r = run_cli("-w", str(payments.root), "space", "delete", "payments")
    assert r.exit_code == 11 and "--yes" in r.stderr
    assert "release 10." in r.stderr and "remove " in r.stderr and "payments.yaml" in r.stderr
    assert payments.space_path("payments").exists()
    r = run_cli("-w", str(payments.root), "space", "delete", "payments", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "deleted team space payments" in r.stderr and not payments.space_path("payments").exists()
    assert run_cli("-w", str(payments.root), "space", "show", "payments").exit_code == 4


def test_every_environment_stays_locked_for_the_whole_delete(payments, record, quiet):
    _applied(record, [DEV, *PROD])
    seen: list[tuple[str, str | None]] = []

    def hook(unit):  # while a prod unit is destroyed, a rollout of dev must be refused
        if unit.startswith("space/payments/prod/"):
            other = LocalLock(payments.local_dir / "locks", "payments/dev")
            try:
                other.acquire(holder_info("a-rollout-of-dev"))
            except LockError as exc:
                seen.append((unit, exc.message))
            else:
                other.release()
                seen.append((unit, None))

    engine = StackEngine(hook=hook)
    delete_space(payments, "payments", engine=engine, history=record.store, progress=quiet)
    assert len(seen) == 3 and all(msg and "payments/dev is locked" in msg for _, msg in seen)
    # and every lock is free afterwards
    for env in ("dev", "prod"):
        assert LocalLock(payments.local_dir / "locks", f"payments/{env}").holder() is None
