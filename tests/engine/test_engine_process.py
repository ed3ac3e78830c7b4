"""The worker-process runner: real spawned processes, events streamed, errors and cancellation."""

from __future__ import annotations

import os
import threading

import pytest

from platform_cli.engine.process import WorkerKilled, run_in_worker
from platform_cli.errors import ConflictError, EngineError, UserAbort


def test_events_stream_in_order_and_the_result_comes_back():
    lines = []
    result = run_in_worker("engine_jobs:echo", {"lines": ["a", "b", "c"]}, lines.append, label="u")
    assert lines == ["a", "b", "c"]
    assert result["n"] == 3
    assert result["pid"] != os.getpid()
    assert result["pgid"] == result["pid"]  # its own process group: Ctrl-C reaches it only through the parent


def test_platform_errors_keep_their_class_and_hint():
    lines = []
    with pytest.raises(ConflictError, match="locked by somebody else") as info:
        run_in_worker("engine_jobs:conflict", {}, lines.append, label="u")
    assert info.value.hint == "wait" and info.value.exit_code == 5
    assert lines == ["about to fail"]


def test_an_unexpected_exception_is_one_engine_error():
    with pytest.raises(EngineError, match="ValueError: unexpected thing"):
        run_in_worker("engine_jobs:bug", {}, lambda line: None, label="u")


def test_a_worker_that_dies_is_reported():
    with pytest.raises(EngineError, match="exited with code 3 without a result"):
        run_in_worker("engine_jobs:crash", {}, lambda line: None, label="space/t/dev/eu-central-1")


def test_cancel_reaches_the_engine_child_which_stops_gracefully(tmp_path):
    cancel = threading.Event()
    lines = []

    def on_line(line):
        lines.append(line)
        if line == "working":
            cancel.set()

    payload = {"marker": str(tmp_path / "got-sigint"), "ready": str(tmp_path / "ready")}
    with pytest.raises(UserAbort, match="cancelled"):
        run_in_worker("engine_jobs:long_running", payload, on_line, label="u", cancel=cancel)
    assert (tmp_path / "got-sigint").read_text() == "SIGINT"
    assert any(line.startswith("cancelling") for line in lines)


def test_a_worker_ignoring_cancel_is_killed_after_the_grace_period():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(WorkerKilled, match="did not stop in time and was killed"):
        run_in_worker("engine_jobs:ignores_cancel", {}, lambda line: None, label="u", cancel=cancel, grace=0.5)
