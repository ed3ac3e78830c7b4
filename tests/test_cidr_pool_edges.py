"""Allocation around the pool's edges: blocks held elsewhere that contain the pool, equal it, or touch it."""

from __future__ import annotations

from ipaddress import IPv4Network as N

import pytest

from platform_cli.planning.cidr import PoolExhausted, allocate

POOL = N("10.0.16.0/20")


@pytest.mark.parametrize("held", [N("10.0.0.0/16"), N("10.0.0.0/19"), N("10.0.16.0/20"), N("0.0.0.0/0")])
def test_a_block_that_contains_or_equals_the_pool_leaves_nothing(held):
    with pytest.raises(PoolExhausted):
        allocate(POOL, 24, [held])


@pytest.mark.parametrize("held", [N("10.0.0.0/20"), N("10.0.32.0/20"), N("10.0.15.0/24"), N("10.0.32.0/24")])
def test_blocks_just_outside_the_pool_do_not_count(held):
    assert allocate(POOL, 20, [held]) == POOL
    assert allocate(POOL, 24, [held]) == N("10.0.16.0/24")


def test_blocks_inside_at_the_first_and_last_address():
    first, last = N("10.0.16.0/24"), N("10.0.31.0/24")
    assert allocate(POOL, 24, [first, last]) == N("10.0.17.0/24")
    with pytest.raises(PoolExhausted):
        allocate(POOL, 20, [last])  # one small block at the end leaves no room for the whole pool
    assert allocate(POOL, 21, [last]) == N("10.0.16.0/21")
    with pytest.raises(PoolExhausted):
        allocate(POOL, 21, [N("10.0.16.0/24"), last])


def test_the_last_block_of_the_pool_is_handed_out():
    taken = [N(f"10.0.{16 + i}.0/24") for i in range(15)]
    assert allocate(POOL, 24, taken) == N("10.0.31.0/24")
    with pytest.raises(PoolExhausted):
        allocate(POOL, 24, taken + [N("10.0.31.0/24")])
