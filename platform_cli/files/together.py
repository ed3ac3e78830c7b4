"""Several files changed as one edit that survives a crash (``kill -9``) at any point.

Protocol (a redo log of one entry):

1. every new text is computed and checked first; nothing is written while anything can still fail;
2. an *intent record* holding, per file, the hash of its old text and its whole new text is
   written atomically and fsync'd;
3. each file is replaced atomically (temp file, fsync, rename);
4. the record is removed.

A crash before 2 changed nothing; after 4 everything. In between the record exists, and
:func:`recover` (run under the same lock by the next command on these files) finishes the
edit: each file still holding its old text gets its new one, and the command says so. A file
holding neither (changed by hand since) is a conflict named in the error, never overwritten.
An OSError while writing puts back the files already written and removes the record.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..model.base import SchemaVersion
from ..errors import ConflictError, FileAccessError, PlatformError, SpecError
from .safe import MAX_BYTES, access_error, fsync_dir, present, read_text, remove_stale_temps, write_text_atomic

RECORD_LIMIT = 4 * MAX_BYTES + 65536


@dataclass
class FileEdit:
    """One file of an edit: its new text and the text it had when the edit was computed."""

    path: Path
    new: str
    old: str


class _RecordFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    path: str = Field(min_length=1, max_length=4096)
    old_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    new_text: str = Field(max_length=MAX_BYTES)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    schema_version: SchemaVersion
    what: str = Field(max_length=200)
    files: list[_RecordFile] = Field(min_length=1, max_length=16)


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n")


def _sha(text: str) -> str:
    return hashlib.sha256(_norm(text).encode("utf-8")).hexdigest()


def record_path(record_dir: Path, key: str) -> Path:
    """The intent record of the files under KEY (any string naming them, e.g. a folder path)."""
    return Path(record_dir) / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".edit.json")


def _remove(record: Path) -> None:
    try:
        record.unlink(missing_ok=True)
    except OSError as exc:
        raise access_error(record, exc, "write") from None
    fsync_dir(record.parent)


def write_together(record_dir: Path, key: str, what: str, edits: list[FileEdit]) -> None:
    """Replace every file of EDITS with its new text, as one edit (see the module doc).
    WHAT names the command in the message of a later repair (e.g. ``service bind db``)."""
    edits = [e for e in edits if _norm(e.new) != _norm(e.old)]
    if not edits:
        return
    record = record_path(record_dir, key)
    body = _Record(schema_version=1, what=what,
                   files=[_RecordFile(path=str(e.path), old_sha256=_sha(e.old), new_text=_norm(e.new)) for e in edits])
    write_text_atomic(record, body.model_dump_json() + "\n", mode=0o600)
    fsync_dir(record.parent)
    done: list[FileEdit] = []
    for e in edits:
        try:
            write_text_atomic(e.path, e.new)
        except FileAccessError as exc:
            for written in reversed(done):
                write_text_atomic(written.path, written.old)
            _remove(record)
            raise PlatformError(f"{exc.message}; nothing was changed", hint=exc.hint) from None
        done.append(e)
    _remove(record)


def recover(record_dir: Path, key: str, files: list[Path], notify: Callable[[str], None]) -> bool:
    """Finish an edit of KEY that a crash interrupted, and remove temp files of crashed writes to
    FILES. Call it holding the lock that guards the files, before reading them. True when an
    edit was finished (NOTIFY was told which)."""
    record = record_path(record_dir, key)
    for f in [*files, record]:
        remove_stale_temps(Path(f))
    if not present(record):
        return False
    try:
        text = read_text(record, limit=RECORD_LIMIT)
        body = _Record.model_validate(json.loads(text))
    except (ValueError, ValidationError, RecursionError):
        raise SpecError(f"{record}: the record of an interrupted edit of {key} is damaged", file=str(record),
                        hint=f"check {', '.join(str(f) for f in files)} by hand, then remove {record}") from None
    plan: list[tuple[Path, str]] = []
    for f in body.files:
        path = Path(f.path)
        try:
            current = read_text(path)
        except SpecError:
            current = None
        if current is not None and _sha(current) == _sha(f.new_text):
            continue  # written before the crash
        if current is None or _sha(current) != f.old_sha256:
            raise ConflictError(
                f"{path}: an interrupted `{body.what}` changed some of its files, and this one was changed by hand "
                "since, so it cannot be finished safely", hint=f"compare {path} with what you expect, then remove {record}")
        plan.append((path, f.new_text))
    for path, new in plan:
        write_text_atomic(path, new)
    _remove(record)
    names = ", ".join(Path(f.path).name for f in body.files)
    notify(f"repaired: finished the interrupted `{body.what}` ({names}); it had stopped part-way")
    return True
