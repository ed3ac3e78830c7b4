"""Everything a unit's Pulumi program needs, as one JSON-serialisable model.

The same :class:`UnitInputs` drives the offline render (under mocks, in a worker
process) and the real deployment (the engine runs ``stacks.programs.program_for``
inline through the Automation API). Building it reads only the files the unit needs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import NotFoundError, SpecError, nearest
from ..model import Blueprint, Offering, Plan, Service
from ..model.workspace import CiHosts
from ..planning import names
from ..planning.accounts import ACCOUNT_PLACEHOLDER, env_account
from ..planning.images import digest_problem
from ..planning.tags import unit_tags
from ..servicespec import load_service
from ..units import UnitTarget


class ResolvedBinding(BaseModel):
    """A binding of a service with its offering and plan read from the marketplace."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Binding name from service.yaml.")
    offering: Offering = Field(description="The marketplace offering.")
    plan: Plan = Field(description="The chosen plan, with its sizing parameters.")


class UnitInputs(BaseModel):
    """Inputs of one unit's program: space/TEAM/ENV/REGION or service/TEAM/SERVICE/ENV/REGION."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(description="Unit id.")
    kind: Literal["space", "service"] = Field(description="Unit kind.")
    org: str = Field(description="Organisation (platform.yaml).")
    team: str = Field(description="Team owning the space.")
    env: str = Field(description="Environment.")
    region: str = Field(description="AWS region of the unit.")
    partition: str = Field("aws", description="AWS partition of the region (aws, aws-cn, aws-us-gov).")
    account_id: str = Field(description="AWS account id the unit deploys to; 'assigned-at-apply' "
                                        "(planning.accounts.ACCOUNT_PLACEHOLDER) before the environment's account is vended.")
    isolation: Literal["shared", "account"] = Field(
        "shared", description="The blueprint's isolation: 'shared' (the platform account) or 'account' (an account "
                              "per environment of the space).")
    platform_account_id: str | None = Field(
        None, description="The platform's own account (state bucket, secrets key, history table) when the unit "
                          "deploys into another one (isolation: account); None when it is account_id.")
    platform_role_arn: str | None = Field(
        None, description="Role of the platform in the unit's account that its space units' provider assumes "
                          "(isolation: account); None in the platform account.")
    tags: dict[str, str] = Field(description="Tags every taggable resource of the unit carries.")
    blueprint: Blueprint = Field(description="The space's blueprint.")
    cidr: str = Field(description="VPC CIDR block allocated to the space in this env and region.")
    owners: list[str] = Field(default_factory=list, description="Owners' emails (budget alerts).")
    ci_repos: list[str] = Field(default_factory=list, description="CI repositories allowed to deploy.")
    ci_hosts: CiHosts = Field(default_factory=CiHosts, description="The GitHub and GitLab hosts CI repositories are "
                                                                   "on (platform.yaml ci.hosts).")
    cost_center: str = Field("unassigned", description="Cost center.")
    env_regions: list[str] = Field(default_factory=list, description="Regions of the environment, in rollout order.")
    protected: bool = Field(False, description="Whether the environment is protected.")
    domains: dict[str, str] = Field(default_factory=dict, description="DNS names of the environment's services -> "
                                                                      "their Route 53 hosted zone ids.")
    budget: bool = Field(False, description="Whether this unit holds the environment's budget (its first region).")
    space_project: str = Field(description="Pulumi project of the space unit.")
    space_stack: str = Field(description="Pulumi stack of the space unit (ENV.REGION).")
    service: Service | None = Field(None, description="The service spec (service units).")
    bindings: list[ResolvedBinding] = Field(default_factory=list, description="Resolved bindings (service units).")
    release: str | None = Field(None, description="Image tag deployed (service units) or blueprint ref (space units).")
    local_endpoint: str | None = Field(None, description="Endpoint of the local cloud (moto) every AWS service is pointed at.")
    state_bucket: str | None = Field(
        None, description="S3 bucket of the shared Pulumi state backend the CI deploy role reads and writes; "
                          "None for a local file backend.")
    state_prefix: str = Field("", description="Key prefix of the Pulumi state in state_bucket (s3://BUCKET/PREFIX).")
    secrets_key_alias: str | None = Field(
        None, description="ARN of the KMS alias of the Pulumi secrets (and state bucket) key the CI deploy role "
                          "uses; None for a local file backend.")
    history_table_arn: str | None = Field(
        None, description="ARN of the shared DynamoDB table where deployments are recorded and rollout locks taken "
                          "(history.store dynamodb, or an s3:// state backend); None when both stay in the workspace "
                          "(SQLite history, local backend).")

    @property
    def account_pending(self) -> bool:
        """The unit's account is not vended yet (its id is the placeholder)."""
        return self.account_id == ACCOUNT_PLACEHOLDER

    @property
    def naming_account(self) -> str:
        """The account that globally unique names (S3 buckets) derive from: the platform's, so that a name is
        known before an environment's account is vended and never changes when it is."""
        return self.platform_account_id or self.account_id

    @property
    def prefix(self) -> str:
        """Prefix of the unit's resource names, e.g. payments-prod-euc1."""
        return names.space_prefix(self.team, self.env, self.region)

    @property
    def stack_reference(self) -> str:
        return f"organization/{self.space_project}/{self.space_stack}"


