"""The fleet's upgrade events: one JSON line per `fleet upgrade` step in ``.platform/fleet.jsonl``.

Every line read back is validated; a damaged one is reported and skipped, never hiding the others.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FileAccessError, SpecError
from ..workspace import WorkspaceContext
from ..files.safe import read_bytes

EVENTS_FILE = "fleet.jsonl"
EVENTS_LIMIT = 16 * 1024 * 1024  # bytes of fleet.jsonl read


class Adoption(BaseModel):
    model_config = ConfigDict(extra="allow")

    blueprint: str = Field(description="Blueprint NAME@N whose adoption is counted.")
    on: int = Field(ge=0, description="Spaces on it.")
    total: int = Field(ge=0, description="Spaces of that blueprint name.")
    percent: float = Field(ge=0, le=100, description="on / total in percent.")


class UpgradeEvent(BaseModel):
    """One recorded `fleet upgrade` step, as read back."""

    model_config = ConfigDict(extra="allow")

    time: datetime = Field(description="When the step ran (ISO 8601, UTC).")
    action: str = Field(description="What was done ('upgrade').")
    to: str = Field(description="Blueprint NAME@N the cohort moved to.")
    upgraded: list[dict[str, Any]] = Field(default_factory=list, description="Spaces moved in this step: {team, from}.")
    adoption_before: Adoption | None = Field(None, description="Adoption of the target before the step.")
    adoption_after: Adoption = Field(description="Adoption of the target after the step.")


def append_event(ws: WorkspaceContext, event: dict[str, Any]) -> None:
    """Append one JSON line to .platform/fleet.jsonl and sync it to disk."""
    ws.local_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(event, sort_keys=True) + "\n"
    fd = os.open(ws.local_dir / EVENTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_event_records(ws: WorkspaceContext) -> tuple[list[UpgradeEvent], list[str]]:
    """Every valid event, oldest first (by time), and a message for each line that is not one."""
    path = ws.local_dir / EVENTS_FILE
    if not os.path.lexists(path):
        return [], []
    try:
        text = read_bytes(path, limit=EVENTS_LIMIT).decode("utf-8", errors="replace")
    except (FileAccessError, SpecError) as exc:
        return [], [exc.message]
    events, errors = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(UpgradeEvent.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            errors.append(f"{path}:{n}: fleet event left out: {first}")
    return sorted(events, key=lambda e: e.time), errors


def read_events(ws: WorkspaceContext) -> list[dict[str, Any]]:
    """The valid events as plain data (with their fields as written), oldest first."""
    events, _ = read_event_records(ws)
    return [e.model_dump(mode="json") for e in events]
