"""The records of a rollout journal, one model per event kind.

Every line of ``.platform/rollouts/<id>.jsonl`` is validated as :data:`Event` (a union
discriminated by ``event``) when it is read back, so a hand-edited or damaged line is an
error naming its file, line and field instead of a wrong fold or a crash later on. Numbers
are bounded (waves, parallelism, bake time), timestamps must be ISO 8601 with a time zone and
in a plausible range (:mod:`..model.times`), and text is limited in length.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..model.times import Timestamp

MAX_WAVES = 10_000  # far above any plan (a wave holds at least one region)
MAX_PARALLEL = 1_000
MAX_BAKE_MINUTES = 7 * 24 * 60
TEXT = 64 * 1024  # characters of one reason, error or detail
NAME = 1_024  # characters of one unit name, release, user ...


Name = Annotated[str, Field(min_length=1, max_length=NAME)]
Text = Annotated[str, Field(max_length=TEXT)]
Wave = Annotated[int, Field(ge=1, le=MAX_WAVES)]


class RolloutSpec(BaseModel):
    """What a rollout was started with (the ``spec`` of ``rollout.started``).

    Every key the platform writes is typed and bounded; further keys (notes of the command
    that started it) are kept as they are.
    """

    model_config = ConfigDict(extra="allow", strict=True)
    id: Name | None = None
    kind: Literal["space", "service"] | None = None
    action: Literal["up", "destroy"] | None = None
    history_action: Name | None = None
    team: Name | None = None
    env: Name | None = None
    service: Name | None = None
    release: Name | None = None
    releases: dict[str, Name] = Field(default_factory=dict)
    service_file: Annotated[str, Field(max_length=4096)] | None = None
    waves: list[list[Name]] = Field(default_factory=list, max_length=MAX_WAVES)
    max_parallel: Annotated[int, Field(ge=1, le=MAX_PARALLEL)] | None = None
    bake_minutes: Annotated[float, Field(ge=0, le=MAX_BAKE_MINUTES, allow_inf_nan=False)] | None = None
    gates: dict[str, bool | Name | None] = Field(default_factory=dict)
    lock: Name | None = None
    who: Name | None = None
    commit: Name | None = None
    commit_time: Timestamp | None = None
    previous: dict[str, Name] = Field(default_factory=dict)
    rollback_of: Name | None = None
    skipped: list[Name] = Field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The spec as the journal holds it (only the keys it has)."""
        return self.model_dump(exclude_unset=True)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    ts: Timestamp


class RolloutStarted(_Event):
    event: Literal["rollout.started"]
    spec: RolloutSpec
    runner: dict[str, Any] = Field(default_factory=dict)


class RolloutResumed(_Event):
    event: Literal["rollout.resumed"]
    runner: dict[str, Any] = Field(default_factory=dict)


class RolloutHalted(_Event):
    event: Literal["rollout.halted"]
    reason: Text | None = None


class RolloutSucceeded(_Event):
    event: Literal["rollout.succeeded"]


class RolloutCancelled(_Event):
    event: Literal["rollout.cancelled"]
    reason: Text | None = None


class CancelRequested(_Event):
    event: Literal["cancel.requested"]
    by: Name | None = None


class UnitStarted(_Event):
    event: Literal["unit.started"]
    unit: Name
    wave: Wave | None = None
    release: Name | None = None
    action: Literal["up", "destroy"] | None = None


class UnitSucceeded(_Event):
    event: Literal["unit.succeeded"]
    unit: Name
    wave: Wave | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)


class UnitFailed(_Event):
    event: Literal["unit.failed"]
    unit: Name
    wave: Wave | None = None
    error: Text | None = None


class WaveStarted(_Event):
    event: Literal["wave.started"]
    wave: Wave
    units: list[Name] = Field(default_factory=list)


class WavePassed(_Event):
    event: Literal["wave.passed"]
    wave: Wave


class GateStarted(_Event):
    event: Literal["gate.started"]
    wave: Wave
    gate: Name


class GateResult(_Event):
    event: Literal["gate.passed", "gate.failed"]
    wave: Wave
    gate: Name
    detail: Text | None = None


class ApprovalGranted(_Event):
    event: Literal["approval.granted"]
    wave: Wave
    by: Name | None = None
    detail: Text | None = None


Event = Annotated[Union[RolloutStarted, RolloutResumed, RolloutHalted, RolloutSucceeded, RolloutCancelled,
                        CancelRequested, UnitStarted, UnitSucceeded, UnitFailed, WaveStarted, WavePassed,
                        GateStarted, GateResult, ApprovalGranted], Field(discriminator="event")]

_EVENT: TypeAdapter[Any] = TypeAdapter(Event)
KINDS = ("rollout.started", "rollout.resumed", "rollout.halted", "rollout.succeeded", "rollout.cancelled",
         "cancel.requested", "unit.started", "unit.succeeded", "unit.failed", "wave.started", "wave.passed",
         "gate.started", "gate.passed", "gate.failed", "approval.granted")


class BadEvent(ValueError):
    """A journal record that is not a valid event; ``problems`` says what is wrong, field by field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_event(record: Any) -> Any:
    """The event model of one record read back (a dict from one JSON line); BadEvent when it is not one."""
    if not isinstance(record, dict):
        raise BadEvent([f"journal line is not a JSON object: {show(record)}"])
    try:
        return _EVENT.validate_python(record)
    except ValidationError as exc:
        raise BadEvent(_problems(record, exc)) from None
    except RecursionError:
        raise BadEvent(["journal line is nested too deeply to be a journal event"]) from None


_MEMBER = re.compile(r"^(int|float|str|bool|none|constrained-\w+|(function-\w+|dict|list|literal)\[.*\])$")


def _problems(record: dict[str, Any], exc: ValidationError) -> list[str]:
    kind = record.get("event")
    out: dict[str, str] = {}  # one problem per field: a union's members all fail on the same value
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            out.setdefault("event", f"event: expected one of {', '.join(KINDS)}, found {show(kind)}")
            continue
        if loc and loc[0] == kind:
            loc = loc[1:]
        where = ".".join(str(p) for p in loc if not (isinstance(p, str) and _MEMBER.match(p))) or "record"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"is not a field of a {kind} event"
        elif err["type"] == "missing":
            msg = "is missing"
        else:
            msg = f"{msg[0].lower()}{msg[1:]}, found {show(err.get('input'))}"
        out.setdefault(where, f"{kind}: {where}: {msg}")
    return list(out.values())


def show(value: Any) -> str:
    """A short JSON rendering of VALUE for an error message."""
    try:
        text = json.dumps(value, default=str)
    except (ValueError, RecursionError):
        text = repr(type(value).__name__)
    return text if len(text) <= 60 else text[:57] + "..."
