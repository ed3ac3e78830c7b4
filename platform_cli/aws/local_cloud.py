"""The local cloud: moto's server on 127.0.0.1, started and stopped by the platform.

``local_up`` starts ``python -m moto.server`` as a detached child on a free loopback port
and records its pid and endpoint in ``.platform/local-cloud.json``. It is idempotent:
when the recorded server is alive and answers, it is reused. ``local_down`` stops only the
recorded pid, and only after checking that this pid is still that moto server (a pid the
system has since given to another program is never signalled). Nothing here needs AWS.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import CloudError
from ..yamlio import write_text_atomic
from ..procs import file_lock, pid_alive

STATE_FILE = "local-cloud.json"
LOG_FILE = "local-cloud.log"
LOCK_FILE = "local-cloud.lock"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass
class LocalCloudStatus:
    """What ``platform local status`` reports."""

    running: bool
    endpoint: str | None = None
    pid: int | None = None
    port: int | None = None
    started_at: str | None = None
    state_file: str | None = None
    log_file: str | None = None
    note: str | None = None
    changed: bool = False  # up: a server was started; down: a server was stopped

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------- helpers
def _state_path(local_dir: Path) -> Path:
    return local_dir / STATE_FILE


@contextlib.contextmanager
def _locked(local_dir: Path) -> Iterator[None]:
    """Serialise up/down between concurrent commands of one workspace."""
    with file_lock(local_dir / LOCK_FILE):
        yield


def _read_record(local_dir: Path) -> dict | None:
    path = _state_path(local_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: treated as stale
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int) or not isinstance(data.get("port"), int):
        return {}
    return data


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


_CHILDREN: dict[int, subprocess.Popen] = {}


def _reap(pid: int) -> None:
    """Collect the exit status of a server this process started (no zombie left behind)."""
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        _CHILDREN.pop(pid, None)


def _alive(pid: int) -> bool:
    _reap(pid)
    return pid_alive(pid)


def _cmdline(pid: int) -> list[str] | None:
    """The command line of ``pid`` (Linux /proc, else ``ps``); None when unknown."""
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.parent.exists():
        try:
            raw = proc.read_bytes()
        except OSError:
            return None
        return [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    try:
        out = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.split() or None


def is_moto_process(pid: int, port: int) -> bool:
    """Whether ``pid`` is a moto server listening on ``port`` (as started by :func:`local_up`)."""
    if not _alive(pid):
        return False
    cmd = _cmdline(pid)
    if not cmd:
        return False
    joined = " ".join(cmd)
    return "moto.server" in joined and str(port) in cmd


def probe(endpoint: str, timeout: float = 2.0) -> bool:
    """Whether a moto server answers at ``endpoint`` (its own API, no AWS call)."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=timeout) as resp:  # noqa: S310 (loopback http)
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _answers_within(endpoint: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if probe(endpoint):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _status_from(record: dict, local_dir: Path, *, note: str | None = None) -> LocalCloudStatus:
    return LocalCloudStatus(
        running=True, endpoint=record["endpoint"], pid=record["pid"], port=record["port"],
        started_at=record.get("started_at"), state_file=str(_state_path(local_dir)),
        log_file=str(local_dir / LOG_FILE), note=note,
    )


def _live_record(local_dir: Path) -> dict | None:
    """The recorded server when it is alive, is moto and answers; else None."""
    record = _read_record(local_dir)
    if not record:
        return None
    if not is_moto_process(record["pid"], record["port"]):
        return None
    if not probe(record["endpoint"]):
        return None
    return record


# ---------------------------------------------------------------------------- public API
def local_status(local_dir: Path) -> LocalCloudStatus:
    """Whether the workspace's local cloud runs, and where."""
    record = _live_record(local_dir)
    if record:
        return _status_from(record, local_dir)
    raw = _read_record(local_dir)
    note = "a stale record was found (its server is gone); `platform local up` replaces it" if raw is not None else None
    return LocalCloudStatus(running=False, state_file=str(_state_path(local_dir)), note=note)


def local_endpoint(local_dir: Path) -> str | None:
    """The endpoint of the running local cloud, or None."""
    record = _live_record(local_dir)
    return record["endpoint"] if record else None


def require_endpoint(local_dir: Path) -> str:
    """The endpoint of the running local cloud, or a CloudError saying how to start it."""
    endpoint = local_endpoint(local_dir)
    if not endpoint:
        raise CloudError("the local cloud is not running (the workspace's cloud target is 'local')",
                         hint="start it with `platform local up`")
    return endpoint


def local_up(local_dir: Path, *, timeout: float = START_TIMEOUT) -> LocalCloudStatus:
    """Start moto's server on 127.0.0.1 (or return the one already running)."""
    with _locked(local_dir):
        record = _read_record(local_dir)
        if record and is_moto_process(record["pid"], record["port"]):
            if _answers_within(record["endpoint"], 5.0):
                return _status_from(record, local_dir, note="already running")
            _terminate(record["pid"])  # our server, verified, but it no longer answers: replace it
        last_error = ""
        for _attempt in range(3):  # a port taken between choosing and binding: choose again
            port = free_port()
            try:
                record = _start(local_dir, port, timeout)
            except _PortTaken as exc:
                last_error = str(exc)
                continue
            status = _status_from(record, local_dir, note="started")
            status.changed = True
            return status
        raise CloudError(f"the local cloud could not start: {last_error}",
                         hint=f"see {local_dir / LOG_FILE}; is moto installed (`pip install 'moto[server]'`)?")


class _PortTaken(Exception):
    pass


def _start(local_dir: Path, port: int, timeout: float) -> dict:
    endpoint = f"http://{HOST}:{port}"
    env = dict(os.environ)
    env["MOTO_PORT"] = str(port)
    for key in [k for k in env if k.startswith("AWS_")]:
        env.pop(key)  # the server needs no credentials and must not pick up real ones
    log_path = local_dir / LOG_FILE
    cmd = [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]
    with open(log_path, "ab") as log:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True, close_fds=True, cwd=str(local_dir))
        except OSError as exc:
            raise CloudError(f"the local cloud could not start: {exc}") from exc
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = _tail(log_path)
            if "Address already in use" in tail:
                raise _PortTaken(f"port {port} was taken")
            raise CloudError(f"the local cloud exited right after starting (exit code {proc.returncode}): {tail}",
                             hint="is moto's server installed? `pip install 'moto[server]'`")
        if probe(endpoint, timeout=0.5):
            record = {"pid": proc.pid, "port": port, "endpoint": endpoint, "cmd": cmd,
                      "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
            try:
                write_text_atomic(_state_path(local_dir), json.dumps(record, indent=2) + "\n")
            except OSError as exc:
                _terminate(proc.pid)  # an untracked server could never be stopped by `local down`
                raise CloudError(f"the local cloud started but {_state_path(local_dir)} could not be written "
                                 f"({exc.strerror}); it was stopped again",
                                 hint=f"check that {local_dir} is a writable folder") from None
            _CHILDREN[proc.pid] = proc  # kept so that this process can reap it after `down`
            return record
        time.sleep(0.1)
    _terminate(proc.pid)
    raise CloudError(f"the local cloud did not answer on {endpoint} within {timeout:.0f}s", hint=f"see {log_path}")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)


def local_down(local_dir: Path) -> LocalCloudStatus:
    """Stop the recorded moto server. Without one, nothing happens (and that is fine)."""
    with _locked(local_dir):
        path = _state_path(local_dir)
        record = _read_record(local_dir)
        if record is None:
            return LocalCloudStatus(running=False, state_file=str(path), note="not running")
        if not record:
            path.unlink(missing_ok=True)
            return LocalCloudStatus(running=False, state_file=str(path), note="removed an unreadable record")
        pid, port = record["pid"], record["port"]
        if not is_moto_process(pid, port):
            path.unlink(missing_ok=True)
            return LocalCloudStatus(running=False, pid=pid, port=port, state_file=str(path),
                                    note=f"the recorded server (pid {pid}) was already gone; removed its record "
                                         "(no process was signalled)")
        _terminate(pid)
        if _alive(pid):
            raise CloudError(f"the local cloud (pid {pid}) did not stop", hint=f"stop it by hand: kill {pid}")
        path.unlink(missing_ok=True)
        return LocalCloudStatus(running=False, pid=pid, port=port, endpoint=record.get("endpoint"),
                                state_file=str(path), note="stopped", changed=True)
