"""Fargate task sizes: every cpu/memory pair AWS offers is accepted, every other one refused."""

from __future__ import annotations

import pytest

from platform_cli.errors import SpecError
from platform_cli.model import Service

# AWS ECS task definition parameters, "Task size": memory (MiB) Fargate offers per cpu value
OFFERED = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}


def _service(cpu, memory):
    return Service.parse({"name": "api", "space": "payments", "cpu": cpu, "memory": memory,
                          "environments": {"dev": {"regions": ["eu-central-1"]}}}, source="service.yaml")


@pytest.mark.parametrize("cpu", sorted(OFFERED))
def test_every_offered_pair_is_accepted_and_nothing_else(cpu):
    offered = set(OFFERED[cpu])
    for memory in offered:
        assert _service(cpu, memory).memory == memory
    lo, hi = min(offered), max(offered)
    candidates = {lo - 1, lo - 512, hi + 1, hi + 512, hi + 1024, lo + 512, lo + 1, (lo + hi) // 2 + 1}
    candidates |= {m + step for m in offered for step in (512, 1024, 2048, 4096)}
    for memory in sorted(candidates - offered):
        if not 512 <= memory <= 122880:
            continue  # outside the field's range: refused by the range check instead
        with pytest.raises(SpecError, match=f"memory {memory} MiB does not fit cpu {cpu} on Fargate"):
            _service(cpu, memory)


@pytest.mark.parametrize("cpu", [128, 3072, 32768, "256", True])
def test_cpu_values_fargate_does_not_have(cpu):
    with pytest.raises(SpecError, match="cpu"):
        _service(cpu, 2048)


@pytest.mark.parametrize("memory", [511, 122881, "2048", 2048.0, True])
def test_memory_out_of_range_or_of_the_wrong_type(memory):
    with pytest.raises(SpecError, match="memory"):
        _service(256, memory)
