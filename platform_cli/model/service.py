"""service.yaml: a service in a product team's repository."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from .base import Country, Domain, HostedZoneId, Name, Region, Spec, SchemaVersion

SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY", "CREDENTIAL")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
RESERVED_ENV_PREFIXES = ("BINDING_", "AWS_", "ECS_")
"""Variables the platform or ECS sets: binding secrets (BINDING_<NAME>_<KEY>), the task's AWS credentials and metadata."""
RESERVED_ENV_NAMES = ("SERVICE_BINDING_ROOT",)
HEALTH_PATH = r"^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)+(\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$"
IMAGE_TAG = r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$"

FARGATE_MEMORY: dict[int, Sequence[int]] = {
    256: (512, 1024, 2048),
    512: range(1024, 4096 + 1, 1024),
    1024: range(2048, 8192 + 1, 1024),
    2048: range(4096, 16384 + 1, 1024),
    4096: range(8192, 30720 + 1, 1024),
    8192: range(16384, 61440 + 1, 4096),
    16384: range(32768, 122880 + 1, 8192),
}
"""Memory (MiB) Fargate offers for each task CPU size (AWS ECS task definition parameters)."""


def fargate_memory_problem(cpu: int, memory: int) -> str | None:
    """Why Fargate has no task of ``cpu`` units and ``memory`` MiB, or None when it has."""
    options = FARGATE_MEMORY.get(cpu)
    if options is None:
        return f"cpu {cpu} is not a Fargate size: expected one of {', '.join(map(str, FARGATE_MEMORY))}"
    if memory in options:
        return None
    if not isinstance(options, range):
        expected = ", ".join(map(str, options))
    else:
        expected = f"{options.start}-{options.stop - 1} in steps of {options.step}"
    return f"memory {memory} MiB does not fit cpu {cpu} on Fargate: expected {expected} MiB"


def health_path_problem(path: str) -> str | None:
    """Why ``path`` is not a clean absolute HTTP path for a load balancer health check, or None."""
    if len(path) > 1024:
        return "is longer than 1024 characters (the load balancer's limit)"
    if not re.fullmatch(HEALTH_PATH, path):
        return ("is not a clean absolute path: expected /SEGMENT/... of letters, digits and - . _ ~ and "
                "percent-escapes, no spaces, optionally ?QUERY")
    segments = path.split("?", 1)[0].split("/")[1:]
    if any(seg in (".", "..") for seg in segments) or "" in segments[:-1]:
        return "is not a clean absolute path: no '.' or '..' segments and no '//'"
    return None


class Image(Spec):
    repository: str = Field("", description="Image repository; empty means the space's ECR repository for this service.")
    tag: str = Field("latest", pattern=IMAGE_TAG, description="Image tag deployed when no --version is given (letters, digits, _ . -; up to 128).")


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
    offering: Name = Field(description="Marketplace offering, e.g. postgres.")
    plan: Name = Field(description="Plan of the offering, e.g. small.")


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


CERTIFICATE_ARN = r"^arn:aws(?:-cn|-us-gov)?:acm:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:certificate/[0-9a-f-]{36}$"


class Https(Spec):
    domain: Domain = Field(description="Host name clients use, e.g. orders.payments.example.com (lowercase).")
    hosted_zone_id: HostedZoneId | None = Field(
        None, description="Route 53 public hosted zone of the domain, which must be one of the space environment's "
                          "domains (spaces/TEAM.yaml environments.ENV.domains) or one label below one: the listener "
                          "uses that domain's certificate and each region gets a latency-based alias record of the "
                          "domain pointing at its load balancer.")
    certificate_arns: dict[Region, str] = Field(
        default_factory=dict,
        description="Existing ACM certificates for the domain, one per region of the environment (ACM certificates "
                    "are regional); the domain's DNS record is then kept outside the platform.")

    @model_validator(mode="after")
    def _source(self) -> "Https":
        if bool(self.hosted_zone_id) == bool(self.certificate_arns):
            raise ValueError("https needs either hosted_zone_id (the space domain's certificate, and an alias record) "
                             "or certificate_arns (one certificate per region; the domain's DNS is yours), not both")
        for region, value in self.certificate_arns.items():
            if not re.fullmatch(CERTIFICATE_ARN, value) or value.split(":")[3] != region:
                raise ValueError(f"certificate_arns.{region}: {value!r} is not an ACM certificate ARN of {region}")
        return self


