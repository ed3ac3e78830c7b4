"""blueprints/<name>/<version>.yaml: what a team space contains."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from .base import Name, Region, Spec, SchemaVersion


class NetworkSpec(Spec):
    cidr_prefix: int = Field(20, ge=16, le=26, description="Prefix length of each env x region block taken from the workspace pool (/20 = 4096 addresses).")
    azs: int = Field(2, ge=1, le=4, description="Availability zones to spread public and private subnets over.")
    nat: Literal["none", "single", "per_az"] = Field("single", description="NAT gateways: none, one shared, or one per AZ.")
    flow_logs: bool = Field(False, description="Send VPC flow logs to the space's log group.")


class BucketSpec(Spec):
    versioning: bool = Field(True, description="Keep object versions.")
    noncurrent_expiry_days: int = Field(90, ge=1, description="Delete non-current versions after this many days.")


class RegistrySpec(Spec):
    scan_on_push: bool = Field(True, description="Scan images for vulnerabilities on push.")
    immutable_tags: bool = Field(True, description="Refuse to overwrite an existing image tag.")
    keep_images: int = Field(50, ge=1, description="Lifecycle: keep this many most recent images.")


class BaselineSpec(Spec):
    kms_rotation: bool = Field(True, description="Rotate the space's KMS key yearly.")
    log_retention_days: int = Field(30, description="Retention of the space's CloudWatch log group.")
    artifact_bucket: BucketSpec = Field(default_factory=BucketSpec, description="Artifact bucket settings.")
    registry: RegistrySpec = Field(default_factory=RegistrySpec, description="Container registry (ECR) settings.")
    container_insights: bool = Field(True, description="Enable CloudWatch Container Insights on the ECS cluster.")

    @model_validator(mode="after")
    def _retention(self) -> "BaselineSpec":
        allowed = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
        if self.log_retention_days not in allowed:
            raise ValueError(f"log_retention_days must be one of CloudWatch's values {sorted(allowed)}")
        return self


class GitLabSpec(Spec):
    enabled: bool = Field(False, description="Trust GitLab's OIDC provider for CI deploy roles.")
    url: str = Field("https://gitlab.com", description="GitLab instance URL (its OIDC issuer), used when platform.yaml has no ci.hosts.gitlab (which then wins).")


class AccessSpec(Spec):
    team_roles: list[Literal["developer", "read-only"]] = Field(
        default_factory=lambda: ["developer", "read-only"], description="Roles created for the team's people."
    )
    github_oidc: bool = Field(True, description="Trust GitHub Actions' OIDC provider for the CI deploy role.")
    gitlab: GitLabSpec = Field(default_factory=GitLabSpec, description="GitLab CI OIDC trust.")
    permission_boundary: bool = Field(True, description="Attach a permission boundary that keeps roles inside resources tagged with the space.")
    max_session_hours: int = Field(1, ge=1, le=12, description="Maximum session duration of the team's roles.")


class BudgetSpec(Spec):
    monthly_limit_usd: float = Field(500.0, gt=0, description="Monthly budget per environment, in USD.")
    alert_percentages: list[int] = Field(default_factory=lambda: [80, 100], description="Notify the owners at these percentages of the limit (forecast and actual).")


class Guardrails(Spec):
    allowed_offerings: list[str] = Field(default_factory=list, description="Marketplace offerings a service may bind; empty means all.")
    allowed_plans: dict[str, list[str]] = Field(default_factory=dict, description="Per offering, the plans allowed; an offering not listed allows all its plans.")
    allow_paid_plans: bool = Field(False, description="Whether plans marked paid may be bound.")
    allowed_regions: list[Region] = Field(default_factory=list, description="Regions a space of this blueprint may use; empty means the workspace's list.")
    required_tags: list[str] = Field(
        default_factory=lambda: ["platform:team", "platform:env", "platform:space", "platform:blueprint", "platform:managed-by", "cost-center"],
        description="Tags every taggable resource must carry.",
    )
    cost_ceiling_usd: float = Field(2000.0, gt=0, description="Largest monthly cost estimate a single unit may have.")
    protected_services: list[Literal["cloudtrail", "guardduty", "config"]] = Field(
        default_factory=list,
        description="Security services Cloud & Tools runs in vended accounts (isolation: account); the service control "
                    "policy denies stopping, deleting or reconfiguring them to everyone but the platform role.",
    )


class PreviewsSpec(Spec):
    enabled: bool = Field(True, description="Whether pull requests may get previews in the space's unprotected environment.")
    max_open: int = Field(3, ge=0, le=50, description="Previews that may be open at once in one space.")
    ttl_hours: int = Field(72, ge=1, le=720, description="Hours after which a preview is destroyed, whatever its pull request.")


class Blueprint(Spec):
    """A versioned recipe for a team space, maintained by Cloud & Tools."""

    SCHEMA_NAME: ClassVar[str] = "blueprint"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    name: Name = Field(description="Blueprint name; must equal the folder name.")
    version: int = Field(ge=1, description="Blueprint version; must equal the file name (1.yaml is version 1).")
    description: str = Field("", description="What this blueprint is for and what changed in this version.")
    isolation: Literal["shared", "account"] = Field(
        "shared",
        description="How a space is kept apart: 'shared' puts every space in the platform account, separated by names, "
                    "tags and boundaries; 'account' gives each environment of a space an AWS account of its own, vended "
                    "into the organization's OUs and fenced by service control policies.",
    )
    network: NetworkSpec = Field(default_factory=NetworkSpec, description="VPC layout.")
    baseline: BaselineSpec = Field(default_factory=BaselineSpec, description="Shared resources of every space unit.")
    access: AccessSpec = Field(default_factory=AccessSpec, description="Roles and CI trust.")
    budget: BudgetSpec = Field(default_factory=BudgetSpec, description="Budget and alerts per environment.")
    guardrails: Guardrails = Field(default_factory=Guardrails, description="What spaces and services of this blueprint may do.")
    previews: PreviewsSpec = Field(default_factory=PreviewsSpec, description="Previews of pull requests: whether, how many, how long.")

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"
