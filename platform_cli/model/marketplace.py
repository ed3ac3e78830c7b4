"""blueprints/marketplace/<offering>.yaml: a managed service teams can bind."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from .base import Name, Spec, SchemaVersion

BINDING_KEYS = ("type", "provider", "host", "port", "uri", "username", "password", "database", "name", "arn", "url")
ParamValue = str | int | float | bool


class Plan(Spec):
    name: Name = Field(description="Plan name, unique within the offering.")
    description: str = Field("", description="What this plan is for.")
    paid: bool = Field(False, description="Whether this plan costs real money beyond the free tier; blueprints may forbid paid plans.")
    monthly_usd: float = Field(ge=0, description="Monthly price estimate of one instance in USD.")
    parameters: dict[str, ParamValue] = Field(default_factory=dict, description="Sizing parameters passed to the offering's component.")


class Offering(Spec):
    """An offering of the marketplace with its plans."""

    SCHEMA_NAME: ClassVar[str] = "offering"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    name: Literal["postgres", "queue", "bucket", "table", "cache", "topic"] = Field(description="Offering name; must equal the file name.")
    description: str = Field("", description="What the offering gives a service.")
    binding_type: str = Field(description="servicebinding.io 'type' value, e.g. postgresql.")
    provider: str = Field(description="servicebinding.io 'provider' value, e.g. aws-rds.")
    binding_keys: list[Literal[BINDING_KEYS]] = Field(description="Keys the binding's secret holds (servicebinding.io well-known keys and a few more).")  # type: ignore[valid-type]
    plans: list[Plan] = Field(min_length=1, description="Plans, smallest first.")

    @model_validator(mode="after")
    def _unique(self) -> "Offering":
        names = [p.name for p in self.plans]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"plan names must be unique; repeated: {', '.join(dupes)}")
        if "type" not in self.binding_keys or "provider" not in self.binding_keys:
            raise ValueError("binding_keys must include 'type' and 'provider'")
        return self

    def plan(self, name: str) -> Plan | None:
        return next((p for p in self.plans if p.name == name), None)
