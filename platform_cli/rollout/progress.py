"""Progress of a rollout on stderr: a live per-region table in a terminal, plain lines in CI logs."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Protocol, TextIO

from ..planning.names import parse_unit


class Progress(Protocol):
    def start(self, state: Any) -> None: ...

    def unit(self, unit: str, status: str, message: str = "") -> None: ...

    def note(self, message: str) -> None: ...

    def stop(self) -> None: ...


class NullProgress:
    def start(self, state: Any) -> None:
        return None

    def unit(self, unit: str, status: str, message: str = "") -> None:
        return None

    def note(self, message: str) -> None:
        return None

    def stop(self) -> None:
        return None


def _label(unit: str) -> str:
    try:
        return parse_unit(unit)["region"]
    except ValueError:
        return unit


class PlainProgress:
    """One line per state change (engine events only when verbose): readable in CI logs."""

    def __init__(self, stream: TextIO | None = None, *, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
            self.stream.flush()

    def start(self, state: Any) -> None:
        self._write(f"rollout {state.id}: {len(state.units)} unit(s) in {len(state.waves)} wave(s)")

    def unit(self, unit: str, status: str, message: str = "") -> None:
        if status == "event" and not self.verbose:
            return
        self._write(f"{_label(unit)}: {status}" + (f": {message}" if message else ""))

    def note(self, message: str) -> None:
        self._write(message)

    def stop(self) -> None:
        return None


class LiveProgress:
    """A rich Live table on stderr: one row per region with its wave, status and last event."""

    STYLE = {"pending": "dim", "applying": "yellow", "destroying": "yellow", "succeeded": "green", "failed": "bold red"}

    def __init__(self, console: Any = None) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, str]] = {}
        self._notes: list[str] = []
        self._live = None
        self._console = console  # default: a rich Console on stderr

    def _render(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        t = Table(show_edge=False, header_style="bold")
        for c in ("wave", "region", "status", "last event"):
            t.add_column(c)
        for unit, row in self._rows.items():
            t.add_row(row["wave"], _label(unit), Text(row["status"], style=self.STYLE.get(row["status"], "")),
                      row["message"][-80:])
        return Group(t, *(Text(n, style="cyan") for n in self._notes[-4:]))

    def start(self, state: Any) -> None:
        from rich.console import Console
        from rich.live import Live

        for unit, u in state.units.items():
            self._rows[unit] = {"wave": str(u.wave), "status": u.state, "message": ""}
        self._live = Live(self._render(), console=self._console or Console(stderr=True), refresh_per_second=4,
                          transient=False)
        self._live.start()

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def unit(self, unit: str, status: str, message: str = "") -> None:
        with self._lock:
            row = self._rows.setdefault(unit, {"wave": "?", "status": "pending", "message": ""})
            if status != "event":
                row["status"] = status
            if message:
                row["message"] = message.strip().splitlines()[-1] if message.strip() else ""
            self._refresh()

    def note(self, message: str) -> None:
        with self._lock:
            self._notes.append(message)
            self._refresh()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def default_progress() -> Progress:
    """Live view in a terminal, plain lines otherwise."""
    return LiveProgress() if sys.stderr.isatty() else PlainProgress()
