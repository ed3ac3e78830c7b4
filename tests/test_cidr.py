"""CIDR allocation: never overlapping, inside the pool, stable under additions, clean when full."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_cli.errors import ConflictError
from platform_cli.planning.cidr import PoolExhausted, allocate
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space
from platform_cli.workspace import WorkspaceContext

pools = st.builds(
    lambda addr, prefix: IPv4Network((addr, prefix), strict=False),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=8, max_value=24),
)


@st.composite
def pool_and_requests(draw):
    pool = draw(pools)
    sizes = draw(st.lists(st.integers(min_value=pool.prefixlen, max_value=min(pool.prefixlen + 6, 30)),
                          min_size=1, max_size=40))
    return pool, sizes


def allocate_all(pool, sizes, taken=()):
    """Allocate in order until the pool is full; returns (blocks, exhausted?)."""
    taken = list(taken)
    blocks = []
    for prefix in sizes:
        try:
            block = allocate(pool, prefix, taken)
        except PoolExhausted:
            return blocks, True
        blocks.append(block)
        taken.append(block)
    return blocks, False


@settings(max_examples=300, deadline=None)
@given(pool_and_requests())
def test_blocks_never_overlap_and_stay_in_the_pool(case):
    pool, sizes = case
    blocks, _ = allocate_all(pool, sizes)
    for i, a in enumerate(blocks):
        assert a.subnet_of(pool)
        assert a.prefixlen == sizes[i]
        for b in blocks[i + 1:]:
            assert not a.overlaps(b), (a, b)


@settings(max_examples=200, deadline=None)
@given(pool_and_requests(), st.lists(st.integers(min_value=0, max_value=30), max_size=10))
def test_foreign_blocks_are_avoided(case, foreign_offsets):
    pool, sizes = case
    # blocks from elsewhere (other spaces, even hand-written and unaligned) inside or around the pool
    step = max(pool.num_addresses // 32, 1)
    foreign = [IPv4Network((int(pool.network_address) + off * step, max(pool.prefixlen + 3, 24) if pool.prefixlen < 30 else 32),
                           strict=False) for off in foreign_offsets]
    blocks, _ = allocate_all(pool, sizes, foreign)
    for block in blocks:
        assert not any(block.overlaps(f) for f in foreign), block


@settings(max_examples=200, deadline=None)
@given(pool_and_requests(), st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=10))
def test_existing_blocks_never_move_when_more_are_added(case, extra):
    pool, sizes = case
    first, _ = allocate_all(pool, sizes)
    # replaying the same history gives the same blocks (deterministic) ...
    again, _ = allocate_all(pool, sizes)
    assert again == first
    # ... and adding more never changes what was there: new blocks avoid all old ones
    more, _ = allocate_all(pool, [min(pool.prefixlen + e, 30) for e in extra], first)
    assert set(first).isdisjoint(more)
    for block in more:
        assert not any(block.overlaps(f) for f in first)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=16, max_value=28), st.integers(min_value=0, max_value=4))
def test_full_pool_raises_pool_exhausted_after_exactly_filling_it(pool_prefix, extra_bits):
    pool = IPv4Network((0x0A000000, pool_prefix), strict=False)
    prefix = pool_prefix + extra_bits
    capacity = 2 ** extra_bits
    blocks, exhausted = allocate_all(pool, [prefix] * (capacity + 1))
    assert exhausted
    assert len(blocks) == capacity
    assert sum(b.num_addresses for b in blocks) == pool.num_addresses
    with pytest.raises(PoolExhausted) as info:
        allocate(pool, prefix, blocks)
    assert isinstance(info.value, ConflictError)
    assert str(pool) in info.value.message and info.value.hint


def test_block_larger_than_the_pool_is_a_clean_error():
    with pytest.raises(PoolExhausted, match="does not fit"):
        allocate(IPv4Network("10.0.0.0/24"), 20, [])


def test_freed_gap_is_reused_without_moving_neighbours():
    pool = IPv4Network("10.0.0.0/16")
    a = allocate(pool, 20, [])
    b = allocate(pool, 20, [a])
    c = allocate(pool, 20, [a, b])
    assert len({a, b, c}) == 3
    # b is released (region removed): the next block reuses its gap, a and c stay
    assert allocate(pool, 20, [a, c]) == b


# --- through the service layer -------------------------------------------------------------------

def _cidrs(ws_root, team):
    space = WorkspaceContext.open(ws_root).space(team)
    return {(a.env, a.region): a.cidr for a in space.allocations}


def test_space_create_and_add_region_keep_existing_allocations(payments):
    root = payments.root
    before = _cidrs(root, "payments")
    assert len(before) == 4
    create_space(WorkspaceContext.open(root),
                 CreateSpaceRequest(team="orders", blueprint="standard@2", envs=["dev=IE", "prod=IE,SE"]))
    create_space(WorkspaceContext.open(root),
                 CreateSpaceRequest(team="tools", blueprint="minimal@1", envs=["dev=us-east-1"]))
    result = add_region(WorkspaceContext.open(root), "payments", "prod", "JP")
    assert result.added == ["ap-northeast-1"]
    result = add_region(WorkspaceContext.open(root), "payments", "staging", "DE,FR", new_env=True)
    assert result.added == ["eu-central-1", "eu-west-3"]
    after = _cidrs(root, "payments")
    assert {k: after[k] for k in before} == before  # nothing moved
    assert len(after) == 7
    everything = [c for team in ("payments", "orders", "tools") for c in _cidrs(root, team).values()]
    assert len(everything) == 7 + 3 + 1
    for i, a in enumerate(everything):
        assert a.subnet_of(IPv4Network("10.0.0.0/8"))
        for b in everything[i + 1:]:
            assert not a.overlaps(b), (a, b)
    # the blueprint decides the block size
    assert {c.prefixlen for c in _cidrs(root, "tools").values()} == {22}
    assert {c.prefixlen for c in _cidrs(root, "orders").values()} == {20}


def test_add_region_that_is_already_there_changes_nothing(payments):
    path = payments.space_path("payments")
    text = path.read_text()
    result = add_region(payments, "payments", "prod", "FR")
    assert result.added == [] and result.already == ["eu-west-3"]
    assert path.read_text() == text
