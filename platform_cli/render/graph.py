"""The rendered resource graph of one unit (a leaf module: the package and its runner both use it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RenderedUnit:
    """The resource graph of one unit: resources in a stable order, and the stack's outputs."""

    unit: str
    resources: list[dict[str, Any]] = field(default_factory=list)  # {type, name, parent, inputs, outputs}
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return {"unit": self.unit, "resources": self.resources, "outputs": self.outputs}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "RenderedUnit":
        return cls(unit=data["unit"], resources=data["resources"], outputs=data.get("outputs", {}))

    def by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r["type"]] = counts.get(r["type"], 0) + 1
        return dict(sorted(counts.items()))

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == typ]
