"""Workspace-wide uniqueness of derived names: pure checks the commands run before writing anything.

Names are injective by construction (:mod:`.names`); what remains possible is that two
shortened names share their 8-hex hash, or a name a service or binding takes is one its own
unit already has. These checks refuse such a combination and name both sides. (RDS and
ElastiCache ids, which may not hold ``--``, end with the hash of their ``--`` name: only a
32-bit hash collision could make two of them equal.)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
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


def _exempt(kind: str, n: SpaceUnitKey, o: SpaceUnitKey) -> bool:
    """Units of one space (team/env) never clash with each other, and one team's environments share the
    space's Pulumi project."""
    return (o.team, o.env) == (n.team, n.env) or (kind == "Pulumi project" and o.team == n.team)


def _problem(n: SpaceUnitKey, kind: str, value: str, o: SpaceUnitKey, theirs: str) -> str:
    return f"{n.label()} would have the {kind} {value!r}, which clashes with {theirs!r} of {o.label()}"


def space_collisions(org: str, new: Iterable[SpaceUnitKey], existing: Iterable[SpaceUnitKey]) -> list[str]:
    """Every clash of a NEW space unit with an EXISTING one of another space (team/env), naming both.

    This is the definition, comparing every pair; :class:`NameIndex` gives the same list by lookups."""
    problems = []
    existing = list(existing)
    for n in new:
        mine = space_unit_names(org, n)
        for o in existing:
            theirs = space_unit_names(org, o)
            for kind, value in mine.items():
                if not _exempt(kind, n, o) and _clash(kind, value, theirs[kind]):
                    problems.append(_problem(n, kind, value, o, theirs[kind]))
    return problems


class NameIndex:
    """The derived names of a workspace's space units, by value: the clashes of a few new units are found
    by lookups (each prefix of a new name, and the range of names that start with it) instead of a
    comparison with every unit, so checking the 40 units of a new space against 40,000 takes milliseconds.

    ``entries`` are (unit, its :func:`space_unit_names`) in the workspace's order; :meth:`collisions`
    returns exactly what :func:`space_collisions` returns for the same units, in the same order."""

    def __init__(self, entries: Iterable[tuple[SpaceUnitKey, Mapping[str, str]]]) -> None:
        self._units: list[tuple[SpaceUnitKey, Mapping[str, str]]] = list(entries)
        self._by_value: dict[str, dict[str, list[int]]] = {}
        for pos, (_, theirs) in enumerate(self._units):
            for kind, value in theirs.items():
                places = self._by_value.setdefault(kind, {})
                value += _PREFIXES.get(kind, "")
                if value in places:
                    places[value].append(pos)
                else:
                    places[value] = [pos]
        self._sorted = {kind: sorted(self._by_value.get(kind, ())) for kind in _PREFIXES}  # distinct names

    def __len__(self) -> int:
        return len(self._units)

    def _matches(self, kind: str, value: str) -> set[int]:
        """Positions of the units whose KIND name clashes with VALUE (see :func:`_clash`)."""
        by_value = self._by_value.get(kind, {})
        if kind not in _PREFIXES:
            return set(by_value.get(value, ()))
        mine = value + _PREFIXES[kind]
        found = {pos for i in range(1, len(mine) + 1) for pos in by_value.get(mine[:i], ())}  # theirs is a prefix of mine
        names = self._sorted[kind]
        i = bisect.bisect_left(names, mine)
        while i < len(names) and names[i].startswith(mine):  # mine is a prefix of theirs
            found.update(by_value[names[i]])
            i += 1
        return found

    def collisions(self, org: str, new: Iterable[SpaceUnitKey]) -> list[str]:
        """What :func:`space_collisions` returns for NEW against the indexed units."""
        problems = []
        for n in new:
            mine = space_unit_names(org, n)
            hits = []
            for k, (kind, value) in enumerate(mine.items()):
                hits += [(pos, k, kind, value) for pos in self._matches(kind, value)
                         if not _exempt(kind, n, self._units[pos][0])]
            for pos, _, kind, value in sorted(hits):
                o, theirs = self._units[pos]
                problems.append(_problem(n, kind, value, o, theirs[kind]))
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
