"""CIDR allocation from the workspace pool: first fit, never overlapping, never moving."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network

from ..errors import ConflictError


class PoolExhausted(ConflictError):
    """The network pool has no free block of the asked size."""


def allocate(pool: IPv4Network, prefix: int, taken: Iterable[IPv4Network]) -> IPv4Network:
    """The lowest block of size ``/prefix`` in ``pool`` overlapping none of ``taken``.

    Existing blocks are never touched, so allocation is stable under additions.
    """
    hint = "widen network_pool in platform.yaml, or remove unused environments or regions"
    if prefix < pool.prefixlen:
        raise PoolExhausted(f"a /{prefix} block does not fit in the network pool {pool}",
                            hint="widen network_pool in platform.yaml, or use a blueprint with smaller blocks (a larger cidr_prefix)")
    size = 1 << (32 - prefix)
    start, end = _span(pool)
    blocks = sorted(span for span in map(_span, taken) if span[0] <= end and span[1] >= start)  # overlapping the pool
    candidate = start
    for lo, hi in blocks:
        if candidate + size - 1 < lo:
            break
        if hi >= candidate:
            candidate = ((hi + 1 + size - 1) // size) * size  # next aligned address after the block
    if candidate + size - 1 > end:
        raise PoolExhausted(
            f"network pool {pool} has no free /{prefix} block left ({len(blocks)} blocks allocated)",
            hint=hint,
        )
    return IPv4Network((candidate, prefix))


def allocation_problems(allocations: Iterable[tuple[str, IPv4Network]], pool: IPv4Network,
                        others: "Iterable[tuple[str, IPv4Network]] | BlockIndex", *,
                        skip: str | None = None, pool_name: str = "network_pool") -> list[str]:
    """What is wrong with a space's blocks given the pool and every other space's blocks.

    ``allocations`` are (field path, block) of one space; ``others`` are (where, block) of the
    rest of the workspace, or a :class:`BlockIndex` of them (an entry named ``skip``, the block itself,
    is left out); ``pool_name`` says where platform.yaml sets the pool. A block must lie wholly inside the
    pool and overlap no other block. Two CIDR blocks either nest or are disjoint, so a block not
    inside the pool either holds all of it or lies outside it."""
    problems = []
    index = others if isinstance(others, BlockIndex) else BlockIndex(others)
    first, last = _span(pool)
    for where, block in allocations:
        lo, hi = _span(block)
        if lo < first or hi > last:
            how = "contains the whole pool" if lo <= first and hi >= last else "lies outside the pool"
            problems.append(f"{where}: {block} {how} {pool} ({pool_name} in platform.yaml); "
                            "expected a block inside the pool")
        for other_where, other in index.overlapping(block):
            if other_where == skip:
                continue
            problems.append(f"{where}: {block} overlaps {other} of {other_where}; every block in the "
                            "workspace must be distinct")
    return problems


def _span(block: IPv4Network) -> tuple[int, int]:
    """The first and last address of BLOCK as numbers (without building its broadcast address)."""
    start = int(block.network_address)
    return start, start + (1 << (32 - block.prefixlen)) - 1


class BlockIndex:
    """Every block of a workspace, sorted, to find what overlaps a block in O(log n) rather than by
    comparing it with every other block (a workspace of 1,000 spaces holds thousands of blocks).

    Two CIDR blocks either nest or are disjoint; a block that overlaps X starts at or before X's
    last address and ends at or after X's first one. With the blocks sorted by start and the
    running maximum of their ends, the scan leftwards from X's last address stops as soon as no
    earlier block reaches X."""

    def __init__(self, blocks: Iterable[tuple[str, IPv4Network]]) -> None:
        rows = sorted((*_span(b), where, b) for where, b in blocks)
        self._starts = [r[0] for r in rows]
        self._rows = rows
        self._reach: list[int] = []
        top = -1
        for r in rows:
            top = max(top, r[1])
            self._reach.append(top)

    def entries(self) -> list[tuple[str, IPv4Network]]:
        """(where, block) of every indexed block, by address."""
        return [(where, b) for _, _, where, b in self._rows]

    def overlapping(self, block: IPv4Network) -> list[tuple[str, IPv4Network]]:
        """(where, block) of every indexed block that overlaps ``block``."""
        from bisect import bisect_right

        if not self._rows:
            return []
        lo, hi = _span(block)
        out = []
        i = bisect_right(self._starts, hi) - 1
        while i >= 0 and self._reach[i] >= lo:
            start, end, where, b = self._rows[i]
            if end >= lo:
                out.append((where, b))
            i -= 1
        return out[::-1]

