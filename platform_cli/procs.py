"""Facts about local processes, shared by the rollout lock and the local cloud."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a process owned by another user counts)."""
    if pid <= 0:
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


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) between commands on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