class ServiceEnvironment(Spec):
    regions: list[Region] = Field(default_factory=list, description="Regions (must be in the space's environment).")
    markets: list[Country] = Field(default_factory=list, description="Countries; they resolve to regions through the markets.")
    https: Https | None = Field(
        None, description="Serve the service over HTTPS only (TLS 1.2+, port 80 redirects to 443). Required in a "
                          "protected environment: a plain-HTTP listener there is a mandatory policy finding.")

    @model_validator(mode="after")
    def _some(self) -> "ServiceEnvironment":
        if not self.regions and not self.markets:
            raise ValueError("an environment needs regions or markets")
        return self


class Service(Spec):
    """A service: how it runs, what it binds and how it rolls out."""

    SCHEMA_NAME: ClassVar[str] = "service"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    name: Name = Field(description="Service name (DNS-safe).")
    space: Name = Field(description="Team space the service deploys into.")
    description: str = Field("", description="What the service does.")
    kind: Literal["web", "worker"] = Field("web", description="web serves HTTP behind a load balancer; worker has no listener.")
    image: Image = Field(default_factory=Image, description="Container image.")
    port: int = Field(8080, ge=1, le=65535, description="Port the container listens on (web).")
    health_path: str = Field("/healthz", max_length=1024, description="HTTP path answering 2xx when healthy (web): a clean absolute path such as /healthz.")
    health_command: list[str] = Field(
        default_factory=list,
        description="Command ECS runs inside the container to check its health, e.g. [python, -m, app.healthcheck]; "
                    "exit code 0 means healthy. Empty: a web service relies on the load balancer's check of "
                    "health_path, a worker has no health check (an advisory finding).")
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = Field(256, description="Fargate CPU units.")
    memory: int = Field(512, ge=512, le=122880, description="Fargate memory in MiB; must be a size Fargate offers for the CPU (256: 512/1024/2048; 512: 1024-4096, 1024: 2048-8192, 2048: 4096-16384, 4096: 8192-30720 in 1024 steps; 8192: 16384-61440 in 4096 steps; 16384: 32768-122880 in 8192 steps).")
    scaling: Scaling = Field(default_factory=Scaling, description="Autoscaling.")
    env: dict[str, str] = Field(default_factory=dict, description="Plain, non-secret environment variables (names are identifiers; BINDING_*, AWS_*, ECS_* and SERVICE_BINDING_ROOT are the platform's). Values are text: quote numbers. Secrets come from bindings only.")
    bindings: list[BindingRef] = Field(default_factory=list, description="Marketplace bindings; credentials are injected as secrets.")
    rollout: RolloutPolicy = Field(default_factory=RolloutPolicy, description="How deployments roll out over regions.")
    environments: dict[Name, ServiceEnvironment] = Field(min_length=1, description="Environments this service deploys to, with regions or markets.")

    @field_validator("env")
    @classmethod
    def _no_secrets(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if not re.fullmatch(ENV_NAME, key):
                raise ValueError(f"{key!r} is not an environment variable name: expected letters, digits and _, "
                                 "not starting with a digit")
            if key.upper().startswith(RESERVED_ENV_PREFIXES) or key.upper() in RESERVED_ENV_NAMES:
                raise ValueError(f"{key} is reserved: the platform sets BINDING_<NAME>_<KEY> for bindings, "
                                 "SERVICE_BINDING_ROOT, and ECS sets AWS_* and ECS_*; choose another name")
            if any(word in key.upper() for word in SECRET_WORDS):
                raise ValueError(f"{key} looks like a secret; bind an offering instead of putting secrets in env")
        return v

    @field_validator("health_path")
    @classmethod
    def _health_path(cls, v: str) -> str:
        problem = health_path_problem(v)
        if problem:
            raise ValueError(f"{v!r} {problem}")
        return v

    @model_validator(mode="after")
    def _checks(self) -> "Service":
        names = [b.name for b in self.bindings]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"binding names must be unique; repeated: {', '.join(dupes)}")
        problem = fargate_memory_problem(self.cpu, self.memory)
        if problem:
            raise ValueError(problem)
        return self
