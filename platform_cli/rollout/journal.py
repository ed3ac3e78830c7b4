"""The rollout journal: append-only JSON lines, fsync'd, written before each transition is acted on.

One file per rollout under ``<workspace>/.platform/rollouts/<id>.jsonl``. Each line is one
event; the state of a rollout (which units finished, which wave passed its gates, whether
it was halted or cancelled) is the fold of its events. A crash can only tear the last
line, and a torn last line is a write that never completed, so it is ignored when read
and cut off before the next append.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConflictError, NotFoundError, SpecError, UsageError
from ..files.safe import access_error, fsync_dir, present, read_bytes
from .events import (ApprovalGranted, BadEvent, CancelRequested, RolloutCancelled, RolloutHalted, RolloutResumed,
                     RolloutStarted, RolloutSucceeded, UnitFailed, UnitStarted, UnitSucceeded, WavePassed,
                     TEXT, parse_event, show)

JOURNAL_LIMIT = 256 * 1024 * 1024  # bytes of one rollout's journal read back

SUFFIX = ".jsonl"

# unit states
PENDING, RUNNING, SUCCEEDED, FAILED = "pending", "running", "succeeded", "failed"
# rollout states
R_RUNNING, R_HALTED, R_SUCCEEDED, R_CANCELLED = "running", "halted", "succeeded", "cancelled"
FINAL = (R_SUCCEEDED, R_CANCELLED)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_rollout_id(label: str) -> str:
    """Sortable by start (to the millisecond), unique: 20250101T120000123-payments-prod-1a2b3c."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:-3]
    clean = re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-")[:60] or "rollout"
    return f"{stamp}-{clean}-{secrets.token_hex(3)}"


def rollouts_dir(local_dir: Path) -> Path:
    return Path(local_dir) / "rollouts"


@dataclass
class UnitState:
    unit: str
    wave: int
    state: str = PENDING
    attempts: int = 0
    release: str | None = None
    error: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    started: str | None = None
    ended: str | None = None


@dataclass
class RolloutState:
    """What the journal says about one rollout."""

    id: str
    spec: dict[str, Any]
    status: str = R_RUNNING
    units: dict[str, UnitState] = field(default_factory=dict)
    waves_passed: set[int] = field(default_factory=set)
    approvals: set[int] = field(default_factory=set)
    cancel_requested: bool = False
    reason: str | None = None
    started: str | None = None
    updated: str | None = None
    runner: dict[str, Any] = field(default_factory=dict)
    events: int = 0

    @property
    def waves(self) -> list[list[str]]:
        return [list(w) for w in self.spec.get("waves", [])]

    def landed(self) -> list[str]:
        """Units the engine was asked to change (started, whether or not they finished), in plan order."""
        return [u for w in self.waves for u in w if self.units[u].attempts > 0]

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for u in self.units.values():
            out[u.state] = out.get(u.state, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status, "reason": self.reason,
            "kind": self.spec.get("kind"), "action": self.spec.get("action"), "team": self.spec.get("team"),
            "env": self.spec.get("env"), "service": self.spec.get("service"), "release": self.spec.get("release"),
            "started": self.started, "updated": self.updated, "cancel_requested": self.cancel_requested,
            "runner": self.runner, "summary": self.summary(),
            "waves": [{"wave": i + 1, "passed": (i + 1) in self.waves_passed,
                       "units": [{"unit": u, "state": self.units[u].state, "attempts": self.units[u].attempts,
                                  "release": self.units[u].release, "error": self.units[u].error,
                                  "started": self.units[u].started, "ended": self.units[u].ended}
                                 for u in w]}
                      for i, w in enumerate(self.waves)],
        }


_REPAIR_HINT = "the journal is append-only; restore it from a backup, or move it away and start a new rollout"


