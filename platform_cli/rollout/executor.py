"""The rollout executor: waves in order, units of a wave in parallel, gates between waves.

Everything the executor does is driven by, and written to, the rollout's journal: a
unit is journalled ``unit.started`` before the engine is asked to change it, and the
rollout continues from the journal's state, so running the executor again on the same
journal (``rollout resume``) skips every unit that finished and every wave whose gates
passed. The first failed unit or gate halts the rollout: units of the wave that are
already running finish, no new unit starts.

The engine runs each unit in its own OS process; the threads here only wait for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from ..errors import PlatformError
from ..units import Engine, UnitResult, UnitTarget
from .gates import Gate, WaveContext
from .journal import FINAL, SUCCEEDED, Journal, RolloutState, now_iso
from .lock import current_user
from .progress import NullProgress, Progress

CANCEL_MARK = b'"event":"cancel.requested"'


@dataclass
class UnitOutcome:
    unit: str
    wave: int
    release: str | None
    start: str
    end: str
    ok: bool
    error: str | None = None
    outputs: dict[str, Any] | None = None


@dataclass
class RolloutOutcome:
    id: str
    status: str  # succeeded | halted | cancelled
    reason: str | None
    state: RolloutState
    applied: list[str]  # units the engine changed in this run

    def to_json(self) -> dict[str, Any]:
        return {**self.state.to_json(), "applied_now": self.applied}


Recorder = Callable[[UnitOutcome, dict[str, Any]], None]


class Executor:
    """Runs (or continues) the rollout written in ``journal``."""

    def __init__(
        self,
        journal: Journal,
        engine: Engine,
        *,
        max_parallel: int | None = None,
        bake_seconds: float | None = None,
        gates: Sequence[Gate] = (),
        approval: Gate | None = None,
        progress: Progress | None = None,
        recorder: Recorder | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.journal = journal
        self.engine = engine
        spec = journal.state().spec
        self.spec = spec
        self.max_parallel = max(1, int(max_parallel or spec.get("max_parallel") or 1))
        self.bake_seconds = float(spec.get("bake_minutes", 0)) * 60 if bake_seconds is None else bake_seconds
        self.gates = list(gates)
        self.approval = approval
        self.progress = progress or NullProgress()
        self.recorder = recorder
        self._stop = threading.Event()
        self._sleep = sleep
        self.applied: list[str] = []
        self._applied_lock = threading.Lock()

    # cancellation -------------------------------------------------------------
    def cancel_requested(self) -> bool:
        """A `rollout cancel` from any process appends cancel.requested to the journal."""
        try:
            return CANCEL_MARK in self.journal.path.read_bytes()
        except OSError:
            return False

    def _wait(self, seconds: float) -> bool:
        """Wait (bake time); True when a cancel arrived meanwhile."""
        if self._sleep is not None:
            self._sleep(seconds)
            return self.cancel_requested()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.cancel_requested():
                return True
            self._stop.wait(min(1.0, left))
        return self.cancel_requested()

    # one unit -----------------------------------------------------------------
    def _target(self, unit: str, st: RolloutState) -> UnitTarget:
        return UnitTarget(unit=unit, release=st.units[unit].release, service_file=self.spec.get("service_file"))

    def _run_unit(self, unit: str, wave: int, st: RolloutState, halt: threading.Event) -> UnitOutcome | None:
        if halt.is_set() or self.cancel_requested():
            return None
        target = self._target(unit, st)
        action = self.spec.get("action", "up")
        self.journal.append("unit.started", unit=unit, wave=wave, release=target.release, action=action)
        self.progress.unit(unit, "destroying" if action == "destroy" else "applying", target.release or "")
        start = now_iso()
        error: str | None = None
        result: UnitResult | None = None
        try:
            run = self.engine.destroy if action == "destroy" else self.engine.up
            result = run(target, lambda u, msg: self.progress.unit(u, "event", msg))
        except PlatformError as exc:
            error = exc.message
        except Exception as exc:  # an engine bug must still be journalled as this unit's failure
            error = f"{type(exc).__name__}: {exc}"
        end = now_iso()
        with self._applied_lock:
            self.applied.append(unit)
        if error is None:
            outputs = dict(result.outputs) if result else {}
            self.journal.append("unit.succeeded", unit=unit, wave=wave, outputs=_jsonable(outputs),
                                summary=dict(result.summary) if result else {})
            self.progress.unit(unit, "succeeded", _summary_text(result))
        else:
            halt.set()
            self.journal.append("unit.failed", unit=unit, wave=wave, error=error)
            self.progress.unit(unit, "failed", error)
        outcome = UnitOutcome(unit, wave, target.release, start, end, error is None, error,
                              dict(result.outputs) if result else None)
        if self.recorder is not None:
            try:
                self.recorder(outcome, self.spec)
            except PlatformError as exc:
                self.progress.note(f"warning: {unit}: the deployment was not recorded in the history: {exc.message}")
        return outcome

    def _run_wave_units(self, units: list[str], wave: int, st: RolloutState) -> list[UnitOutcome]:
        halt = threading.Event()
        outcomes: list[UnitOutcome] = []
        with ThreadPoolExecutor(max_workers=min(self.max_parallel, len(units)), thread_name_prefix="unit") as pool:
            futures = {pool.submit(self._run_unit, u, wave, st, halt) for u in units}
            try:
                while futures:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for f in done:
                        out = f.result()
                        if out is not None:
                            outcomes.append(out)
            except BaseException:
                halt.set()  # Ctrl-C: no new unit starts; running ones finish (the engine cancels its own)
                raise
        return outcomes

    # the rollout ----------------------------------------------------------------
    def _halt(self, reason: str) -> RolloutOutcome:
        self.journal.append("rollout.halted", reason=reason)
        self.progress.note(f"halted: {reason}")
        return self._outcome()

    def _cancelled(self) -> RolloutOutcome:
        self.journal.append("rollout.cancelled", reason=f"cancelled on request ({current_user()})")
        self.progress.note("cancelled: no further unit was started")
        return self._outcome()

    def _outcome(self) -> RolloutOutcome:
        st = self.journal.state()
        return RolloutOutcome(st.id, st.status, st.reason, st, list(self.applied))

    def run(self) -> RolloutOutcome:
        st = self.journal.state()
        if st.status in FINAL:
            return RolloutOutcome(st.id, st.status, st.reason, st, [])
        self.progress.start(st)
        try:
            return self._run(st)
        except KeyboardInterrupt:
            self.journal.append("rollout.halted", reason="interrupted (Ctrl-C)")
            raise
        finally:
            self.progress.stop()

    def _run(self, st: RolloutState) -> RolloutOutcome:
        for number, units in enumerate(st.waves, 1):
            if number in st.waves_passed:
                continue
            if self.cancel_requested():
                return self._cancelled()
            ctx = WaveContext(wave=number, units=list(units))
            if self.approval is not None and number not in st.approvals:
                res = self.approval.check(ctx)
                if not res.ok:
                    self.journal.append("gate.failed", wave=number, gate=res.gate, detail=res.detail)
                    return self._halt(f"wave {number}: {res.gate}: {res.detail}")
                self.journal.append("approval.granted", wave=number, by=current_user(), detail=res.detail)
            pending = [u for u in units if st.units[u].state != SUCCEEDED]
            if pending:
                self.journal.append("wave.started", wave=number, units=pending)
                self.progress.note(f"wave {number}: {len(pending)} unit(s), up to {self.max_parallel} at once")
                outcomes = self._run_wave_units(pending, number, st)
                failed = [o for o in outcomes if not o.ok]
                if failed:
                    first = failed[0]
                    return self._halt(f"wave {number}: {first.unit} failed: {first.error}")
                st = self.journal.state()
                if any(st.units[u].state != SUCCEEDED for u in units):
                    if self.cancel_requested():
                        return self._cancelled()
                    missing = [u for u in units if st.units[u].state != SUCCEEDED]
                    return self._halt(f"wave {number}: not finished: {', '.join(missing)}")
            if self.gates:
                if self.bake_seconds > 0:
                    self.progress.note(f"wave {number}: baking {self.bake_seconds / 60:g} min before the gates")
                    if self._wait(self.bake_seconds):
                        return self._cancelled()
                ctx.outputs = {u: st.units[u].outputs for u in units}
                for gate in self.gates:
                    self.journal.append("gate.started", wave=number, gate=gate.name)
                    res = gate.check(ctx)
                    if not res.ok:
                        self.journal.append("gate.failed", wave=number, gate=res.gate, detail=res.detail)
                        return self._halt(f"wave {number}: {res.gate} gate: {res.detail}")
                    self.journal.append("gate.passed", wave=number, gate=res.gate, detail=res.detail)
                    self.progress.note(f"wave {number}: {res.gate} gate passed: {res.detail}")
            self.journal.append("wave.passed", wave=number)
            st = self.journal.state()
        self.journal.append("rollout.succeeded")
        self.progress.note("rollout succeeded")
        return self._outcome()


def _summary_text(result: UnitResult | None) -> str:
    if not result or not result.summary:
        return ""
    return ", ".join(f"{k} {v}" for k, v in sorted(result.summary.items()))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Outputs worth keeping in the journal: plain values, never anything that looks like a secret."""
    from ..model.service import SECRET_WORDS

    out: dict[str, Any] = {}
    for k, v in data.items():
        if any(w in k.upper() for w in SECRET_WORDS):
            continue
        out[k] = v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v)
    return out

