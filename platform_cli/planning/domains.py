"""DNS names of team spaces: which environment owns a name, and what its CI may write (pure).

An environment's ``domains`` (spaces/TEAM.yaml) are the names its services are served under. The CI deploy role of
the environment writes alias records for those names and the names below them, in their hosted zones, and nothing
else; so no two environments of the workspace may hold the same name or names nested in one another (the one's
records would be the other's), checked whenever a space file is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def nested(a: str, b: str) -> bool:
    """Whether one of the two names is the other or lies below it (``x.payments.example.com`` below
    ``payments.example.com``; ``paymentsx.example.com`` is not)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _ancestors(name: str) -> Iterator[str]:
    """The names above NAME, nearest first (``payments.example.com`` for ``x.payments.example.com``)."""
    while "." in name:
        name = name.split(".", 1)[1]
        yield name


class DomainIndex:
    """Every environment's domain names of a workspace, to find those nested with a name by lookups (the name
    itself, each name above it, the names below it) instead of a comparison with every name: reading every
    space of a workspace whose 1,000 spaces each hold domains checks each name in microseconds."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self._rows = list(names)  # (where, name)
        self._at: dict[str, list[int]] = {}  # name -> positions holding it
        self._below: dict[str, list[int]] = {}  # name -> positions of the names below it
        for pos, (_, name) in enumerate(self._rows):
            self._at.setdefault(name, []).append(pos)
            for above in _ancestors(name):
                self._below.setdefault(above, []).append(pos)

    def nested_with(self, name: str) -> list[tuple[str, str]]:
        """(where, name) of every indexed name that :func:`nested` pairs with NAME, in the order indexed."""
        hits = set(self._at.get(name, ())) | set(self._below.get(name, ()))
        for above in _ancestors(name):
            hits.update(self._at.get(above, ()))
        return [self._rows[pos] for pos in sorted(hits)]


def domain_problems(mine: Iterable[tuple[str, str]], others: "Iterable[tuple[str, str]] | DomainIndex", *,
                    skip: str | None = None) -> list[str]:
    """What is wrong with a space's domains (``(field path, name)``) given every other environment's
    (``(where, name)``, or a :class:`DomainIndex` of them, whose entries whose where starts with ``skip`` are
    left out): a name held twice or nested in another one, within the space or across the workspace."""
    mine = list(mine)
    index = others if isinstance(others, DomainIndex) else DomainIndex(others)
    problems = []
    for i, (where, name) in enumerate(mine):
        theirs = [(w, n) for w, n in index.nested_with(name) if skip is None or not w.startswith(skip)]
        for other_where, other in [m for m in mine[i + 1:] if nested(name, m[1])] + theirs:
            how = "is also" if name == other else "nests with"
            problems.append(f"{where}: {name} {how} {other} of {other_where}; every domain of the workspace "
                            "must be its environment's alone (not equal to or below another one)")
    return problems


def serving_domain(domain: str, names: Iterable[str]) -> str | None:
    """The space domain a service's ``domain`` is served under: the name itself or a name one label below it
    (what the space's certificate, NAME and ``*.NAME``, covers); None when no domain of the space covers it."""
    for name in names:
        if domain == name or (domain.endswith("." + name) and "." not in domain[: -len(name) - 1]):
            return name
    return None


def record_names(name: str) -> list[str]:
    """The record names the CI deploy role may write for a space domain, as Route 53 normalizes them for
    ``route53:ChangeResourceRecordSetsNormalizedRecordNames`` (lowercase, no trailing dot)."""
    return [name, f"*.{name}"]
