"""DNS names of team spaces: which environment owns a name, and what its CI may write (pure).

An environment's ``domains`` (spaces/TEAM.yaml) are the names its services are served under. The CI deploy role of
the environment writes alias records for those names and the names below them, in their hosted zones, and nothing
else; so no two environments of the workspace may hold the same name or names nested in one another (the one's
records would be the other's), checked whenever a space file is read.
"""

from __future__ import annotations

from collections.abc import Iterable


def nested(a: str, b: str) -> bool:
    """Whether one of the two names is the other or lies below it (``x.payments.example.com`` below
    ``payments.example.com``; ``paymentsx.example.com`` is not)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def domain_problems(mine: Iterable[tuple[str, str]], others: Iterable[tuple[str, str]]) -> list[str]:
    """What is wrong with a space's domains (``(field path, name)``) given every other environment's
    (``(where, name)``): a name held twice or nested in another one, within the space or across the workspace."""
    mine, others = list(mine), list(others)
    problems = []
    for i, (where, name) in enumerate(mine):
        for other_where, other in mine[i + 1:] + others:
            if nested(name, other):
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
