"""The block index finds exactly the blocks that overlap, as comparing with every block would."""

from __future__ import annotations

from ipaddress import IPv4Network

from hypothesis import given, settings
from hypothesis import strategies as st

from platform_cli.planning.cidr import BlockIndex, allocation_problems

blocks = st.builds(lambda a, p: IPv4Network((a & ~((1 << (32 - p)) - 1), p)),
                   st.integers(min_value=0x0A000000, max_value=0x0AFFFFFF), st.integers(min_value=8, max_value=28))


@settings(max_examples=300, deadline=None)
@given(st.lists(blocks, max_size=40), blocks)
def test_overlapping_is_what_a_full_comparison_finds(indexed, probe):
    index = BlockIndex((f"b{i}", b) for i, b in enumerate(indexed))
    want = sorted(f"b{i}" for i, b in enumerate(indexed) if b.overlaps(probe))
    assert sorted(w for w, _ in index.overlapping(probe)) == want


def test_a_large_block_far_to_the_left_is_still_found():
    index = BlockIndex([("big", IPv4Network("10.0.0.0/8")), *((f"s{i}", IPv4Network(f"10.{i}.0.0/16"))
                                                               for i in range(1, 200))])
    assert [w for w, _ in index.overlapping(IPv4Network("10.250.0.0/20"))] == ["big"]
    assert [w for w, _ in index.overlapping(IPv4Network("11.0.0.0/20"))] == []
    problems = allocation_problems([("allocations.0.cidr", IPv4Network("10.5.16.0/20"))],
                                   IPv4Network("10.0.0.0/8"), index)
    assert len(problems) == 2 and "big" in problems[0] and "s5" in problems[1]
