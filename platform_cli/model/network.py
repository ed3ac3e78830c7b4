"""CIDR fields of the specs: what a network pool and a VPC block may be.

One place decides which ranges the platform hands out (:func:`pool_problem`), so every
pool a workspace declares is checked by the same rule.
"""

from __future__ import annotations

import re
from ipaddress import AddressValueError, IPv4Network, NetmaskValueError
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

PRIVATE_RANGES: tuple[IPv4Network, ...] = (
    IPv4Network("10.0.0.0/8"),       # RFC 1918
    IPv4Network("172.16.0.0/12"),    # RFC 1918
    IPv4Network("192.168.0.0/16"),   # RFC 1918
    IPv4Network("100.64.0.0/10"),    # RFC 6598 shared address space, accepted by VPCs
)
"""Ranges a VPC block may come from."""

VPC_MIN_PREFIX = 16  # largest VPC block AWS accepts (/16)
VPC_MAX_PREFIX = 28  # smallest VPC block AWS accepts (/28)
BLOCK_MAX_PREFIX = 26  # smallest block a blueprint may ask for (NetworkSpec.cidr_prefix)


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}/(3[0-2]|[12]?[0-9])")
"""A.B.C.D/N with no leading zeros, spaces or other forms (those go through the text parser)."""


def _parse(value: Any) -> Any:
    """A CIDR written as text: NETWORK/PREFIX with no host bits set."""
    if isinstance(value, IPv4Network):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an IPv4 CIDR block as text such as 10.0.0.0/16, got {type(value).__name__} {value!r}")
    if "/" not in value:
        raise ValueError(f"{value!r} has no prefix length: expected NETWORK/PREFIX such as 10.0.0.0/16")
    plain = _CANONICAL.fullmatch(value)
    try:
        if plain:  # the form the platform writes: parsed from integers (what the text parser ends with)
            *octets, prefix = (int(g) for g in plain.groups())
            return IPv4Network((int.from_bytes(bytes(octets), "big"), prefix), strict=True)
        return IPv4Network(value.strip(), strict=True)
    except (AddressValueError, NetmaskValueError) as exc:
        raise ValueError(f"{value!r} is not an IPv4 CIDR block: {exc}") from None
    except ValueError:
        exact = IPv4Network(value.strip(), strict=False)
        raise ValueError(f"{value!r} has host bits set: the block it lies in is {exact}") from None


_PRIVATE_BITS = tuple((int(r.network_address), int(r.netmask), r.prefixlen, r) for r in PRIVATE_RANGES)


def private_range_of(net: IPv4Network) -> IPv4Network | None:
    """The private range that holds all of ``net``, or None (``net.subnet_of`` by integer masks: every
    block of every space file read is checked)."""
    address = int(net.network_address)
    return next((r for start, mask, prefix, r in _PRIVATE_BITS if net.prefixlen >= prefix and address & mask == start),
                None)


def pool_problem(pool: IPv4Network, block_prefix: int = BLOCK_MAX_PREFIX) -> str | None:
    """Why ``pool`` cannot be a network pool for blocks of ``/block_prefix``, or None when it can.

    A pool lies wholly inside one private range (RFC 1918 or 100.64.0.0/10) and holds at
    least one block."""
    allowed = ", ".join(str(r) for r in PRIVATE_RANGES)
    if private_range_of(pool) is None:
        if any(pool.overlaps(r) for r in PRIVATE_RANGES):
            kind = "not wholly inside one private range"
        elif pool.is_multicast:
            kind = "a multicast range"
        elif pool.is_global:
            kind = "a public range"
        else:
            kind = "a reserved range (loopback, link-local, documentation or similar)"
        return f"{pool} is {kind}: expected a range inside one of {allowed}"
    if pool.prefixlen > block_prefix:
        return f"{pool} is too small for one /{block_prefix} block: expected a prefix of /{block_prefix} or shorter"
    return None


def _check_pool(pool: IPv4Network) -> IPv4Network:
    problem = pool_problem(pool)
    if problem:
        raise ValueError(problem)
    return pool


def _check_block(block: IPv4Network) -> IPv4Network:
    if not VPC_MIN_PREFIX <= block.prefixlen <= VPC_MAX_PREFIX:
        raise ValueError(f"{block} cannot be a VPC block: AWS accepts /{VPC_MIN_PREFIX} to /{VPC_MAX_PREFIX}")
    if private_range_of(block) is None:
        raise ValueError(f"{block} is not inside a private range: expected one of "
                         + ", ".join(str(r) for r in PRIVATE_RANGES))
    return block


NetworkPool = Annotated[IPv4Network, BeforeValidator(_parse), AfterValidator(_check_pool)]
"""A pool of private addresses from which VPC blocks are handed out."""

VpcBlock = Annotated[IPv4Network, BeforeValidator(_parse), AfterValidator(_check_block)]
"""A VPC block: private, /16 to /28."""
