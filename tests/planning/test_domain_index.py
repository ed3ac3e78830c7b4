"""Domain clashes across a workspace: no two environments hold the same name or names nested in one another,
found by lookups (DomainIndex) exactly as a comparison of every pair would find them."""

from __future__ import annotations

import random

import pytest

from platform_cli.planning.domains import DomainIndex, domain_problems, nested


def pairwise(mine, others):
    """The rule by its definition: every name against every later one of the space and every other one."""
    mine, others = list(mine), list(others)
    found = []
    for i, (where, name) in enumerate(mine):
        found += [(where, name, ow, o) for ow, o in mine[i + 1:] + others if nested(name, o)]
    return found


def problems_as_pairs(problems):
    """(where, name, other where, other) of each problem message, to compare with :func:`pairwise`."""
    out = []
    for p in problems:
        where, rest = p.split(": ", 1)
        name, rest = rest.split(" ", 1)
        rest = rest.removeprefix("is also ").removeprefix("nests with ")
        other, rest = rest.split(" of ", 1)
        out.append((where, name, rest.split("; ")[0], other))
    return out


@pytest.mark.parametrize("mine, theirs, clash", [
    ("payments.example.com", "payments.example.com", True),  # the same name
    ("api.payments.example.com", "payments.example.com", True),  # one label below
    ("payments.example.com", "api.payments.example.com", True),  # one label above
    ("a.b.payments.example.com", "payments.example.com", True),  # two labels below
    ("paymentsx.example.com", "payments.example.com", False),  # a longer label, not below
    ("xpayments.example.com", "payments.example.com", False),  # ends the same, not at a label boundary
    ("payments.example.com", "payments.example.org", False),  # another parent
    ("payments.example.com", "example.com", True),  # below the other's parent name itself
    ("payments.example.com", "orders.example.com", False),  # siblings
])
def test_each_part_of_the_rule(mine, theirs, clash):
    index = DomainIndex([("spaces/b.yaml dev", theirs)])
    found = domain_problems([("environments.dev.domains.0.name", mine)], index)
    assert bool(found) is clash and found == domain_problems([("environments.dev.domains.0.name", mine)],
                                                             [("spaces/b.yaml dev", theirs)])
    if clash:
        assert found[0].startswith(f"environments.dev.domains.0.name: {mine} ") and "spaces/b.yaml dev" in found[0]


def test_names_of_the_space_itself_are_left_out_by_skip_and_still_checked_among_themselves():
    index = DomainIndex([("spaces/a.yaml dev", "a.example.com"), ("spaces/ab.yaml dev", "x.a.example.com")])
    mine = [("environments.dev.domains.0.name", "a.example.com"), ("environments.prod.domains.0.name", "b.a.example.com")]
    found = domain_problems(mine, index, skip="spaces/a.yaml ")
    # its own entry in the index is skipped (the prefix of another team, "ab", is not its own) ...
    assert [p.split("; ")[0].rsplit(" of ", 1)[1] for p in found] == ["environments.prod.domains.0.name", "spaces/ab.yaml dev"]
    # ... and its two environments' nested names clash with each other
    assert found[0].startswith("environments.dev.domains.0.name: a.example.com nests with b.a.example.com")


def test_the_index_finds_what_comparing_every_pair_finds():
    rng = random.Random(7)
    labels = ["a", "b", "ab", "ba", "api", "x"]
    def name():
        return ".".join(rng.choice(labels) for _ in range(rng.randint(1, 3))) + rng.choice([".example.com", ".example.org"])
    for _ in range(300):
        others = [(f"spaces/t{i}.yaml dev", name()) for i in range(rng.randint(0, 12))]
        mine = [(f"environments.dev.domains.{i}.name", name()) for i in range(rng.randint(0, 4))]
        found = domain_problems(mine, DomainIndex(others))
        assert problems_as_pairs(found) == pairwise(mine, others)
        assert found == domain_problems(mine, others)
