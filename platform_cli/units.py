"""What the rollout executor hands to an engine: one unit to apply, and the engine's contract.

The executor (``rollout/``) is written against :class:`Engine`; ``engine/`` implements it
with the Pulumi Automation API, tests implement it with a fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class UnitTarget:
    """One unit to deploy: ``space/TEAM/ENV/REGION`` or ``service/TEAM/SERVICE/ENV/REGION``.

    ``release`` is what is deployed (a service's image tag; a space's blueprint ref);
    ``service_file`` is the path of the service's ``service.yaml`` for service units.
    """

    unit: str
    release: str | None = None
    service_file: str | None = None


@dataclass
class UnitResult:
    unit: str
    outputs: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)  # e.g. {"create": 12, "same": 3}


EventSink = Callable[[str, str], None]
"""on_event(unit, message): one line of engine progress for a unit."""


class Engine(Protocol):
    def up(self, target: UnitTarget, on_event: EventSink) -> UnitResult: ...

    def destroy(self, target: UnitTarget, on_event: EventSink) -> UnitResult: ...

    def preview(self, target: UnitTarget, on_event: EventSink) -> UnitResult: ...
