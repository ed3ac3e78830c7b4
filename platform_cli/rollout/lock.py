"""One rollout per space and environment: a lock that names its holder.

``LocalLock`` is a file created atomically (written to a temporary file, then hard-linked
into place, which fails when the lock exists) and holding ``user, host, pid, start,
rollout``. A lock left by a process that no longer runs on this host is stale and taken
over. For shared use, ``aws/history_dynamodb.py`` provides the same protocol with a
DynamoDB conditional write.

Keys: ``TEAM/ENV`` for a rollout of the whole environment, ``TEAM/ENV/REGION`` for a
one-region deployment (CI runs one job per region of a wave, side by side). The two
overlap, so :func:`acquire_exclusive` takes a rollout's own lock and then checks the
overlapping ones: a region deployment fails while ``TEAM/ENV`` is held, a whole-environment
rollout fails while any ``TEAM/ENV/REGION`` of its plan is held. Taking one's own lock
before looking at the others means two overlapping rollouts starting together cannot both
miss each other (at worst both stop, and are retried).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import LockError, PlatformError
from ..files.safe import read_bytes
from ..model.times import Timestamp
from ..procs import PID_MAX, holder_gone
from .events import show
from .journal import now_iso

HOLDER_LIMIT = 64 * 1024  # bytes of a lock file read


_PRINTABLE = r"^[^\s\x00-\x1f\x7f]+$"  # one word of printable characters


class Holder(BaseModel):
    """Who holds a rollout lock, as its lock file (or DynamoDB item) records it: validated when read
    back, so a damaged or hand-made lock is named instead of being trusted or crashing the command."""

    model_config = ConfigDict(strict=True, extra="forbid")
    user: str = Field(min_length=1, max_length=256, pattern=_PRINTABLE)
    host: str = Field(min_length=1, max_length=253, pattern=_PRINTABLE)
    pid: int = Field(ge=1, le=PID_MAX)
    start: Timestamp
    rollout: str | None = Field(None, max_length=256, pattern=r"^[A-Za-z0-9T._-]+$")


def holder_problem(data: Any) -> str | None:
    """What is wrong with a holder record read back (the first field, with the value found), or None."""
    if not isinstance(data, dict):
        return f"expected a JSON object, found {show(data)}"
    try:
        Holder.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if field == "pid" and err["type"] != "missing":
            return f"pid: expected a process id (1 to {PID_MAX}), found {show(data.get('pid'))}"
        if err["type"] == "missing":
            return f"{field}: is missing"
        if err["type"] == "extra_forbidden":
            return f"{field}: is not a field of a lock holder (user, host, pid, start, rollout)"
        msg = err["msg"].removeprefix("Value error, ")
        return f"{field}: {msg}, found {show(err.get('input'))}"
    return None


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


def lock_error(key: str, holder: dict[str, Any], *, wanted: str | None = None) -> LockError:
    """The error of a refused lock: KEY is held by HOLDER (WANTED: the lock refused because it overlaps KEY)."""
    if holder.get("unreadable"):
        path = holder["unreadable"]
        lead = f"{wanted} overlaps {key}, which" if wanted and wanted != key else key
        return LockError(f"{lead} is locked, but its lock file {path} cannot be read: {holder.get('problem', '?')}",
                         hint=f"if no rollout of {key} runs, remove {path} and try again")
    rid = holder.get("rollout")
    hint = (f"wait for it to finish, or see `platform rollout status {rid}`; cancel it with `platform rollout cancel {rid}`"
            if rid else "wait for it to finish")
    if wanted and wanted != key:
        what = ("a rollout of the whole environment" if key.count("/") < wanted.count("/")
                else "a deployment of one of its regions")
        return LockError(f"{wanted} overlaps {key}, which is locked by {what}: held by {describe(holder)}", hint=hint)
    return LockError(f"{key} is locked by another rollout: held by {describe(holder)}", hint=hint)


class RolloutLock(Protocol):
    key: str

    def acquire(self, holder: dict[str, Any]) -> None: ...

    def release(self) -> None: ...

    def holder(self) -> dict[str, Any] | None: ...

    def active_holder(self) -> dict[str, Any] | None:
        """The holder, unless there is none or the lock is stale (it would be taken over)."""
        ...


def overlapping_keys(key: str, regions: Iterable[str]) -> list[str]:
    """The locks that must be free for a rollout under KEY: ``TEAM/ENV`` for a one-region
    deployment (``TEAM/ENV/REGION``), each ``TEAM/ENV/REGION`` of REGIONS for a whole-environment rollout."""
    parts = key.split("/")
    if len(parts) > 2:
        return ["/".join(parts[:2])]
    return [f"{key}/{r}" for r in dict.fromkeys(regions)]


def acquire_exclusive(make_lock: Callable[[str], RolloutLock], key: str, regions: Iterable[str],
                      holder: dict[str, Any]) -> RolloutLock:
    """Take KEY's lock for HOLDER, then fail (releasing it) when an overlapping lock is held by another rollout.

    Returns the lock taken; release it when the rollout ends. Raises LockError naming the holder.
    """
    lock = make_lock(key)
    lock.acquire(holder)
    try:
        for other in overlapping_keys(key, regions):
            current = make_lock(other).active_holder()
            if current is not None and current != holder:
                raise lock_error(other, current, wanted=key)
    except BaseException:
        lock.release()
        raise
    return lock


class LocalLock:
    """A lock file under the workspace's local folder (local state backend)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.key = key
        self.path = Path(folder) / (key.replace("/", ".") + ".lock")
        self._mine: dict[str, Any] | None = None

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock; None when free. A lock file that cannot be read, is not a JSON object
        or has no process id gives a holder marked ``unreadable`` (never stale: a person decides)."""
        try:
            data = json.loads(read_bytes(self.path, limit=HOLDER_LIMIT))
        except FileNotFoundError:
            return None
        except PlatformError as exc:
            if not os.path.lexists(self.path):
                return None  # released meanwhile
            return self._unreadable(exc.message.removeprefix(f"{self.path}: "))
        except (ValueError, RecursionError):
            return self._unreadable("it is not valid JSON")
        problem = holder_problem(data)
        if problem:
            return self._unreadable(problem)
        return data

    def _unreadable(self, problem: str) -> dict[str, Any]:
        return {"user": "?", "host": "?", "pid": "?", "start": "?", "unreadable": str(self.path), "problem": problem}

    def active_holder(self) -> dict[str, Any] | None:
        current = self.holder()
        return None if current is None or self.is_stale(current) else current

    def is_stale(self, holder: dict[str, Any]) -> bool:
        """Held by a process that is gone: same host and its pid no longer runs."""
        return not holder.get("unreadable") and holder_gone(holder)

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

