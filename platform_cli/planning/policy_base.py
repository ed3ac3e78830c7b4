"""What every policy module shares: findings, policies, and the graph helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

MANDATORY = "mandatory"
ADVISORY = "advisory"


@dataclass(frozen=True)
class Finding:
    policy: str
    severity: str
    resource: str
    message: str

    def to_data(self) -> dict[str, str]:
        return asdict(self)


Graph = list[dict[str, Any]]
Check = Callable[[Graph, Any, float | None], list[Finding]]


@dataclass(frozen=True)
class Policy:
    id: str
    severity: str
    description: str
    check: Check


def _of(graph: Graph, *types: str) -> list[dict[str, Any]]:
    return [r for r in graph if r["type"] in types]


def _label(r: dict[str, Any]) -> str:
    return f"{r['type'].split(':')[-1]} {r['name']}"


def _ident(r: dict[str, Any]) -> set[str]:
    """Values other resources use to point at this one (id, name, bucket)."""
    out = r.get("outputs", {})
    inp = r.get("inputs", {})
    return {str(v) for v in (out.get("id"), out.get("bucket"), inp.get("bucket"), out.get("arn")) if v}


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v] if v is not None else []
