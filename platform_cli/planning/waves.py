"""Rollout waves: places to regions, residency and partition checks, canary then batches. Pure.

A rollout plan lists waves in order. The first wave is the canary: one region, alone.
The following waves hold at most ``batch_size`` regions each, in the order the regions
were declared. Within a wave, at most ``max_parallel`` units are applied at once; after
each wave the executor waits ``bake_minutes`` and checks the gates.

Waves are numbered from 1 (wave 1 is the canary); the same numbers appear in the table,
in ``--json`` and in the GitHub matrix (``--wave K``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import PolicyError, SpecError, UsageError
from ..model.markets import Market, Markets
from .names import partition_of_region


@dataclass(frozen=True)
class Wave:
    number: int
    regions: tuple[str, ...]
    units: tuple[str, ...]
    canary: bool = False


@dataclass(frozen=True)
class RolloutPlan:
    """Waves of one rollout and the policy they came from."""

    target: str  # "space/TEAM/ENV" or "service/TEAM/SERVICE/ENV"
    waves: tuple[Wave, ...]
    partition: str
    max_parallel: int
    bake_minutes: float
    batch_size: int
    gates: dict[str, Any] = field(default_factory=dict)

    @property
    def regions(self) -> list[str]:
        return [r for w in self.waves for r in w.regions]

    @property
    def units(self) -> list[str]:
        return [u for w in self.waves for u in w.units]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "partition": self.partition,
            "batch_size": self.batch_size,
            "max_parallel": self.max_parallel,
            "bake_minutes": self.bake_minutes,
            "gates": dict(self.gates),
            "waves": [{"wave": w.number, "canary": w.canary, "regions": list(w.regions), "units": list(w.units)}
                      for w in self.waves],
        }

    def matrix(self, wave: int | None = None) -> dict[str, list[dict[str, Any]]]:
        """A GitHub Actions matrix: one ``include`` entry per region (of one wave when given)."""
        if wave is not None and wave < 1:
            raise UsageError(f"--wave {wave}: waves are numbered from 1 (wave 1 is the canary)")
        return {"include": [{"region": r, "wave": w.number, "unit": u}
                            for w in self.waves if wave is None or w.number == wave
                            for r, u in zip(w.regions, w.units)]}

    def rows(self) -> list[list[Any]]:
        return [[w.number, "canary" if w.canary else "batch", len(w.regions), ", ".join(w.regions)] for w in self.waves]


def serving_region(market: Market, allowed: Collection[str] | None = None) -> str:
    """The region serving a country: its own, else the first allowed fallback (nearest first)."""
    if allowed is None:
        return market.region
    return next((r for r in (market.region, *market.fallback) if r in allowed), market.region)


def resolve_regions(places: Sequence[str], markets: Markets, *,
                    allowed: Collection[str] | None = None) -> tuple[list[str], list[str]]:
    """Countries and region codes -> (regions in first-seen order, no duplicates; countries).

    A country resolves to the region serving it; its residency must be the region's
    residency zone as declared in the markets. With ``allowed``, a country whose region is
    not allowed is served by the first allowed region of its fallback list.
    """
    regions: list[str] = []
    countries: list[str] = []
    for token in places:
        t = token.strip()
        if len(t) == 2 and t.isalpha():
            market = markets.market(t)
            if market is None:
                raise SpecError(f"unknown country {t!r}; known: {', '.join(m.country for m in markets.markets)}",
                                hint="`platform market list` shows countries and their regions")
            info = markets.region(market.region)
            if info is None or info.residency != market.residency:
                zone = info.residency if info else "unknown"
                raise PolicyError(f"country {market.country} needs data residency {market.residency}, "
                                  f"but its region {market.region} is in {zone}",
                                  hint="fix blueprints/markets.yaml so the country is served inside its residency zone")
            region = serving_region(market, allowed)
            if market.country not in countries:
                countries.append(market.country)
        else:
            if markets.region(t) is None:
                raise SpecError(f"unknown region {t!r}; expected a country code or one of: "
                                f"{', '.join(r.code for r in markets.regions)}")
            region = t
        if region not in regions:
            regions.append(region)
    return regions, countries


def partitions_of(regions: Sequence[str], partition_of: Callable[[str], str]) -> dict[str, list[str]]:
    """Regions grouped by AWS partition, in first-seen order."""
    parts: dict[str, list[str]] = {}
    for r in regions:
        parts.setdefault(partition_of(r), []).append(r)
    return parts


def describe_partitions(parts: dict[str, list[str]]) -> str:
    return "; ".join(f"{p}: {', '.join(rs)}" for p, rs in parts.items())


def check_partition(regions: Sequence[str], partition_of: Callable[[str], str]) -> str:
    """The one partition every region is in; a PolicyError when a rollout would mix partitions."""
    parts = partitions_of(regions, partition_of)
    if len(parts) > 1:
        raise PolicyError(f"one rollout cannot span AWS partitions ({describe_partitions(parts)})",
                          hint="roll out each partition separately: put its regions in its own environment")
    return next(iter(parts), "aws")


def plan_waves(
    regions: Sequence[str],
    *,
    units: Sequence[str] | None = None,
    canary: str | None = None,
    batch_size: int = 3,
    max_parallel: int = 3,
    bake_minutes: float = 0,
    target: str = "",
    partition_of: Callable[[str], str] | None = None,
    gates: dict[str, Any] | None = None,
) -> RolloutPlan:
    """Waves over ``regions``: the canary alone first, then batches of ``batch_size`` in order.

    ``units`` are the unit ids of the regions (same order); ``canary`` defaults to the
    first region and must be one of them.
    """
    regions = list(regions)
    units = list(units) if units is not None else list(regions)
    if not regions:
        raise UsageError(f"{target or 'rollout'}: no regions to roll out to")
    if len(units) != len(regions):
        raise UsageError("one unit per region is needed")
    if len(set(regions)) != len(regions):
        dupes = sorted({r for r in regions if regions.count(r) > 1})
        raise SpecError(f"{target or 'rollout'}: regions repeat: {', '.join(dupes)}")
    if batch_size < 1 or max_parallel < 1:
        raise UsageError(f"batch size ({batch_size}) and max parallel ({max_parallel}) must be at least 1")
    if bake_minutes < 0:
        raise UsageError(f"bake time must not be negative (got {bake_minutes})")
    partition = check_partition(regions, partition_of or partition_of_region)
    first = canary or regions[0]
    if first not in regions:
        raise SpecError(f"{target or 'rollout'}: canary region {first} is not one of the regions ({', '.join(regions)})",
                        hint="set rollout.canary to one of the environment's regions, or leave it out")
    unit_of = dict(zip(regions, units))
    rest = [r for r in regions if r != first]
    waves = [Wave(1, (first,), (unit_of[first],), canary=True)]
    for i in range(0, len(rest), batch_size):
        batch = tuple(rest[i:i + batch_size])
        waves.append(Wave(len(waves) + 1, batch, tuple(unit_of[r] for r in batch)))
    return RolloutPlan(target=target, waves=tuple(waves), partition=partition, max_parallel=max_parallel,
                       bake_minutes=float(bake_minutes), batch_size=batch_size, gates=dict(gates or {}))


def reverse(plan: RolloutPlan) -> RolloutPlan:
    """The same units in reverse order (for destroy): last wave first, each wave reversed."""
    waves = []
    for w in reversed(plan.waves):
        waves.append(Wave(len(waves) + 1, tuple(reversed(w.regions)), tuple(reversed(w.units)), canary=False))
    return RolloutPlan(target=plan.target, waves=tuple(waves), partition=plan.partition,
                       max_parallel=plan.max_parallel, bake_minutes=0.0, batch_size=plan.batch_size, gates={})


