"""An index of parsed files, each entry valid only while its file is unchanged.

A command that needs every space of a large workspace (allocating a CIDR block, listing, fleet
status) would otherwise parse every space file each time. The index keeps, per file, what a
parse of it gave and the SHA-256 of the bytes parsed. An entry is used only when the file's bytes
now have the same digest; otherwise the file is parsed again. Reading and hashing a small file
costs a fraction of parsing and validating it, and unlike file times (whose granularity lets two
quick edits of the same size look alike) a digest cannot miss an edit, a git checkout or a file
put back. The caller validates each entry's data with its model as it reads it.

The index file is read with a size limit and validated; a damaged one is ignored (and rebuilt).
It is written atomically (temp file and rename): concurrent writers each leave a whole index,
and whichever entries one of them loses are parsed again by the next command.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import PlatformError
from .safe import MAX_BYTES, read_bytes, write_text_atomic

FORMAT = 1
INDEX_LIMIT = 256 * 1024 * 1024  # bytes of an index file read


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file's bytes that were parsed.")
    data: dict[str, Any] = Field(description="What the parse of the file gave (validated again by the reader).")


class _IndexFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = Field(description="Format of the index; another one is ignored.")
    schema_digest: str = Field("", max_length=64, description="Digest of the model the data was parsed with; another one is ignored.")
    entries: dict[str, dict[str, Any]] = Field(description="Entries by name (each validated on its own).")


@functools.cache
def model_digest(model: type[BaseModel]) -> str:
    """SHA-256 of MODEL's JSON Schema: names the model an index's entries were parsed with."""
    return hashlib.sha256(json.dumps(model.model_json_schema(), sort_keys=True).encode()).hexdigest()


def identity(path: Path, limit: int = MAX_BYTES) -> str | None:
    """The SHA-256 of the file at ``path`` (a regular file of at most ``limit`` bytes), or None."""
    try:
        return hashlib.sha256(read_bytes(path, limit=limit)).hexdigest()
    except PlatformError:
        return None


class FileIndex:
    """Parsed data of files by name, stored in one JSON file (see the module docstring)."""

    def __init__(self, path: Path, schema_digest: str = "") -> None:
        """``schema_digest`` names the model the entries' data follows: an index written under another model
        (a field added, say) is ignored and rebuilt, so no entry lacks what the file says."""
        self.path = Path(path)
        self.schema_digest = schema_digest
        self._entries: dict[str, _Entry] | None = None
        self.dirty = False
        self.damaged: list[str] = []  # names whose entry did not validate (their files are parsed again)

    def _load(self) -> dict[str, _Entry]:
        if self._entries is None:
            self._entries = {}
            if os.path.lexists(self.path):
                try:
                    index = _IndexFile.model_validate_json(read_bytes(self.path, limit=INDEX_LIMIT))
                    if index.format == FORMAT and index.schema_digest == self.schema_digest:
                        self._entries = self._whole(index.entries)
                except (PlatformError, ValidationError, ValueError):
                    self.dirty = True  # damaged: rebuilt from the files
        return self._entries

    def _whole(self, entries: dict[str, dict[str, Any]]) -> dict[str, _Entry]:
        """The entries that validate; a damaged one is left out (its file is parsed again), never the others."""
        whole = {}
        for name, entry in entries.items():
            try:
                whole[name] = _Entry.model_validate(entry)
            except ValidationError:
                self.damaged.append(name)
                self.dirty = True
        return whole

    def get(self, name: str, path: Path, digest: str | None = None) -> dict[str, Any] | None:
        """The data parsed from ``path`` when it has not changed since, else None (``digest``: the file's
        digest when the caller just computed it)."""
        entry = self._load().get(name)
        if entry is None:
            return None
        if entry.digest != (digest or identity(path)):
            return None
        return entry.data

    def last(self, name: str) -> dict[str, Any] | None:
        """The data last recorded for ``name``, whether or not its file changed since (what a file that
        no longer parses held); never to be served as the file's content."""
        entry = self._load().get(name)
        return entry.data if entry is not None else None

    def put(self, name: str, path: Path, data: dict[str, Any], before: str | None) -> None:
        """Record ``data`` parsed from ``path``, whose digest was ``before`` when the parse began; nothing
        is recorded when the file changed meanwhile (its digest differs now)."""
        now = identity(path)
        if now is None or now != before:
            return
        self._load()[name] = _Entry(digest=now, data=data)
        self.dirty = True

    def drop(self, name: str) -> None:
        if self._load().pop(name, None) is not None:
            self.dirty = True

    def keep_only(self, names: set[str]) -> None:
        for name in [n for n in self._load() if n not in names]:
            self.drop(name)

    def flush(self) -> None:
        """Write the index when it changed; an index that cannot be written is skipped (it is a cache)."""
        if not self.dirty or self._entries is None:
            return
        text = json.dumps({"format": FORMAT, "schema_digest": self.schema_digest, "entries": {k: v.model_dump() for k, v in sorted(self._entries.items())}},
                          separators=(",", ":"))
        try:
            write_text_atomic(self.path, text, mode=0o600)
        except (PlatformError, OSError):
            return
        self.dirty = False
