"""Jobs the process-runner tests run in real worker processes (not tests themselves)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from platform_cli.errors import ConflictError


def echo(payload, emit):
    for line in payload["lines"]:
        emit(line)
    return {"pid": os.getpid(), "pgid": os.getpgrp(), "n": len(payload["lines"])}


def conflict(payload, emit):
    emit("about to fail")
    raise ConflictError("stack is locked by somebody else", hint="wait")


def bug(payload, emit):
    raise ValueError("unexpected thing")


def crash(payload, emit):
    os._exit(3)


CHILD = """
import signal, sys, time, pathlib
marker = pathlib.Path(sys.argv[1])
def stop(signum, frame):
    marker.write_text("SIGINT")
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
pathlib.Path(sys.argv[2]).write_text("ready")
time.sleep(60)
"""


def long_running(payload, emit):
    """Like the pulumi CLI: a child process that stops gracefully on SIGINT."""
    marker, ready = Path(payload["marker"]), Path(payload["ready"])
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), str(ready)])
    while not ready.exists():
        time.sleep(0.02)
    emit("working")
    child.wait()
    from platform_cli.errors import EngineError

    raise EngineError("the update was interrupted")


def ignores_cancel(payload, emit):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    emit("busy")
    time.sleep(60)
    return {}
