"""spaces/<team>.yaml: a product team's space."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from ..planning.names import partition_of_region
from .base import Country, Domain, Email, HostedZoneId, Name, Region, Repo, Spec, TagValue, SchemaVersion
from .network import VpcBlock

BLUEPRINT_REF = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])@[1-9][0-9]*$"


class SpaceDomain(Spec):
    name: Domain = Field(description="A DNS name the environment's services are served under: the name itself and "
                                     "the names one label below it (orders.payments.example.com).")
    hosted_zone_id: HostedZoneId = Field(description="The Route 53 public hosted zone holding the name: the space "
                                                     "validates its certificate there, the CI deploy role writes the "
                                                     "services' alias records there (those names only).")


class Environment(Spec):
    regions: list[Region] = Field(min_length=1, description="Regions this environment runs in, in rollout order.")
    markets: list[Country] = Field(default_factory=list, description="Countries this environment serves (they resolved to the regions).")
    protected: bool = Field(False, description="Deployments need manual approval (prod is protected by default).")
    domains: list[SpaceDomain] = Field(
        default_factory=list,
        description="DNS names of the environment's services: each gets an ACM certificate (the name and *.name) in "
                    "every region of the environment, validated in its hosted zone; a service's https.hosted_zone_id "
                    "mode serves one of these names or a name one label below one.")

    @field_validator("regions")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("regions must not repeat")
        parts: dict[str, list[str]] = {}
        for r in v:
            parts.setdefault(partition_of_region(r), []).append(r)
        if len(parts) > 1:
            spans = "; ".join(f"{p}: {', '.join(rs)}" for p, rs in parts.items())
            raise ValueError(f"regions span AWS partitions ({spans}); expected the regions of one partition "
                             "(put aws-cn or aws-us-gov regions in an environment of their own)")
        return v


class Allocation(Spec):
    env: Name = Field(description="Environment the block belongs to.")
    region: Region = Field(description="Region the block belongs to.")
    cidr: VpcBlock = Field(description="VPC CIDR block from the workspace pool (/16 to /28, private); never moves once assigned.")


class AccountRecord(Spec):
    """The AWS account vended to one environment of the space (blueprints with isolation: account)."""

    env: Name = Field(description="Environment the account belongs to; one account per environment, never moved.")
    account_id: str = Field(pattern=r"^\d{12}$", description="AWS account id Organizations assigned.")
    email: str = Field(min_length=3, max_length=254, description="Root email the account was created with.")
    state: Literal["active", "closed"] = Field("active", description="'closed' once the platform closed it (AWS keeps it suspended for 90 days).")
    created_at: str = Field(description="When the platform vended or found the account (ISO 8601, UTC).")
    closed_at: str | None = Field(None, description="When the platform closed the account (ISO 8601, UTC).")


class ServiceRecord(Spec):
    """A service generated for this space (`platform service new` records it)."""

    name: Name = Field(description="Service name (DNS-safe); unique in the space.")
    repository: Repo = Field(description="The service's CI repository (OWNER/REPO) its answers file records.")
    ci: Literal["github", "gitlab"] = Field(description="CI/CD provider of the repository.")
    template: str = Field(min_length=1, max_length=64, description="Template the repository was generated from.")
    template_version: str = Field(pattern=r"^\d+\.\d+\.\d+$", description="Template version it was generated (or last upgraded) with.")
    path: str | None = Field(None, max_length=1024, description="Where the repository was generated, relative to the workspace root (absent when outside it).")


class Space(Spec):
    """A team space: one team's environments, regions and access, from a blueprint."""

    SCHEMA_NAME: ClassVar[str] = "space"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    team: Name = Field(description="Team name (DNS-safe); must equal the file name.")
    description: str = Field("", description="What the team does.")
    owners: list[Email] = Field(default_factory=list, description="Owners' emails; they get budget alerts.")
    cost_center: TagValue = Field("unassigned", min_length=1, max_length=64, description="Cost center put on every resource's tags (letters, digits, spaces and _ . : / = + - @).")
    blueprint: str = Field(pattern=BLUEPRINT_REF, description="Blueprint as NAME@VERSION, e.g. standard@1.")
    environments: dict[Name, Environment] = Field(min_length=1, description="Environments by name, each with its regions.")
    ci_repos: list[Repo] = Field(default_factory=list, description="CI repositories allowed to deploy into this space through OIDC, each on its own provider: github:OWNER/REPO, gitlab:GROUP/PROJECT, or OWNER/REPO for GitHub.")
    services: list[ServiceRecord] = Field(default_factory=list, description="Services generated for this space, with their repository and template version.")
    allocations: list[Allocation] = Field(default_factory=list, description="Assigned CIDR blocks, one per env x region.")
    accounts: list[AccountRecord] = Field(default_factory=list, description="AWS accounts vended to this space's environments (isolation: account); ids never move, closed ones are kept with their date.")

    @model_validator(mode="after")
    def _allocations(self) -> "Space":
        seen: dict[tuple[str, str], int] = {}
        units = set(self.units())
        in_region: dict[str, list[tuple[int, Allocation]]] = {}  # the earlier allocations of each region
        for i, a in enumerate(self.allocations):
            key = (a.env, a.region)
            if key in seen:
                raise ValueError(f"allocations.{i}: {a.env}/{a.region} is allocated twice (also allocations.{seen[key]})")
            if key not in units:
                raise ValueError(f"allocations.{i}: {a.env}/{a.region} is not a region of an environment of this space; "
                                 "expected an allocation per environments.ENV.regions entry")
            seen[key] = i
            for j, b in in_region.get(a.region, ()):
                # regions may have address pools of their own (network_pools in platform.yaml), whose
                # blocks may repeat; the workspace checks blocks of one pool across regions
                if a.cidr.overlaps(b.cidr):
                    raise ValueError(f"allocations.{i}.cidr: {a.cidr} ({a.env}/{a.region}) overlaps allocations.{j}.cidr "
                                     f"{b.cidr} ({b.env}/{b.region}); every block must be distinct")
            in_region.setdefault(a.region, []).append((i, a))
        envs = [a.env for a in self.accounts]
        if len(set(envs)) != len(envs):
            raise ValueError(f"accounts: environment {sorted(e for e in set(envs) if envs.count(e) > 1)[0]!r} has two accounts; expected one per environment")
        for i, acct in enumerate(self.accounts):
            if acct.state == "active" and acct.env not in self.environments:
                raise ValueError(f"accounts.{i}: active account {acct.account_id} belongs to environment {acct.env!r}, which this space "
                                 "does not have; expected an environment of the space (close the account, or restore the environment)")
            if (acct.state == "closed") != (acct.closed_at is not None):
                raise ValueError(f"accounts.{i}: closed_at is set exactly when state is 'closed'")
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            raise ValueError(f"services: {sorted(n for n in set(names) if names.count(n) > 1)[0]!r} is recorded twice")
        return self

    @property
    def blueprint_name(self) -> str:
        return self.blueprint.split("@")[0]

    @property
    def blueprint_version(self) -> int:
        return int(self.blueprint.split("@")[1])

    def cidr(self, env: str, region: str) -> IPv4Network | None:
        return next((a.cidr for a in self.allocations if a.env == env and a.region == region), None)

    def account(self, env: str) -> AccountRecord | None:
        """The account vended to ENV, closed or not; None before it is vended."""
        return next((a for a in self.accounts if a.env == env), None)

    def units(self) -> list[tuple[str, str]]:
        """(env, region) pairs in declaration order."""
        return [(env, r) for env, e in self.environments.items() for r in e.regions]
