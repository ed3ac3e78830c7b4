"""Subnet layout: inside the allocation, disjoint, stable when AZs are added."""

from ipaddress import IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.subnets import split_subnets


@settings(deadline=None, max_examples=60)
@given(prefix=st.integers(min_value=16, max_value=25), azs=st.integers(min_value=1, max_value=4),
       block=st.integers(min_value=0, max_value=255))
def test_subnets_inside_block_and_disjoint(prefix, azs, block):
    cidr = IPv4Network((int(IPv4Network("10.0.0.0/8").network_address) + (block << (32 - prefix)), prefix))
    layout = split_subnets(cidr, azs)
    subnets = layout.private + layout.public
    assert len(layout.private) == azs and len(layout.public) == azs
    for s in subnets:
        assert s.subnet_of(cidr)
        assert s.prefixlen <= 28
    for i, a in enumerate(subnets):
        for b in subnets[i + 1:]:
            assert not a.overlaps(b)


@settings(deadline=None, max_examples=30)
@given(prefix=st.integers(min_value=16, max_value=25))
def test_adding_azs_never_moves_a_subnet(prefix):
    cidr = IPv4Network(f"10.0.0.0/{prefix}")
    for azs in range(1, 4):
        before, after = split_subnets(cidr, azs), split_subnets(cidr, azs + 1)
        assert after.private[:azs] == before.private
        assert after.public[:azs] == before.public


def test_too_small_block_is_refused():
    with pytest.raises(ValueError, match="too small"):
        split_subnets("10.0.0.0/26", 3)