def fold(rollout_id: str, records: Iterable[dict[str, Any]], *, source: str | os.PathLike | None = None,
         lines: Sequence[int] | None = None) -> RolloutState:
    """The state after every event, in order.

    Every record is validated as an event model (:mod:`.events`) first. A record that is not
    one raises SpecError naming ``SOURCE:LINE`` (LINES: the line number of each record) or,
    without a source, the rollout and event, with each field that is wrong.
    """
    def bad(n: int, problems: list[str]) -> SpecError:
        if source is not None:
            where = f"{source}:{lines[n] if lines is not None else n + 1}"
        else:
            where = f"rollout {rollout_id}: event {n + 1}"
        return SpecError(f"{where}: {'; '.join(problems)}", file=str(source) if source is not None else None,
                         hint=_REPAIR_HINT)

    st: RolloutState | None = None
    for n, rec in enumerate(records):
        try:
            ev = parse_event(rec)
        except BadEvent as exc:
            raise bad(n, exc.problems) from None
        if st is None:
            if not isinstance(ev, RolloutStarted):
                raise SpecError(f"rollout {rollout_id}: journal does not begin with rollout.started"
                                + (f" ({source})" if source is not None else ""), hint=_REPAIR_HINT)
            spec = ev.spec.as_dict()
            st = RolloutState(id=rollout_id, spec=spec, started=ev.ts, runner=ev.runner)
            for i, wave in enumerate(ev.spec.waves):
                for u in wave:
                    st.units[u] = UnitState(unit=u, wave=i + 1, release=ev.spec.releases.get(u, ev.spec.release))
        st.events += 1
        st.updated = ev.ts
        unit = st.units.get(getattr(ev, "unit", ""))
        if isinstance(ev, RolloutResumed):
            st.status, st.reason, st.runner = R_RUNNING, None, ev.runner
        elif isinstance(ev, RolloutHalted):
            st.status, st.reason = R_HALTED, ev.reason
        elif isinstance(ev, RolloutSucceeded):
            st.status, st.reason = R_SUCCEEDED, None
        elif isinstance(ev, RolloutCancelled):
            st.status, st.reason = R_CANCELLED, ev.reason
        elif isinstance(ev, CancelRequested):
            st.cancel_requested = True
        elif isinstance(ev, UnitStarted) and unit:
            unit.state, unit.attempts, unit.error, unit.started, unit.ended = RUNNING, unit.attempts + 1, None, ev.ts, None
        elif isinstance(ev, UnitSucceeded) and unit:
            unit.state, unit.outputs, unit.ended = SUCCEEDED, ev.outputs, ev.ts
        elif isinstance(ev, UnitFailed) and unit:
            unit.state, unit.error, unit.ended = FAILED, ev.error, ev.ts
        elif isinstance(ev, WavePassed):
            st.waves_passed.add(ev.wave)
        elif isinstance(ev, ApprovalGranted):
            st.approvals.add(ev.wave)
    if st is None:
        raise SpecError(f"rollout {rollout_id}: journal is empty" + (f" ({source})" if source is not None else ""))
    return st


_TEXTS = ("error", "reason", "detail")


def _encode(rollout_id: str, rec: dict[str, Any]) -> bytes:
    """One journal line, refused (SpecError, nothing written) unless it reads back as a valid event."""
    text = json.dumps(rec, default=str, separators=(",", ":"))
    try:
        parse_event(json.loads(text))
    except BadEvent as exc:
        raise SpecError(f"rollout {rollout_id}: cannot journal {rec.get('event')}: {'; '.join(exc.problems)}; "
                        "nothing was recorded", hint="shorten or correct the value named") from None
    return (text + "\n").encode()


