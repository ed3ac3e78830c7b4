"""One rollout per space and environment: a lock that names its holder.

``LocalLock`` is a file created atomically (written to a temporary file, then hard-linked
into place, which fails when the lock exists) and holding ``user, host, pid, start,
rollout``. A lock left by a process that no longer runs on this host is stale and taken
over. For shared use, ``aws/history_dynamodb.py`` provides the same protocol with a
DynamoDB conditional write.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import LockError
from .journal import now_iso
from ..procs import pid_alive


def current_user() -> str:
    """Who acts: the CI actor when in CI, else the local user."""
    for var in ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "CI_ACTOR", "USER", "LOGNAME"):
        v = os.environ.get(var)
        if v:
            return v
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def holder_info(rollout_id: str | None = None) -> dict[str, Any]:
    return {"user": current_user(), "host": socket.gethostname(), "pid": os.getpid(), "start": now_iso(),
            "rollout": rollout_id}


def describe(holder: dict[str, Any]) -> str:
    return (f"{holder.get('user', '?')} on {holder.get('host', '?')} (pid {holder.get('pid', '?')}, "
            f"since {holder.get('start', '?')}, rollout {holder.get('rollout') or '-'})")


def lock_error(key: str, holder: dict[str, Any]) -> LockError:
    rid = holder.get("rollout")
    hint = (f"wait for it to finish, or see `platform rollout status {rid}`; cancel it with `platform rollout cancel {rid}`"
            if rid else "wait for it to finish")
    return LockError(f"{key} is locked by another rollout: held by {describe(holder)}", hint=hint)


class RolloutLock(Protocol):
    key: str

    def acquire(self, holder: dict[str, Any]) -> None: ...

    def release(self) -> None: ...

    def holder(self) -> dict[str, Any] | None: ...


class LocalLock:
    """A lock file under the workspace's local folder (local state backend)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.key = key
        self.path = Path(folder) / (key.replace("/", ".") + ".lock")
        self._mine: dict[str, Any] | None = None

    def holder(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (ValueError, OSError):
            return {"user": "?", "host": "?", "pid": 0, "start": "?", "unreadable": str(self.path)}

    def is_stale(self, holder: dict[str, Any]) -> bool:
        """Held by a process that is gone: same host and its pid no longer runs."""
        if holder.get("unreadable"):
            return False
        return holder.get("host") == socket.gethostname() and not pid_alive(int(holder.get("pid") or 0))

    def acquire(self, holder: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{id(self)}")
        tmp.write_text(json.dumps(holder))
        try:
            for _ in range(3):
                try:
                    os.link(tmp, self.path)
                    self._mine = holder
                    return
                except FileExistsError:
                    current = self.holder()
                    if current is None:
                        continue  # released meanwhile
                    if self.is_stale(current):
                        self._remove_if(current)
                        continue
                    raise lock_error(self.key, current) from None
            current = self.holder() or {}
            raise lock_error(self.key, current)
        finally:
            tmp.unlink(missing_ok=True)

    def _remove_if(self, expected: dict[str, Any]) -> None:
        if self.holder() == expected:
            self.path.unlink(missing_ok=True)

    def release(self) -> None:
        if self._mine is not None:
            self._remove_if(self._mine)
            self._mine = None


@contextmanager
def held(lock: RolloutLock, holder: dict[str, Any]) -> Iterator[RolloutLock]:
    lock.acquire(holder)
    try:
        yield lock
    finally:
        lock.release()
