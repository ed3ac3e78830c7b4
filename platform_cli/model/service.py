"""service.yaml: a service in a product team's repository."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from .base import Country, Name, Region, Spec

SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY", "CREDENTIAL")


class Image(Spec):
    repository: str = Field("", description="Image repository; empty means the space's ECR repository for this service.")
    tag: str = Field("latest", description="Image tag deployed when no --version is given.")


class Scaling(Spec):
    min: int = Field(1, ge=0, le=100, description="Minimum number of tasks.")
    max: int = Field(2, ge=1, le=100, description="Maximum number of tasks.")
    cpu_target: int = Field(60, ge=10, le=90, description="Target average CPU utilisation in percent.")

    @model_validator(mode="after")
    def _order(self) -> "Scaling":
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class BindingRef(Spec):
    name: Name = Field(description="Binding name; the app reads its keys under this name.")
    offering: str = Field(description="Marketplace offering, e.g. postgres.")
    plan: str = Field(description="Plan of the offering, e.g. small.")


class Gates(Spec):
    alarms: bool = Field(True, description="Halt when a CloudWatch alarm of the service or space is in ALARM in the wave's regions.")
    health_check: bool = Field(True, description="Halt when the unit's URL does not answer its health path with 2xx.")
    manual_approval: Literal["protected", "always", "never"] = Field(
        "protected", description="Ask for approval after each wave: in protected environments only, always, or never."
    )


class RolloutPolicy(Spec):
    canary: Region | None = Field(None, description="Region deployed alone first; default: the first region of the environment.")
    batch_size: int = Field(3, ge=1, le=50, description="Regions per wave after the canary.")
    max_parallel: int = Field(3, ge=1, le=50, description="Units applied at once within a wave.")
    bake_minutes: float = Field(0, ge=0, le=1440, description="Minutes to wait after a wave before its gates are checked.")
    gates: Gates = Field(default_factory=Gates, description="Checks after each wave.")


class ServiceEnvironment(Spec):
    regions: list[Region] = Field(default_factory=list, description="Regions (must be in the space's environment).")
    markets: list[Country] = Field(default_factory=list, description="Countries; they resolve to regions through the markets.")

    @model_validator(mode="after")
    def _some(self) -> "ServiceEnvironment":
        if not self.regions and not self.markets:
            raise ValueError("an environment needs regions or markets")
        return self


class Service(Spec):
    """A service: how it runs, what it binds and how it rolls out."""

    SCHEMA_NAME: ClassVar[str] = "service"

    schema_version: Literal[1] = Field(1, description="Version of this file's format; only 1 exists.")
    name: Name = Field(description="Service name (DNS-safe).")
    space: Name = Field(description="Team space the service deploys into.")
    description: str = Field("", description="What the service does.")
    kind: Literal["web", "worker"] = Field("web", description="web serves HTTP behind a load balancer; worker has no listener.")
    image: Image = Field(default_factory=Image, description="Container image.")
    port: int = Field(8080, ge=1, le=65535, description="Port the container listens on (web).")
    health_path: str = Field("/healthz", pattern=r"^/", description="HTTP path answering 2xx when healthy (web).")
    health_command: list[str] = Field(
        default_factory=list,
        description="Command ECS runs inside the container to check its health, e.g. [python, -m, app.healthcheck]; "
                    "exit code 0 means healthy. Empty: a web service relies on the load balancer's check of "
                    "health_path, a worker has no health check (an advisory finding).")
    cpu: Literal[256, 512, 1024, 2048, 4096] = Field(256, description="Fargate CPU units.")
    memory: int = Field(512, ge=512, le=30720, description="Fargate memory in MiB (must fit the CPU size).")
    scaling: Scaling = Field(default_factory=Scaling, description="Autoscaling.")
    env: dict[str, str] = Field(default_factory=dict, description="Plain, non-secret environment variables. Secrets come from bindings only.")
    bindings: list[BindingRef] = Field(default_factory=list, description="Marketplace bindings; credentials are injected as secrets.")
    rollout: RolloutPolicy = Field(default_factory=RolloutPolicy, description="How deployments roll out over regions.")
    environments: dict[Name, ServiceEnvironment] = Field(min_length=1, description="Environments this service deploys to, with regions or markets.")

    @field_validator("env")
    @classmethod
    def _no_secrets(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if any(word in key.upper() for word in SECRET_WORDS):
                raise ValueError(f"{key} looks like a secret; bind an offering instead of putting secrets in env")
        return v

    @model_validator(mode="after")
    def _checks(self) -> "Service":
        names = [b.name for b in self.bindings]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"binding names must be unique; repeated: {', '.join(dupes)}")
        valid = {256: (512, 2048), 512: (1024, 4096), 1024: (2048, 8192), 2048: (4096, 16384), 4096: (8192, 30720)}
        lo, hi = valid[self.cpu]
        if not lo <= self.memory <= hi:
            raise ValueError(f"memory {self.memory} MiB does not fit cpu {self.cpu}: expected {lo}-{hi} MiB")
        return self
