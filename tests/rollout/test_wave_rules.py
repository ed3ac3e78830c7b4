"""Each rule of wave planning at its boundary: the canary is one region alone, batches are full (only the last
may be short) and never larger than batch_size, the declared order is kept, numbers count from 1, limits are
refused at exactly the first invalid value.

tests/rollout/test_wave_mutants.py breaks each of these rules in the code and checks that a test here fails."""

from __future__ import annotations

import pytest

from platform_cli.catalog import Catalog
from platform_cli.errors import PolicyError, SpecError, UsageError
from platform_cli.planning.waves import plan_waves, resolve_regions, reverse, serving_region

R = [f"r{i}" for i in range(1, 11)]  # ten region names in declared order
SAME = {r: "aws" for r in R}.__getitem__


def shape(plan):
    return [list(w.regions) for w in plan.waves]


@pytest.mark.parametrize(("n", "batch", "expected"), [
    (1, 3, [["r1"]]),
    (2, 3, [["r1"], ["r2"]]),
    (4, 3, [["r1"], ["r2", "r3", "r4"]]),  # exactly one full batch
    (5, 3, [["r1"], ["r2", "r3", "r4"], ["r5"]]),  # one over: a short last batch
    (7, 3, [["r1"], ["r2", "r3", "r4"], ["r5", "r6", "r7"]]),
    (3, 1, [["r1"], ["r2"], ["r3"]]),
    (10, 9, [["r1"], R[1:]]),
    (10, 10, [["r1"], R[1:]]),
    (10, 8, [["r1"], R[1:9], ["r10"]]),
])
def test_canary_alone_then_full_batches_in_declared_order(n, batch, expected):
    plan = plan_waves(R[:n], batch_size=batch, partition_of=SAME)
    assert shape(plan) == expected
    assert [w.number for w in plan.waves] == list(range(1, len(expected) + 1))
    assert [w.canary for w in plan.waves] == [True] + [False] * (len(expected) - 1)
    assert plan.batch_size == batch


def test_the_canary_chosen_goes_first_and_the_rest_keep_their_order():
    plan = plan_waves(R[:5], canary="r3", batch_size=2, partition_of=SAME)
    assert shape(plan) == [["r3"], ["r1", "r2"], ["r4", "r5"]]
    plan = plan_waves(R[:5], canary="r5", batch_size=4, partition_of=SAME)
    assert shape(plan) == [["r5"], ["r1", "r2", "r3", "r4"]]
    assert shape(plan_waves(R[:3], canary="r1", batch_size=5, partition_of=SAME)) == [["r1"], ["r2", "r3"]]


def test_units_follow_their_regions():
    units = [f"service/t/api/prod/{r}" for r in R[:4]]
    plan = plan_waves(R[:4], units=units, canary="r2", batch_size=2, partition_of=SAME)
    assert [list(w.units) for w in plan.waves] == [[units[1]], [units[0], units[2]], [units[3]]]
    assert plan.units == [units[1], units[0], units[2], units[3]]


def test_policy_values_are_carried_as_given():
    plan = plan_waves(R[:3], batch_size=2, max_parallel=5, bake_minutes=7.5, target="service/t/api/prod",
                      partition_of=SAME, gates={"alarms": True})
    assert (plan.max_parallel, plan.bake_minutes, plan.batch_size, plan.target) == (5, 7.5, 2, "service/t/api/prod")
    assert plan.gates == {"alarms": True} and plan.partition == "aws"


@pytest.mark.parametrize(("kwargs", "ok"), [
    ({"batch_size": 0}, False), ({"batch_size": 1}, True), ({"batch_size": -1}, False),
    ({"max_parallel": 0}, False), ({"max_parallel": 1}, True),
    ({"bake_minutes": -0.01}, False), ({"bake_minutes": 0}, True),
])
def test_limits_are_refused_at_exactly_the_first_invalid_value(kwargs, ok):
    if ok:
        plan = plan_waves(R[:3], partition_of=SAME, **kwargs)
        assert plan.regions == R[:3]
    else:
        with pytest.raises(UsageError):
            plan_waves(R[:3], partition_of=SAME, **kwargs)


def test_bad_region_lists_are_refused():
    with pytest.raises(UsageError, match="no regions"):
        plan_waves([], partition_of=SAME)
    with pytest.raises(UsageError, match="one unit per region"):
        plan_waves(R[:2], units=["u1"], partition_of=SAME)
    with pytest.raises(SpecError, match="regions repeat: r2"):
        plan_waves(["r1", "r2", "r3", "r2"], partition_of=SAME)
    with pytest.raises(SpecError, match="canary region r9 is not one of"):
        plan_waves(R[:3], canary="r9", partition_of=SAME)


def test_partitions_one_is_fine_two_are_refused():
    two = {"r1": "aws", "r2": "aws", "r3": "aws-cn"}.__getitem__
    assert plan_waves(["r1", "r2"], partition_of=two).partition == "aws"
    assert plan_waves(["r3"], partition_of=two).partition == "aws-cn"
    with pytest.raises(PolicyError, match="cannot span AWS partitions"):
        plan_waves(["r1", "r2", "r3"], partition_of=two)


def test_the_matrix_of_one_wave_and_of_all():
    plan = plan_waves(R[:5], batch_size=2, partition_of=SAME)
    assert [m["region"] for m in plan.matrix()["include"]] == R[:5]
    assert [(m["region"], m["wave"]) for m in plan.matrix(1)["include"]] == [("r1", 1)]
    assert [m["region"] for m in plan.matrix(2)["include"]] == ["r2", "r3"]
    assert [m["region"] for m in plan.matrix(3)["include"]] == ["r4", "r5"]
    assert plan.matrix(4)["include"] == []
    with pytest.raises(UsageError, match="numbered from 1"):
        plan.matrix(0)


def test_reverse_destroys_the_last_wave_first_each_wave_reversed():
    plan = plan_waves(R[:6], batch_size=2, max_parallel=2, bake_minutes=3, partition_of=SAME, gates={"alarms": True})
    back = reverse(plan)
    assert shape(back) == [["r6"], ["r5", "r4"], ["r3", "r2"], ["r1"]]
    assert [w.number for w in back.waves] == [1, 2, 3, 4] and not any(w.canary for w in back.waves)
    assert (back.bake_minutes, back.gates, back.max_parallel) == (0.0, {}, 2)


def test_countries_resolve_to_their_serving_region_once():
    markets = Catalog().markets
    regions, countries = resolve_regions(["DE", "AT", "DE", "eu-central-1"], markets)
    assert regions == ["eu-central-1"] and countries == ["DE", "AT"]
    de = markets.market("DE")
    assert serving_region(de) == de.region
    if de.fallback:
        assert serving_region(de, allowed=[de.fallback[0]]) == de.fallback[0]
        assert serving_region(de, allowed=[de.region, de.fallback[0]]) == de.region
