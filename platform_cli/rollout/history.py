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
from ..files.safe import present, regular_file
from ..model.base import format_validation_errors
from ..model.times import Timestamp


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
        return from_rows([data], source=source)[0]


def _row_problems(data: Any, where: str) -> list[str]:
    try:
        _Row.model_validate(data)
    except ValidationError as exc:
        return format_validation_errors(exc, where)
    return []


def check_record(record: Deployment, source: str) -> None:
    """SpecError (nothing written) unless RECORD would read back from SOURCE as a valid row."""
    problems = _row_problems(record.to_json(), f"deployment of {record.unit}")
    if problems:
        raise SpecError(f"{source}: cannot record the deployment: nothing was written", file=source,
                        problems=problems)


MAX_NAMED = 20  # damaged rows named one by one in an error; the rest are counted


class DamagedRow(str):
    """The line naming a damaged row (what a ``damaged`` list holds), with the row as it was read in
    ``data``, so that a caller can tell whether the row could be one it needs."""

    data: Any

    def __new__(cls, line: str, data: Any) -> "DamagedRow":
        out = super().__new__(cls, line)
        out.data = data
        return out

    def unit(self) -> str | None:
        """The row's unit when that much of it reads as text, else None (it could be any unit)."""
        unit = self.data.get("unit") if isinstance(self.data, dict) else None
        return unit if isinstance(unit, str) else None


def from_rows(rows: list[dict[str, Any]], *, source: str, labels: list[str] | None = None,
              damaged: list[str] | None = None) -> list[Deployment]:
    """Every row validated as a Deployment (LABELS: how to name row i, say ``row 7``).

    A damaged row is never dropped silently, and never hides another: with DAMAGED given, each
    damaged row is left out and one line naming SOURCE, the row and its problems is added to it;
    without, SpecError names SOURCE and every damaged row."""
    good: list[Deployment] = []
    bad: list[str] = []
    ids: list[Any] = []
    for i, data in enumerate(rows):
        rid = data.get("id") if isinstance(data, dict) else None
        where = f"{labels[i] if labels else f'record {i + 1}'} (id {rid!r})"
        problems = _row_problems(data, where)
        if not problems:
            good.append(Deployment(**_Row.model_validate(data).model_dump()))
            continue
        ids.append(rid)
        if damaged is not None:
            damaged.append(DamagedRow(f"{source}: " + "; ".join(problems[:10]), data))
        elif len(ids) <= MAX_NAMED:
            bad.extend(problems[:10])
    if ids and damaged is None:
        what = (f"history record {ids[0]!r} is damaged" if len(ids) == 1
                else f"{len(ids)} history records are damaged"
                + (f" (the first {MAX_NAMED} are named)" if len(ids) > MAX_NAMED else ""))
        raise SpecError(f"{source}: {what}", file=source, problems=bad,
                        hint="remove or repair those records; the platform never writes one like them")
    return good


_Text = Field(min_length=1, max_length=4096)
_MaybeText = Field(None, max_length=65536)


class _Row(BaseModel):
    """The shape of a stored Deployment: every field text (optional ones may be missing), the times
    ISO 8601 with a zone in a plausible range (:mod:`..model.times`)."""

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
    start: Timestamp
    end: Timestamp | None = None  # a record without an end is reported by the metrics, not refused here
    result: str = _Text
    commit: str | None = _MaybeText
    commit_time: Timestamp | None = None
    error: str | None = _MaybeText
    id: str = _Text


class HistoryStore(Protocol):
    def add(self, record: Deployment) -> None: ...

    def query(self, *, team: str | None = None, env: str | None = None, since: str | None = None,
              limit: int | None = None, damaged: list[str] | None = None) -> list[Deployment]:
        """Records ordered by start (oldest first); ``limit`` keeps the newest. A damaged record is a
        SpecError naming it, or, with DAMAGED given, left out and described there (see :func:`from_rows`)."""
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
        if present(self.path):
            regular_file(self.path)  # SQLite would wait on a FIFO, or make a file where a link dangles
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
        check_record(record, str(self.path))
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
              limit: int | None = None, damaged: list[str] | None = None) -> list[Deployment]:
        if not present(self.path):
            return []
        regular_file(self.path)
        where, args = [], []
        for col, val in (("team", team), ("env", env)):
            if val:
                where.append(f"{col} = ?")
                args.append(val)
        if since:
            where.append("start >= ?")
            args.append(since)
        sql = f"SELECT rowid, {', '.join(_QUOTED)} FROM deployments"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY start, id"
        try:
            conn = self._connect()
            rows = conn.execute(sql, args).fetchall()
            conn.close()
        except sqlite3.Error as exc:
            raise CloudError(f"cannot read the history in {self.path}: {exc}") from None
        out = from_rows([dict(zip(_COLUMNS, r[1:])) for r in rows], source=str(self.path),
                        labels=[f"table deployments, row {r[0]}" for r in rows], damaged=damaged)
        return out[-limit:] if limit else out


def sqlite_path(local_dir: Path) -> Path:
    return Path(local_dir) / "history.sqlite"


def previous_releases(store: HistoryStore, team: str, env: str, units: list[str]) -> dict[str, str]:
    """For each unit, the version of its last successful deployment (units never deployed are absent).

    A damaged row of another unit cannot change the answer and is left out; one that is, or may be
    (its unit unreadable), one of UNITS' is a SpecError naming it: what a rollback restores is
    never guessed."""
    wanted = set(units)
    damaged: list[str] = []
    records = store.query(team=team, env=env, damaged=damaged)
    ours = [d for d in damaged if not isinstance(d, DamagedRow) or d.unit() is None or d.unit() in wanted]
    if ours:
        raise SpecError(f"{len(ours)} damaged history record(s) may be the last release of a unit this rollout "
                        "changes, so the release a rollback would restore is not known", problems=ours[:MAX_NAMED],
                        hint="repair or remove them (`platform history` names each one); nothing was recorded")
    out: dict[str, str] = {}
    for rec in records:
        if rec.unit in wanted and rec.result == "succeeded" and rec.action in ("up", "rollback") and rec.version:
            out[rec.unit] = rec.version
        elif rec.unit in wanted and rec.result == "succeeded" and rec.action == "destroy":
            out.pop(rec.unit, None)
    return out
