"""What a resumed or concurrent rollout relies on: the journal on disk before each action, gates of a
passed wave never run again, and a lock released only by the rollout that holds it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from platform_cli.aws.history_dynamodb import DynamoLock
from platform_cli.errors import LockError
from platform_cli.rollout.executor import Executor
from platform_cli.rollout.gates import GateResult
from platform_cli.rollout.journal import Journal
from platform_cli.rollout.lock import LocalLock, holder_info

WAVES = [["service/t/api/e/eu-central-1"], ["service/t/api/e/eu-west-1", "service/t/api/e/eu-west-3"],
         ["service/t/api/e/us-east-1"]]
UNITS = [u for w in WAVES for u in w]


def _journal(tmp_path, rid="20250101T000000000-t-api-e-abcdef"):
    return Journal.create(tmp_path / "rollouts", rid, {"waves": WAVES, "max_parallel": 1, "bake_minutes": 0},
                          holder_info(rid))


# the journal reaches the disk before each action ---------------------------------------------------

def test_each_unit_start_is_fsynced_before_the_engine_acts(tmp_path, monkeypatch, fake_engine):
    journal = _journal(tmp_path)
    synced: list[bytes] = []  # what the journal file held each time it was fsync'd
    real_fsync = os.fsync

    def spy(fd):
        real_fsync(fd)
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return
        if target == str(journal.path):
            with open(target, "rb") as fh:
                synced.append(fh.read())

    def before_action(unit):
        durable = synced[-1] if synced else b""
        assert f'"event":"unit.started","unit":"{unit}"'.encode() in durable, \
            f"{unit} is applied before its unit.started record was fsync'd"

    monkeypatch.setattr(os, "fsync", spy)
    engine = fake_engine(hook=before_action)
    outcome = Executor(journal, engine).run()
    journal.close()
    assert outcome.status == "succeeded" and sorted(engine.applied) == sorted(UNITS)
    # and the outcome itself is durable: the last fsync holds the final record
    assert synced[-1].rstrip().endswith(b'"event":"rollout.succeeded"}')


# a resumed rollout does not re-run the gates of a wave that passed -------------------------------

class CountingGate:
    """Counts its checks per wave; fails the listed waves once each."""

    def __init__(self, name, fail_once=()):
        self.name = name
        self.fail_once = set(fail_once)
        self.checks: Counter[int] = Counter()

    def check(self, ctx):
        self.checks[ctx.wave] += 1
        if ctx.wave in self.fail_once:
            self.fail_once.discard(ctx.wave)
            return GateResult(self.name, False, f"wave {ctx.wave} unhealthy")
        return GateResult(self.name, True, "ok")


def test_resume_after_a_failed_gate_checks_only_that_wave_and_the_later_ones(tmp_path, fake_engine):
    journal = _journal(tmp_path)
    alarms, health = CountingGate("alarms"), CountingGate("health", fail_once={2})
    engine = fake_engine()
    first = Executor(journal, engine, gates=[alarms, health]).run()
    assert first.status == "halted" and "wave 2" in first.reason
    assert alarms.checks == {1: 1, 2: 1} and health.checks == {1: 1, 2: 1}

    resumed = Executor(Journal(journal.path), engine, gates=[alarms, health]).run()
    assert resumed.status == "succeeded"
    assert alarms.checks == {1: 1, 2: 2, 3: 1}
    assert health.checks == {1: 1, 2: 2, 3: 1}
    assert engine.applied == {u: 1 for u in UNITS}  # no unit applied twice either


def test_resume_after_a_failed_unit_reruns_no_passed_gate(tmp_path, fake_engine):
    journal = _journal(tmp_path)
    gate = CountingGate("alarms")
    engine = fake_engine({"service/t/api/e/us-east-1": 1})
    assert Executor(journal, engine, gates=[gate]).run().status == "halted"
    assert gate.checks == {1: 1, 2: 1}
    assert Executor(Journal(journal.path), engine, gates=[gate]).run().status == "succeeded"
    assert gate.checks == {1: 1, 2: 1, 3: 1}


def test_resume_asks_no_approval_for_a_wave_already_approved(tmp_path, fake_engine):
    journal = _journal(tmp_path)
    approval = CountingGate("approval")
    gate = CountingGate("alarms", fail_once={2})
    engine = fake_engine()
    assert Executor(journal, engine, gates=[gate], approval=approval).run().status == "halted"
    assert approval.checks == {1: 1, 2: 1}
    assert Executor(Journal(journal.path), engine, gates=[gate], approval=approval).run().status == "succeeded"
    assert approval.checks == {1: 1, 2: 1, 3: 1}


# a lock is released only by its holder ----------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture(params=["local", "dynamodb"])
def lock_kind(request, tmp_path):
    if request.param == "local":
        return lambda key, **kw: LocalLock(tmp_path / "locks", key)
    client = request.getfixturevalue("dynamodb")
    return lambda key, **kw: DynamoLock(client, "platform-history", key, **kw)


def test_release_by_another_lock_object_leaves_the_holder_in_place(lock_kind):
    mine = lock_kind("t/e")
    mine.acquire({**holder_info("r1"), "user": "alice"})
    other = lock_kind("t/e")
    other.release()  # never acquired: must not free alice's lock
    assert (other.active_holder() or {}).get("user") == "alice"
    with pytest.raises(LockError, match="alice"):
        other.acquire({**holder_info("r2"), "user": "bob"})
    mine.release()
    assert other.active_holder() is None
    other.acquire({**holder_info("r2"), "user": "bob"})
    assert (lock_kind("t/e").active_holder() or {}).get("user") == "bob"


def test_a_lock_taken_over_is_not_released_by_its_former_holder(lock_kind, tmp_path):
    if isinstance(lock_kind("k"), LocalLock):
        former = lock_kind("t/e")
        former.acquire({**holder_info("r1"), "user": "alice", "pid": _dead_pid()})  # alice's process died
    else:
        former = lock_kind("t/e", ttl_seconds=-1)  # alice's lock expired
        former.acquire({**holder_info("r1"), "user": "alice"})
    successor = lock_kind("t/e")
    successor.acquire({**holder_info("r2"), "user": "bob"})  # takes the stale lock over
    former.release()  # alice's late release must not free bob's lock
    assert (lock_kind("t/e").active_holder() or {}).get("user") == "bob"
    with pytest.raises(LockError, match="bob"):
        lock_kind("t/e").acquire({**holder_info("r3"), "user": "carol"})
    successor.release()
    assert lock_kind("t/e").active_holder() is None


def test_release_twice_frees_only_once(lock_kind):
    first = lock_kind("t/e")
    first.acquire({**holder_info("r1"), "user": "alice"})
    first.release()
    second = lock_kind("t/e")
    second.acquire({**holder_info("r2"), "user": "bob"})
    first.release()
    assert (lock_kind("t/e").active_holder() or {}).get("user") == "bob"
