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
    start = int(pool.network_address)
    end = int(pool.broadcast_address)
    blocks = sorted(
        (int(t.network_address), int(t.broadcast_address)) for t in taken if t.overlaps(pool)
    )
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
                        others: Iterable[tuple[str, IPv4Network]]) -> list[str]:
    """What is wrong with a space's blocks given the pool and every other space's blocks.

    ``allocations`` are (field path, block) of one space; ``others`` are (where, block) of the
    rest of the workspace. A block must lie wholly inside the pool and overlap no other block.
    Two CIDR blocks either nest or are disjoint, so a block not inside the pool either holds
    all of it or lies outside it."""
    problems = []
    others = list(others)
    for where, block in allocations:
        if not block.subnet_of(pool):
            how = "contains the whole pool" if pool.subnet_of(block) else "lies outside the pool"
            problems.append(f"{where}: {block} {how} {pool} (network_pool in platform.yaml); "
                            "expected a block inside the pool")
        for other_where, other in others:
            if block.overlaps(other):
                problems.append(f"{where}: {block} overlaps {other} of {other_where}; every block in the "
                                "workspace must be distinct")
    return problems