def _state_backend(ws) -> dict:
    """The shared state bucket and secrets key alias of the workspace (platform.yaml), when it uses S3."""
    if not ws.config.state.url.startswith("s3://"):
        return {}
    from ..aws.bootstrap import shared_names

    shared = shared_names(ws)
    key = shared.kms_key
    if key.startswith("alias/"):
        key = f"arn:{ws.catalog.partition(shared.kms_region)}:kms:{shared.kms_region}:{ws.config.cloud.account_id}:{key}"
    elif not key.startswith("arn:"):
        key = f"arn:{ws.catalog.partition(shared.kms_region)}:kms:{shared.kms_region}:{ws.config.cloud.account_id}:key/{key}"
    return {"state_bucket": shared.state_bucket, "state_prefix": shared.state_prefix, "secrets_key_alias": key}


def _history_table(ws) -> dict:
    """The history table's ARN when rollout locks live in DynamoDB (``ws.uses_shared_table``)."""
    cfg = ws.config
    if not ws.uses_shared_table:
        return {}
    region = cfg.cloud.default_region
    return {"history_table_arn":
            f"arn:{ws.catalog.partition(region)}:dynamodb:{region}:{cfg.cloud.account_id}:table/{cfg.history.table}"}


def account_fields(account) -> dict:
    """The fields of :class:`UnitInputs` that say where a unit deploys (:class:`~..planning.accounts.UnitAccount`)."""
    return dict(account_id=account.account_id, isolation=account.isolation,
                platform_account_id=account.platform_account_id if account.isolation == "account" else None,
                platform_role_arn=account.platform_role_arn)


def _check_https(service: Service, service_path, team: str, env: str, region: str, environment) -> None:
    """A service's HTTPS settings against its space: a certificate for the region, or a hosted zone of one of the
    environment's domains covering the service's domain."""
    from ..planning.domains import serving_domain

    https = service.environments[env].https if env in service.environments else None
    if https is None:
        return
    where = f"{service_path}: environments.{env}.https"
    if https.certificate_arns and region not in https.certificate_arns:
        raise SpecError(f"{where}.certificate_arns: no certificate for {region}; expected an ACM certificate ARN of "
                        "each region of the environment", file=str(service_path))
    if not https.hosted_zone_id:
        return
    domains = {d.name: d.hosted_zone_id for d in environment.domains}
    served = serving_domain(https.domain, domains)
    if served is None or domains[served] != https.hosted_zone_id:
        known = ", ".join(f"{n} ({z})" for n, z in domains.items()) or "none"
        raise SpecError(f"{where}: {https.domain} in zone {https.hosted_zone_id} is not under a domain of space "
                        f"{team}/{env} (domains: {known}); expected one of them, or a name one label below one, "
                        "with its hosted zone", file=str(service_path),
                        hint=f"add the domain to spaces/{team}.yaml environments.{env}.domains and apply the space, "
                             "or give certificate_arns")


