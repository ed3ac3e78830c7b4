"""blueprints/prices.yaml: monthly price estimates used by cost estimates and the cost guardrail."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Spec, SchemaVersion


class PriceTable(Spec):
    """Price estimates per resource kind and per-region multipliers."""

    SCHEMA_NAME: ClassVar[str] = "prices"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    currency: Literal["USD"] = Field("USD", description="Currency of every price.")
    items: dict[str, float] = Field(description="Monthly price of one resource of each kind (nat_gateway, load_balancer, kms_key, ...); fargate_vcpu and fargate_gb per vCPU and GB of a task running all month.")
    region_multipliers: dict[str, float] = Field(default_factory=dict, description="Price factor of a region relative to us-east-1.")
    default_multiplier: float = Field(1.0, gt=0, description="Factor for regions not listed.")

    def price(self, item: str, region: str) -> float:
        return self.items.get(item, 0.0) * self.region_multipliers.get(region, self.default_multiplier)
