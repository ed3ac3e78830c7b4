"""Running one engine job in its own OS process, streaming its progress back.

The Pulumi SDK keeps global state per process, so every unit's inline program runs in a
fresh process (multiprocessing, spawn). The worker puts itself in its own process group;
the parent cancels it by sending SIGINT to that group, which reaches the worker and the
``pulumi`` CLI it runs: Pulumi stops gracefully after its in-flight resource operations.
A second Ctrl-C, or a worker that does not finish within the grace period, is killed.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import queue as queue_mod
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import EngineError, PlatformError, UserAbort
from .errors import error_from_payload, error_payload

CANCEL_GRACE = 120.0
"""Seconds a cancelled worker gets to let Pulumi finish its in-flight operations."""

_cancel_requested = threading.Event()


class WorkerKilled(UserAbort):
    """A cancelled worker did not stop within the grace period and was killed with its
    whole process group (the pulumi CLI included); a lock it held may be left behind."""


def cancel_requested() -> bool:
    """In a worker: whether the parent asked it to stop."""
    return _cancel_requested.is_set()


def _on_sigint(signum, frame) -> None:  # noqa: ARG001 (signal handler signature)
    _cancel_requested.set()


def _watch_parent(parent: int) -> None:
    """In a worker: cancel gracefully when the parent process disappears."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            _cancel_requested.set()
            with contextlib.suppress(OSError):
                os.killpg(os.getpgrp(), signal.SIGINT)
            return


def _worker_main(entry: str, payload: dict, out: Any, parent: int) -> None:
    """Entry point of the worker process: run ``entry(payload, emit)`` and report."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    signal.signal(signal.SIGINT, _on_sigint)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    out.put(("ready", os.getpid()))  # from here on SIGINT means "cancel gracefully"

    def emit(line: str) -> None:
        out.put(("event", line))

    try:
        module, _, func = entry.partition(":")
        result = getattr(importlib.import_module(module), func)(payload, emit)
        out.put(("cancelled", {}) if cancel_requested() else ("result", result))
    except PlatformError as exc:
        out.put(("cancelled", {}) if cancel_requested() else ("error", error_payload(exc)))
    except KeyboardInterrupt:
        out.put(("cancelled", {}))
    except Exception as exc:  # reported to the parent as one engine error, never a traceback
        if cancel_requested():
            out.put(("cancelled", {}))
        else:
            out.put(("error", error_payload(EngineError(f"engine worker failed: {type(exc).__name__}: {exc}"))))


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the worker leads its own group
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def run_in_worker(entry: str, payload: dict, on_line: Callable[[str], None], *, label: str,
                  cancel: threading.Event | None = None, grace: float = CANCEL_GRACE) -> Any:
    """Run ``entry`` ("module:function", called as ``function(payload, emit)``) in a new
    process; ``on_line`` receives each line it emits; returns what it returns.

    Errors it raises come back as the same PlatformError class. Ctrl-C in this thread, or
    ``cancel`` being set from another thread, cancels it (UserAbort once it has stopped).
    """
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_worker_main, args=(entry, payload, out, os.getpid()), name=f"engine {label}")
    proc.start()
    cancelled_at: float | None = None
    ready = False

    def request_cancel() -> None:
        nonlocal cancelled_at
        if cancelled_at is None:
            cancelled_at = time.monotonic()
            on_line("cancelling: waiting for in-flight operations to finish (Ctrl-C again to stop at once)")
            if ready:  # else sent as soon as the worker can take it
                _signal_group(proc.pid, signal.SIGINT)
        else:
            _signal_group(proc.pid, signal.SIGKILL)

    killed = False
    try:
        while True:
            try:
                if cancel is not None and cancel.is_set() and cancelled_at is None:
                    request_cancel()
                if cancelled_at is not None and not killed and time.monotonic() - cancelled_at > grace:
                    killed = True
                    _signal_group(proc.pid, signal.SIGKILL)
                try:
                    kind, data = out.get(timeout=0.2)
                except queue_mod.Empty:
                    if proc.is_alive():
                        continue
                    try:
                        kind, data = out.get(timeout=1.0)
                    except queue_mod.Empty:
                        if killed or (cancelled_at is not None and proc.exitcode == -signal.SIGKILL):
                            raise WorkerKilled(f"{label}: cancelled; the engine did not stop in time and was killed")
                        if cancelled_at is not None:
                            raise UserAbort(f"{label}: cancelled; the engine was stopped") from None
                        raise EngineError(f"{label}: the engine worker exited with code {proc.exitcode} "
                                          "without a result") from None
                if kind == "ready":
                    ready = True
                    if cancelled_at is not None:
                        _signal_group(proc.pid, signal.SIGINT)
                elif kind == "event":
                    on_line(data)
                elif kind == "result":
                    return data
                elif kind == "error":
                    raise error_from_payload(data)
                else:  # cancelled
                    raise UserAbort(f"{label}: cancelled; Pulumi stopped after its in-flight operations",
                                    hint="run the same command again to continue from the current state")
            except KeyboardInterrupt:
                request_cancel()
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            _signal_group(proc.pid, signal.SIGKILL)
            proc.join(timeout=5)
        out.close()
        out.join_thread()
