"""blueprints/markets.yaml: countries, the region that serves each, and residency."""

from __future__ import annotations

import functools
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from .base import Country, Region, Spec, SchemaVersion

Partition = Literal["aws", "aws-cn", "aws-us-gov"]


class RegionInfo(Spec):
    code: Region = Field(description="AWS region code.")
    name: str = Field(description="Human name, e.g. Frankfurt.")
    partition: Partition = Field("aws", description="AWS partition the region belongs to.")
    residency: str = Field(description="Data residency zone the region is in (eu, us, cn, ...).")


class Market(Spec):
    country: Country = Field(description="ISO 3166-1 alpha-2 country code.")
    name: str = Field(description="Country name.")
    region: Region = Field(description="Region that serves this country (its own, or the nearest allowed one).")
    residency: str = Field(description="Residency zone the country's data must stay in; the region must be in it.")
    fallback: list[Region] = Field(
        default_factory=list,
        description="Next nearest regions in the same residency zone, in order; used when a blueprint does not allow region.")


class Markets(Spec):
    """Country to region mapping with residency and partition."""

    SCHEMA_NAME: ClassVar[str] = "markets"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    regions: list[RegionInfo] = Field(min_length=1, description="Regions the platform knows.")
    markets: list[Market] = Field(min_length=1, description="Countries and the region serving each.")

    @model_validator(mode="after")
    def _consistent(self) -> "Markets":
        regions = {r.code: r for r in self.regions}
        seen: set[str] = set()
        for i, m in enumerate(self.markets):
            if m.country in seen:
                raise ValueError(f"markets.{i}: country {m.country} is listed twice")
            seen.add(m.country)
            info = regions.get(m.region)
            if info is None:
                raise ValueError(f"markets.{i}: region {m.region} of {m.country} is not in regions")
            if info.residency != m.residency:
                raise ValueError(
                    f"markets.{i}: {m.country} needs residency {m.residency} but {m.region} is in {info.residency}"
                )
            for j, fb in enumerate(m.fallback):
                fb_info = regions.get(fb)
                if fb_info is None or fb_info.residency != m.residency or fb == m.region:
                    raise ValueError(f"markets.{i}.fallback.{j}: {fb} must be another known region in residency "
                                     f"zone {m.residency}")
        return self

    def region(self, code: str) -> RegionInfo | None:
        return self._regions_by_code.get(code)

    @functools.cached_property
    def _regions_by_code(self) -> dict[str, RegionInfo]:
        """The regions by code (the first of a code, as a scan of ``regions`` would find), looked up once per
        space unit by every command that reads the spaces."""
        found: dict[str, RegionInfo] = {}
        for r in self.regions:
            found.setdefault(r.code, r)
        return found

    def market(self, country: str) -> Market | None:
        return next((m for m in self.markets if m.country == country.upper()), None)
