"""Facts about local processes, shared by the rollout lock and the local cloud.

A pid alone does not name a process: the system gives a pid to another program once its
process has ended. :func:`process_start_time` and :func:`same_process` add the moment the
process started, so a recorded (pid, start time) pair names exactly one process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PID_MAX = 2**22
"""The highest pid any supported system hands out (Linux's ceiling for ``pid_max``; macOS stops at 99999)."""


def valid_pid(pid: object) -> bool:
    """Whether ``pid`` could name a process at all: an int (not a bool) from 1 to :data:`PID_MAX`."""
    return isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid <= PID_MAX


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a process owned by another user counts).
    A value that cannot be a pid (zero, negative, beyond :data:`PID_MAX`, not an int) is not alive."""
    if not valid_pid(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def process_start_time(pid: int) -> str | None:
    """When process ``pid`` started, as an opaque string that stays the same for the life of the
    process and differs for any later process given the same pid; None when it is not running.

    On Linux: the boot id and the start time in clock ticks since boot (``/proc/PID/stat``, field 22),
    so a process of an earlier boot never matches. Elsewhere: ``ps -o lstart=`` (one-second resolution)."""
    if not pid_alive(pid):
        return None
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.joinpath("self").exists():
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        except (OSError, IndexError):
            return None
        # fields[0] is field 3 (state), so field 22 (starttime) is fields[19]
        return f"linux:{boot}:{fields[19]}" if len(fields) > 19 else None
    try:
        out = subprocess.run(["ps", "-p", str(pid), "-o", "lstart="], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    started = " ".join(out.stdout.split())
    return f"ps:{started}" if out.returncode == 0 and started else None


def same_process(pid: int, started: str | None) -> bool:
    """Whether ``pid`` still runs and is the process that started at ``started`` (see
    :func:`process_start_time`): false for a pid the system has since given to another program."""
    return bool(started) and process_start_time(pid) == started


def holder_gone(holder: Mapping[str, Any]) -> bool:
    """Whether the process a lock holder or rollout runner names (``host``, ``pid``) is known to be gone:
    it ran on this host and no longer runs. A holder on another host, or with a pid that is not a
    number, is not known to be gone."""
    if holder.get("host") != socket.gethostname():
        return False
    pid = holder.get("pid") or 0
    if isinstance(pid, bool) or not isinstance(pid, int):
        return False
    return not pid_alive(pid)
