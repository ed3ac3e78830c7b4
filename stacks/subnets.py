"""Subnet layout of a space's VPC: a pure function, tested on its own."""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Network

SMALLEST_SUBNET_PREFIX = 28  # AWS refuses subnets smaller than /28
MAX_AZS = 4  # blueprints spread over at most four AZs


@dataclass(frozen=True)
class SubnetLayout:
    private: list[IPv4Network]
    public: list[IPv4Network]


def split_subnets(cidr: str | IPv4Network, azs: int) -> SubnetLayout:
    """Split a VPC block into one private and one public subnet per AZ.

    The lower half of the block holds the private subnets (where tasks and databases
    live), the upper half the public ones (load balancers, NAT gateways). Each half is
    cut into MAX_AZS equal slots when the block is large enough, so a blueprint that
    adds an AZ only adds subnets and never moves one; small blocks fall back to the next
    power of two >= ``azs`` slots.
    """
    block = IPv4Network(cidr)
    if not 1 <= azs <= MAX_AZS:
        raise ValueError(f"azs must be between 1 and {MAX_AZS}, got {azs}")
    bits = 1 + math.ceil(math.log2(MAX_AZS))
    if block.prefixlen + bits > SMALLEST_SUBNET_PREFIX:
        bits = 1 + (math.ceil(math.log2(azs)) if azs > 1 else 0)
    new_prefix = block.prefixlen + bits
    if new_prefix > SMALLEST_SUBNET_PREFIX:
        raise ValueError(f"{block} is too small for {azs} AZs: subnets would be /{new_prefix}, "
                         f"AWS needs /{SMALLEST_SUBNET_PREFIX} or larger")
    lower, upper = block.subnets(prefixlen_diff=1)
    per_half = new_prefix - lower.prefixlen
    private = list(lower.subnets(prefixlen_diff=per_half))[:azs] if per_half else [lower]
    public = list(upper.subnets(prefixlen_diff=per_half))[:azs] if per_half else [upper]
    return SubnetLayout(private=private, public=public)
