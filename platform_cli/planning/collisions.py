"""Workspace-wide uniqueness of derived names: pure checks the commands run before writing anything.

Names are injective by construction (:mod:`.names`); what remains possible is that two
shortened names share their 8-hex hash, or a name a service or binding takes is one its own
unit already has. These checks refuse such a combination and name both sides. (RDS and
ElastiCache ids, which may not hold ``--``, end with the hash of their ``--`` name: only a
32-bit hash collision could make two of them equal.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConflictError
from . import names

SERVICE_PURPOSES = ("tasks", "lb")
"""Last parts of a service's own security group names: a binding's security group is SERVICE--BINDING."""


@dataclass(frozen=True)
class SpaceUnitKey:
    team: str
    env: str
    region: str

    def label(self) -> str:
        return f"space {self.team}/{self.env} in {self.region}"


def space_unit_names(org: str, key: SpaceUnitKey) -> dict[str, str]:
    """The derived values that must differ between space units: what the checks compare."""
    t, e, r = key.team, key.env, key.region
    return {
        "platform:space tag": names.space_name(t, e),
        "resource name prefix": names.space_prefix(t, e, r),
        "bucket name prefix": names.bucket_prefix(org, t, e, r),
        "Pulumi project": names.space_project(t),
        "secret name prefix": names.secret_prefix(t, e),
    }


_PREFIXES = {"resource name prefix": names.SEP, "bucket name prefix": "",
             "secret name prefix": ""}


def _clash(kind: str, a: str, b: str) -> bool:
    if kind not in _PREFIXES:
        return a == b
    end = _PREFIXES[kind]
    a, b = a + end, b + end
    return a.startswith(b) or b.startswith(a)


def space_collisions(org: str, new: Iterable[SpaceUnitKey], existing: Iterable[SpaceUnitKey]) -> list[str]:
    """Every clash of a NEW space unit with an EXISTING one of another space (team/env), naming both."""
    problems = []
    existing = list(existing)
    for n in new:
        mine = space_unit_names(org, n)
        for o in existing:
            if (o.team, o.env) == (n.team, n.env):
                continue
            theirs = space_unit_names(org, o)
            for kind, value in mine.items():
                if kind in ("Pulumi project",) and o.team == n.team:
                    continue  # one team's environments share the space's project
                if _clash(kind, value, theirs[kind]):
                    problems.append(f"{n.label()} would have the {kind} {value!r}, which clashes with "
                                    f"{theirs[kind]!r} of {o.label()}")
    return problems


def binding_collisions(service: str, binding: str) -> list[str]:
    """A binding named like one of the service's own resources would take that resource's name."""
    if binding in SERVICE_PURPOSES:
        return [f"binding {binding!r} of service {service} would name its security group SERVICE--{binding}, "
                f"which the service's own {binding!r} resources already have"]
    return []


def refuse(problems: list[str]) -> None:
    """Raise one ConflictError listing every clash (nothing has been written yet)."""
    if problems:
        raise ConflictError("; ".join(problems) + "; nothing was written", hint="choose another name")
