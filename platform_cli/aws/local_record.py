"""The local cloud's record, ``.platform/local-cloud.json``: which server runs for this workspace,
or, once stopped with its resources kept, on which port it ran.

The record is read back through :class:`LocalCloudRecord`: every number is range-checked, and a damaged
record is a clean error naming the file and the field (never a traceback, never a guess at a pid).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from ..errors import CloudError
from ..model.base import SchemaVersion, format_validation_errors
from ..procs import PID_MAX
from ..yamlio import write_text_atomic

RECORD_FILE = "local-cloud.json"
RECORDING_FILE = "local-cloud.recording.jsonl"
MAX_RECORD_BYTES = 64 * 1024
HOST = "127.0.0.1"


class LocalCloudRecord(BaseModel):
    """What the platform knows about the workspace's local cloud between commands."""

    model_config = ConfigDict(extra="forbid")

    schema_version: SchemaVersion = Field(1, description="Version of this record's layout.")
    port: StrictInt = Field(description="TCP port on 127.0.0.1 the server listens (or listened) on.", ge=1, le=65535)
    endpoint: str = Field(description="http://127.0.0.1:PORT, the endpoint every client uses.")
    pid: StrictInt | None = Field(None, description="Process id of the running server; null once it was stopped.",
                            ge=1, le=PID_MAX)
    pid_started: str | None = Field(None, max_length=200,
                                    description="When that process started (see platform_cli.procs.process_start_time): "
                                                "with the pid it names exactly one process.")
    started_at: AwareDatetime | None = Field(None, description="When the server was started (UTC).")
    stopped_at: AwareDatetime | None = Field(None, description="When the server was stopped with its resources kept (UTC).")
    restored_requests: StrictInt = Field(0, ge=0, le=10**9,
                                   description="How many recorded requests were replayed into the server when it started.")

    @model_validator(mode="after")
    def _consistent(self) -> LocalCloudRecord:
        if self.endpoint != f"http://{HOST}:{self.port}":
            raise ValueError(f"endpoint must be http://{HOST}:{self.port} (the recorded port)")
        if (self.pid is None) != (self.pid_started is None):
            raise ValueError("pid and pid_started are set together (a running server) or not at all (a stopped one)")
        return self

    @property
    def running(self) -> bool:
        """Whether the record names a server process (that may since have died)."""
        return self.pid is not None


def record_path(local_dir: Path) -> Path:
    return local_dir / RECORD_FILE


def recording_path(local_dir: Path) -> Path:
    return local_dir / RECORDING_FILE


def read_record(local_dir: Path) -> LocalCloudRecord | None:
    """The workspace's local-cloud record, None when there is none; a CloudError naming the file
    when it cannot be read or does not match :class:`LocalCloudRecord`."""
    path = record_path(local_dir)
    hint = (f"no process was signalled; if no local cloud server of this workspace runs (`ps -ef | grep local_host`), "
            f"remove {path} and run `platform local up`")
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise CloudError(f"{path}: is not a regular file, expected the local cloud's JSON record", hint=hint)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CloudError(f"{path}: cannot be read: {exc.strerror or exc}", hint=hint) from None
    if len(raw) > MAX_RECORD_BYTES:
        raise CloudError(f"{path}: is larger than {MAX_RECORD_BYTES // 1024} KiB, expected a small JSON record", hint=hint)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CloudError(f"{path}: is damaged: not JSON ({exc})", hint=hint) from None
    if not isinstance(data, dict):
        raise CloudError(f"{path}: is damaged: expected a JSON object, found {type(data).__name__}", hint=hint)
    try:
        return LocalCloudRecord.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(p.split(": ", 1)[1] for p in format_validation_errors(exc, str(path)))
        raise CloudError(f"{path}: is damaged: {problems}", hint=hint) from None


def write_record(local_dir: Path, record: LocalCloudRecord) -> None:
    """Write the record atomically; an OSError becomes a CloudError naming the file."""
    path = record_path(local_dir)
    try:
        write_text_atomic(path, record.model_dump_json(indent=2) + "\n")
    except OSError as exc:
        raise CloudError(f"{path}: cannot be written: {exc.strerror or exc}",
                         hint=f"check that {local_dir} is a writable folder") from None


def remove(path: Path) -> None:
    """Remove a file of the local cloud; an OSError becomes a CloudError naming the path."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise CloudError(f"{path}: cannot be removed: {exc.strerror or exc}") from None


def repair_recording(local_dir: Path) -> bool:
    """Cut a last line the server did not finish writing (it was killed mid-request), so that the
    replay does not stop at it; True when something was cut. The requests before it are kept."""
    path = recording_path(local_dir)
    try:
        with open(path, "rb+") as fh:
            size = fh.seek(0, 2)
            if size == 0:
                return False
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return False
            keep = 0
            step = 1 << 16
            pos = size
            while pos > 0:  # find the last complete line, reading backwards
                start = max(0, pos - step)
                fh.seek(start)
                chunk = fh.read(pos - start)
                cut = chunk.rfind(b"\n")
                if cut >= 0:
                    keep = start + cut + 1
                    break
                pos = start
            fh.truncate(keep)
            return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise CloudError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def recorded_requests(local_dir: Path) -> int:
    """How many requests the recording holds (one JSON line each); 0 without a recording."""
    path = recording_path(local_dir)
    count = 0
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                count += chunk.count(b"\n")
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise CloudError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return count