class Journal:
    """One rollout's journal file. Appends are serialised, flushed and fsync'd."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.id = self.path.name[: -len(SUFFIX)]
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._fd: int | None = None
        self._written = 0
        self._synced = 0

    # creation and lookup ------------------------------------------------------
    @classmethod
    def create(cls, folder: Path, rollout_id: str, spec: dict[str, Any], runner: dict[str, Any]) -> "Journal":
        folder = Path(folder)
        _encode(rollout_id, {"ts": now_iso(), "event": "rollout.started", "spec": spec, "runner": runner})  # before the file
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{rollout_id}{SUFFIX}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        except FileExistsError:
            raise ConflictError(f"rollout {rollout_id} exists already ({path})") from None
        os.close(fd)
        fsync_dir(folder)
        j = cls(path)
        j.append("rollout.started", spec=spec, runner=runner)
        return j

    @classmethod
    def open(cls, folder: Path, rollout_id: str) -> "Journal":
        if not re.fullmatch(r"[A-Za-z0-9T._-]+", rollout_id or ""):
            raise UsageError(f"{rollout_id!r} is not a rollout id; `platform rollout list` lists them")
        path = Path(folder) / f"{rollout_id}{SUFFIX}"
        if not present(path):  # a FIFO, a folder or a dangling link there is damage, reported on reading
            raise NotFoundError(f"rollout {rollout_id} does not exist (no {path})",
                                hint="`platform rollout list` lists the rollouts of this workspace")
        return cls(path)

    @staticmethod
    def list_ids(folder: Path) -> list[str]:
        folder = Path(folder)
        if not present(folder):
            return []
        try:
            names = os.listdir(folder)
        except OSError as exc:
            raise access_error(folder, exc, "list") from None
        return sorted(n[: -len(SUFFIX)] for n in names if n.endswith(SUFFIX))

    # reading -------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """The journal's events, oldest first; SpecError (naming file and line) for a line that is
        not a JSON object. A torn last line (no newline: a write a crash cut short) is left out."""
        return [rec for _, rec in self._numbered()]

    def _numbered(self) -> list[tuple[int, dict[str, Any]]]:
        data = read_bytes(self.path, limit=JOURNAL_LIMIT)  # a FIFO or a device is refused, never waited on
        lines = data.split(b"\n")
        complete = data.endswith(b"\n")
        out = []
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            last = i == len(lines) - 1
            try:
                rec = json.loads(line)
            except RecursionError:
                raise SpecError(f"{self.path}:{i + 1}: journal line is nested too deeply to be a journal event",
                                file=str(self.path), hint=_REPAIR_HINT) from None
            except ValueError:
                if last and not complete:
                    break  # torn by a crash mid-write: that transition never happened
                raise SpecError(f"{self.path}:{i + 1}: journal line is not valid JSON", file=str(self.path),
                                hint=_REPAIR_HINT) from None
            if last and not complete:
                break  # a complete JSON value without its newline is still a torn write
            if not isinstance(rec, dict):
                raise SpecError(f"{self.path}:{i + 1}: journal line is not a JSON object: {show(rec)}",
                                file=str(self.path), hint=_REPAIR_HINT)
            out.append((i + 1, rec))
        return out

    def state(self) -> RolloutState:
        numbered = self._numbered()
        return fold(self.id, [rec for _, rec in numbered], source=self.path, lines=[n for n, _ in numbered])

    # writing ---------------------------------------------------------------
    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Write one event durably (fsync) and return it. Call this BEFORE acting on it."""
        rec = {"ts": now_iso(), "event": event, **fields}
        for key in _TEXTS:  # an engine's error can be long: the journal keeps its start
            if isinstance(rec.get(key), str) and len(rec[key]) > TEXT:
                rec[key] = rec[key][: TEXT - 1] + "\u2026"
        line = _encode(self.id, rec)
        with self._lock:
            if self._fd is None:
                self._repair_tail()
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            fd = self._fd
            view = memoryview(line)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            self._written += 1
            mine = self._written
        # Group commit: one fsync covers every line written before it, so units of a wave
        # starting together share a sync instead of queueing for one each.
        with self._sync_lock:
            if self._synced < mine:
                upto = self._written
                os.fsync(fd)
                self._synced = upto
        return rec

    def close(self) -> None:
        with self._sync_lock, self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _repair_tail(self) -> None:
        """Cut a torn last line so the next record starts on a line of its own."""
        with open(self.path, "r+b") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                cut = data.rfind(b"\n") + 1
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