def build_unit_inputs(ws, target: UnitTarget, *, local_endpoint: str | None = None) -> UnitInputs:
    """Read the workspace, space, blueprint (and service.yaml) a unit needs into :class:`UnitInputs`."""
    try:
        parts = names.parse_unit(target.unit)
    except ValueError as exc:
        raise SpecError(f"{exc}: expected space/TEAM/ENV/REGION or service/TEAM/SERVICE/ENV/REGION") from None
    team, env, region = parts["team"], parts["env"], parts["region"]
    space = ws.space(team)
    if env not in space.environments:
        near = nearest(env, list(space.environments))
        raise NotFoundError(f"space {team} has no environment {env!r}" + (f"; did you mean {near!r}?" if near else "")
                            + f" (environments: {', '.join(space.environments)})",
                            hint=f"create it with `platform space add-region {team} --env {env} REGION --new-env`")
    environment = space.environments[env]
    if region not in environment.regions:
        raise NotFoundError(f"space {team}/{env} has no region {region} (regions: {', '.join(environment.regions)})",
                            hint=f"add it with `platform space add-region {team} --env {env} {region}`")
    cidr = space.cidr(env, region)
    if cidr is None:
        raise SpecError(f"spaces/{team}.yaml: allocations: no CIDR block for {env}/{region}",
                        file=str(ws.space_path(team)), hint="`platform space add-region` allocates one")
    bp = ws.catalog.blueprint(space.blueprint)
    space_unit = names.space_unit(team, env, region)
    partition = ws.catalog.partition(region)
    account = env_account(ws.config, bp, space, env, partition)
    common = dict(
        org=ws.config.org, team=team, env=env, region=region, partition=partition,
        **account_fields(account), blueprint=bp, cidr=str(cidr), owners=list(space.owners),
        ci_repos=list(space.ci_repos), ci_hosts=ws.config.ci.hosts, cost_center=space.cost_center, env_regions=list(environment.regions),
        protected=environment.protected, budget=region == environment.regions[0],
        domains={d.name: d.hosted_zone_id for d in environment.domains},
        space_project=names.pulumi_project(space_unit), space_stack=names.pulumi_stack(space_unit),
        local_endpoint=local_endpoint, **_state_backend(ws), **_history_table(ws),
    )
    if parts["kind"] == "space":
        tags = unit_tags(team=team, env=env, blueprint=bp.ref, cost_center=space.cost_center)
        return UnitInputs(unit=target.unit, kind="space", tags=tags, release=target.release or bp.ref, **common)

    if not target.service_file:
        raise SpecError(f"unit {target.unit}: a service unit needs the path of its service.yaml")
    service, service_path = load_service(target.service_file)
    if service.name != parts["service"]:
        raise SpecError(f"{service_path}: name: {service.name!r} does not match unit {target.unit}", file=str(service_path))
    if service.space != team:
        raise SpecError(f"{service_path}: space: {service.space!r} does not match unit {target.unit}", file=str(service_path))
    _check_https(service, service_path, team, env, region, environment)
    bindings = []
    for i, b in enumerate(service.bindings):
        offering = ws.catalog.offering(b.offering)
        plan = offering.plan(b.plan)
        if plan is None:
            raise NotFoundError(
                f"{service_path}: bindings.{i}.plan: offering {b.offering} has no plan {b.plan!r}; "
                f"expected one of: {', '.join(p.name for p in offering.plans)}",
                hint="`platform marketplace show " + b.offering + "` lists its plans")
        bindings.append(ResolvedBinding(name=b.name, offering=offering, plan=plan))
    if target.release and (problem := digest_problem(target.release, protected=False, env=env)):
        raise SpecError(f"unit {target.unit}: release {target.release!r}: {problem}")
    tags = unit_tags(team=team, env=env, blueprint=bp.ref, cost_center=space.cost_center, service=service.name)
    return UnitInputs(unit=target.unit, kind="service", tags=tags, service=service, bindings=bindings,
                      release=target.release or service.image.tag, **common)
