"""Deployment history: one record per unit deployment, in a store.

The store protocol has two implementations with the same contract tests: SQLite in the
workspace (default) and a DynamoDB table for shared use (``aws/history_dynamodb.py``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import CloudError, SpecError
from ..model.base import format_validation_errors


@dataclass(frozen=True)
class Deployment:
    """One unit deployment: who deployed what version where, when, and how it ended."""

    rollout: str
    unit: str
    team: str
    env: str
    region: str
    kind: str  # space | service
    what: str  # "space" or the service name
    action: str  # up | destroy | rollback
    version: str | None
    who: str
    start: str  # ISO 8601, UTC
    end: str
    result: str  # succeeded | failed
    commit: str | None = None
    commit_time: str | None = None
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "the history") -> "Deployment":
        """A record read back from a store, validated: a damaged one is a SpecError naming SOURCE and the record."""
        try:
            row = _Row.model_validate(data)
        except ValidationError as exc:
            rid = data.get("id") if isinstance(data, dict) else None
            raise SpecError(f"{source}: history record {rid!r} is damaged", file=source,
                            problems=format_validation_errors(exc, source),
                            hint="remove or repair that record; the platform never writes one like it") from None
        return cls(**row.model_dump())


_Text = Field(min_length=1, max_length=4096)
_MaybeText = Field(None, max_length=65536)


class _Row(BaseModel):
    """The shape of a stored Deployment: every field text (optional ones may be missing)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    rollout: str = _Text
    unit: str = _Text
    team: str = _Text
    env: str = _Text
    region: str = _Text
    kind: str = _Text
    what: str = _Text
    action: str = _Text
    version: str | None = _MaybeText
    who: str = _Text
    start: str = _Text
    end: str | None = _MaybeText  # a record without an end is reported by the metrics, not refused here
    result: str = _Text
    commit: str | None = _MaybeText
    commit_time: str | None = _MaybeText
    error: str | None = _MaybeText
    id: str = _Text


class HistoryStore(Protocol):
    def add(self, record: Deployment) -> None: ...

    def query(self, *, team: str | None = None, env: str | None = None, since: str | None = None,
              limit: int | None = None) -> list[Deployment]:
        """Records ordered by start (oldest first); ``limit`` keeps the newest."""
        ...


def ci_commit() -> tuple[str | None, str | None]:
    """(commit sha, commit time) from CI variables when present."""
    sha = os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA") or os.environ.get("PLATFORM_COMMIT_SHA")
    when = os.environ.get("CI_COMMIT_TIMESTAMP") or os.environ.get("PLATFORM_COMMIT_TIME")
    return sha or None, when or None


_COLUMNS = [f.name for f in fields(Deployment)]
_QUOTED = [f'"{c}"' for c in _COLUMNS]  # "commit" and "end" are SQL keywords


class SQLiteHistory:
    """History in a SQLite file (default: ``<workspace>/.platform/history.sqlite``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        conn = sqlite3.connect(self.path, timeout=30)
        if not self._ready:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS deployments (" + ", ".join(
                    f"{q} TEXT" + (" PRIMARY KEY" if c == "id" else "") for c, q in zip(_COLUMNS, _QUOTED)) + ")")
            conn.execute("CREATE INDEX IF NOT EXISTS deployments_team_start ON deployments(team, start)")
            conn.commit()
            self._ready = True
        return conn

    def add(self, record: Deployment) -> None:
        with self._lock:
            try:
                conn = self._connect()
                with conn:
                    conn.execute(f"INSERT INTO deployments ({', '.join(_QUOTED)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                                 [getattr(record, c) for c in _COLUMNS])
                conn.close()
            except sqlite3.Error as exc:
                raise CloudError(f"cannot record the deployment in {self.path}: {exc}") from None

    def query(self, *, team: str | None = None, env: str | None = None, since: str | None = None,
              limit: int | None = None) -> list[Deployment]:
        if not self.path.exists():
            return []
        where, args = [], []
        for col, val in (("team", team), ("env", env)):
            if val:
                where.append(f"{col} = ?")
                args.append(val)
        if since:
            where.append("start >= ?")
            args.append(since)
        sql = f"SELECT {', '.join(_QUOTED)} FROM deployments"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY start, id"
        try:
            conn = self._connect()
            rows = conn.execute(sql, args).fetchall()
            conn.close()
        except sqlite3.Error as exc:
            raise CloudError(f"cannot read the history in {self.path}: {exc}") from None
        out = [Deployment.from_json(dict(zip(_COLUMNS, r)), source=str(self.path)) for r in rows]
        return out[-limit:] if limit else out


def sqlite_path(local_dir: Path) -> Path:
    return Path(local_dir) / "history.sqlite"


def previous_releases(store: HistoryStore, team: str, env: str, units: list[str]) -> dict[str, str]:
    """For each unit, the version of its last successful deployment (units never deployed are absent)."""
    wanted = set(units)
    out: dict[str, str] = {}
    for rec in store.query(team=team, env=env):
        if rec.unit in wanted and rec.result == "succeeded" and rec.action in ("up", "rollback") and rec.version:
            out[rec.unit] = rec.version
        elif rec.unit in wanted and rec.result == "succeeded" and rec.action == "destroy":
            out.pop(rec.unit, None)
    return out
