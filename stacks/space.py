"""Components of a team space unit: Network, Baseline, Access and Budget."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from platform_cli.planning.ci_hosts import OidcHost
from platform_cli.planning.names import resource_name

from . import iam
from .storage import SecureBucket, SecureBucketArgs
from .subnets import split_subnets

CI_POLICY_PARTS = ("release", "deploy", "deploy-create", "deploy-tag", "deploy-named")
"""The managed policies of the CI deploy role (:func:`stacks.iam.ci_deploy_policies`), each within IAM's size limit."""


def _named(tags: dict[str, str], name: str) -> dict[str, str]:
    return {**tags, "Name": name}


# Network ----------------------------------------------------------------------------------------

@dataclass
class NetworkArgs:
    prefix: str
    cidr: str
    azs: int
    nat: str  # none | single | per_az
    tags: dict[str, str]
    flow_logs: bool = False
    flow_log_group_arn: pulumi.Input[str] | None = None
    account_id: str = ""


class Network(pulumi.ComponentResource):
    """VPC from the allocated block; public and private subnets per AZ; internet gateway; NAT per blueprint."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:space:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        layout = split_subnets(args.cidr, args.azs)
        zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=self))
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr, enable_dns_support=True, enable_dns_hostnames=True,
                               tags=_named(args.tags, f"{args.prefix}-vpc"), opts=child)
        # The default security group of a VPC allows all traffic between members: empty it.
        self.default_sg = aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id,
                                                       tags=_named(args.tags, f"{args.prefix}-default"), opts=child)
        self.igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id,
                                           tags=_named(args.tags, f"{args.prefix}-igw"), opts=child)
        self.public_subnets: list[aws.ec2.Subnet] = []
        self.private_subnets: list[aws.ec2.Subnet] = []
        for i in range(args.azs):
            az = zones.names.apply(lambda n, i=i: n[i % len(n)])
            self.public_subnets.append(aws.ec2.Subnet(
                f"{name}-public-{i}", vpc_id=self.vpc.id, cidr_block=str(layout.public[i]), availability_zone=az,
                map_public_ip_on_launch=False, tags=_named({**args.tags, "platform:tier": "public"}, f"{args.prefix}-public-{i}"),
                opts=child))
            self.private_subnets.append(aws.ec2.Subnet(
                f"{name}-private-{i}", vpc_id=self.vpc.id, cidr_block=str(layout.private[i]), availability_zone=az,
                tags=_named({**args.tags, "platform:tier": "private"}, f"{args.prefix}-private-{i}"), opts=child))
        self.public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=self.vpc.id,
                                            tags=_named(args.tags, f"{args.prefix}-public"), opts=child)
        aws.ec2.Route(f"{name}-public-default", route_table_id=self.public_rt.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=self.igw.id, opts=child)
        for i, subnet in enumerate(self.public_subnets):
            aws.ec2.RouteTableAssociation(f"{name}-public-{i}-rta", subnet_id=subnet.id, route_table_id=self.public_rt.id,
                                          opts=child)
        nat_count = {"none": 0, "single": 1, "per_az": args.azs}[args.nat]
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-{i}-eip", domain="vpc", tags=_named(args.tags, f"{args.prefix}-nat-{i}"),
                              opts=child)
            self.nat_gateways.append(aws.ec2.NatGateway(
                f"{name}-nat-{i}", allocation_id=eip.allocation_id, subnet_id=self.public_subnets[i].id,
                tags=_named(args.tags, f"{args.prefix}-nat-{i}"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.igw])))
        for i, subnet in enumerate(self.private_subnets):
            rt = aws.ec2.RouteTable(f"{name}-private-{i}-rt", vpc_id=self.vpc.id,
                                    tags=_named(args.tags, f"{args.prefix}-private-{i}"), opts=child)
            if self.nat_gateways:
                nat = self.nat_gateways[i % len(self.nat_gateways)]
                aws.ec2.Route(f"{name}-private-{i}-default", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0",
                              nat_gateway_id=nat.id, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{i}-rta", subnet_id=subnet.id, route_table_id=rt.id, opts=child)
        if args.flow_logs and args.flow_log_group_arn is not None:
            role = aws.iam.Role(f"{name}-flow-logs-role", name=resource_name(args.prefix, "flow-logs", max_len=64),
                                assume_role_policy=iam.to_json(iam.service_trust("vpc-flow-logs", args.account_id)),
                                tags=args.tags, opts=child)
            aws.iam.RolePolicy(f"{name}-flow-logs-policy", role=role.id,
                               policy=pulumi.Output.from_input(args.flow_log_group_arn).apply(
                                   lambda a: iam.to_json(iam.flow_logs_policy(a))), opts=child)
            aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=self.vpc.id, traffic_type="ALL",
                            log_destination_type="cloud-watch-logs", log_destination=args.flow_log_group_arn,
                            iam_role_arn=role.arn, tags=args.tags, opts=child)
        self.vpc_id = self.vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in self.public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in self.private_subnets])
        self.register_outputs({"vpc_id": self.vpc_id, "public_subnet_ids": self.public_subnet_ids,
                               "private_subnet_ids": self.private_subnet_ids})


# Baseline ---------------------------------------------------------------------------------------

@dataclass
class BaselineArgs:
    prefix: str
    partition: str
    region: str
    account_id: str
    kms_rotation: bool
    log_retention_days: int
    artifact_bucket_name: str
    versioning: bool
    noncurrent_expiry_days: int
    scan_on_push: bool
    immutable_tags: bool
    keep_images: int
    container_insights: bool
    tags: dict[str, str]
    protected: bool = False


class Baseline(pulumi.ComponentResource):
    """KMS key, encrypted log group, artifact bucket, container registry and ECS cluster of a space."""

    def __init__(self, name: str, args: BaselineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:space:Baseline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key", description=f"Encryption key of space {args.prefix}", enable_key_rotation=args.kms_rotation,
            deletion_window_in_days=30, policy=iam.to_json(iam.kms_key_policy(args.partition, args.region, args.account_id)),
            tags=args.tags, opts=child)
        self.alias = aws.kms.Alias(f"{name}-key-alias", name=f"alias/{args.prefix}", target_key_id=self.key.key_id, opts=child)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/platform/{args.prefix}", retention_in_days=args.log_retention_days,
            kms_key_id=self.key.arn, tags=args.tags, opts=child)
        self.artifacts = SecureBucket(f"{name}-artifacts", SecureBucketArgs(
            bucket_name=args.artifact_bucket_name, kms_key_arn=self.key.arn, tags=args.tags, versioning=args.versioning,
            noncurrent_expiry_days=args.noncurrent_expiry_days, force_destroy=not args.protected), opts=child)
        self.registry = aws.ecr.Repository(
            f"{name}-registry", name=args.prefix, image_tag_mutability="IMMUTABLE" if args.immutable_tags else "MUTABLE",
            image_scanning_configuration={"scan_on_push": args.scan_on_push},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": self.key.arn}],
            force_delete=not args.protected, tags=args.tags, opts=child)
        aws.ecr.LifecyclePolicy(f"{name}-registry-lifecycle", repository=self.registry.name, policy=iam.to_json({"rules": [{
            "rulePriority": 1, "description": f"keep the {args.keep_images} most recent images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": args.keep_images},
            "action": {"type": "expire"}}]}), opts=child)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster", name=args.prefix,
            settings=[{"name": "containerInsights", "value": "enabled" if args.container_insights else "disabled"}],
            tags=args.tags, opts=child)
        self.register_outputs({"kms_key_arn": self.key.arn, "log_group_name": self.log_group.name,
                               "artifact_bucket": self.artifacts.name, "ecr_repository_url": self.registry.repository_url,
                               "ecs_cluster_arn": self.cluster.arn})


# Access -----------------------------------------------------------------------------------------

@dataclass
class AccessArgs:
    prefix: str
    space: str
    team: str
    env: str
    partition: str
    region: str
    account_id: str
    ci_repos: list[str]
    ecr_arn: pulumi.Input[str]
    tags: dict[str, str]
    bucket_prefix: str  # every bucket of the space starts with it (planning.names.bucket_prefix)
    team_roles: list[str] = field(default_factory=lambda: ["developer", "read-only"])
    github: OidcHost | None = iam.GITHUB_DOT_COM  # the GitHub host CI repositories are on (None: not trusted)
    gitlab: OidcHost | None = None  # the GitLab host (None: not trusted)
    permission_boundary: bool = True
    max_session_hours: int = 1
    protected: bool = False
    state_bucket: str | None = None  # the shared Pulumi state backend (None: a local file backend)
    state_prefix: str = ""
    secrets_key_alias: str | None = None  # ARN of the alias of the Pulumi secrets key
    history_table: str | None = None  # ARN of the shared deployment history table (None: history kept locally)
    state_account: str | None = None  # the platform's account holding the state bucket (None: account_id)
    service_linked_roles: bool = True  # the CI role may create the service-linked roles a first deploy needs
    domains: dict[str, str] = field(default_factory=dict)  # the services' DNS names -> hosted zone (alias records)


class Access(pulumi.ComponentResource):
    """Team roles, the CI deploy role trusted through OIDC, and the permission boundary keeping them in the space."""

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:space:Access", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        p, r, a = args.partition, args.region, args.account_id
        self.boundary = None
        boundary_arn = None
        if args.permission_boundary:
            self.boundary = aws.iam.Policy(
                f"{name}-boundary", name=resource_name(args.prefix, "boundary", max_len=128),
                description=f"Keeps roles of space {args.space} inside resources tagged with it",
                policy=iam.to_json(iam.permission_boundary(p, r, a, args.space, args.prefix,
                                                            bucket_prefix=args.bucket_prefix)),
                tags=args.tags, opts=child)
            boundary_arn = self.boundary.arn
        session = args.max_session_hours * 3600
        self.roles: dict[str, aws.iam.Role] = {}
        documents = {"developer": iam.developer_policy(p, r, a, args.space, args.prefix),
                     "read-only": iam.readonly_policy(p, r, a, args.space, args.prefix)}
        for role in args.team_roles:
            self.roles[role] = aws.iam.Role(
                f"{name}-{role}", name=resource_name(args.prefix, role, max_len=64), assume_role_policy=iam.to_json(iam.team_trust(p, a, args.team)),
                max_session_duration=session, permissions_boundary=boundary_arn, tags=args.tags, opts=child)
            aws.iam.RolePolicy(f"{name}-{role}-policy", role=self.roles[role].id, policy=iam.to_json(documents[role]),
                               opts=child)
        ci_boundary_arn = None
        if args.permission_boundary:
            ci_boundary = pulumi.Output.from_input(args.ecr_arn).apply(lambda ecr: iam.to_json(iam.ci_boundary(
                p, r, a, args.space, args.prefix, ecr, bucket_prefix=args.bucket_prefix,
                boundary=iam.boundary_arn(p, a, args.prefix), team=args.team, env=args.env,
                state_bucket=args.state_bucket, state_prefix=args.state_prefix, secrets_key=args.secrets_key_alias,
                history_table=args.history_table, service_linked_roles=args.service_linked_roles,
                state_account=args.state_account or a, domains=args.domains)))
            self.ci_boundary = aws.iam.Policy(
                f"{name}-ci-boundary", name=resource_name(args.prefix, "ci-boundary", max_len=128),
                description=f"Keeps the CI deploy role of space {args.space} to deploying the space's services",
                policy=ci_boundary, tags=args.tags, opts=child)
            ci_boundary_arn = self.ci_boundary.arn
        self.ci_role = aws.iam.Role(
            f"{name}-ci-deploy", name=resource_name(args.prefix, "ci-deploy", max_len=64),
            assume_role_policy=iam.to_json(iam.ci_trust(p, a, args.ci_repos, args.env, protected=args.protected,
                                                        github=args.github, gitlab=args.gitlab)),
            max_session_duration=session, permissions_boundary=ci_boundary_arn, tags=args.tags, opts=child)
        # Managed policies: the deploy grants exceed what IAM allows inline on one role.
        space_boundary = iam.boundary_arn(p, a, args.prefix) if args.permission_boundary else None
        ci_args = dict(bucket_prefix=args.bucket_prefix, boundary=space_boundary, team=args.team, env=args.env,
                       state_bucket=args.state_bucket, state_prefix=args.state_prefix,
                       secrets_key=args.secrets_key_alias, history_table=args.history_table,
                       service_linked_roles=args.service_linked_roles, state_account=args.state_account or a,
                       domains=args.domains)
        documents_out = pulumi.Output.from_input(args.ecr_arn).apply(
            lambda ecr: iam.ci_deploy_policies(p, r, a, args.space, args.prefix, ecr, **ci_args))
        for part in CI_POLICY_PARTS:
            policy = aws.iam.Policy(f"{name}-ci-{part}", name=resource_name(args.prefix, "ci", part, max_len=128),
                                    description=f"CI deploy of space {args.space}: {part}",
                                    policy=documents_out.apply(lambda d, part=part: iam.to_json(d[part])),
                                    tags=args.tags, opts=child)
            aws.iam.RolePolicyAttachment(f"{name}-ci-{part}-attachment", role=self.ci_role.name, policy_arn=policy.arn,
                                         opts=child)
        self.register_outputs({"ci_role_arn": self.ci_role.arn,
                               **{f"{k}_role_arn": v.arn for k, v in self.roles.items()}})


# Budget -----------------------------------------------------------------------------------------

@dataclass
class BudgetArgs:
    name: str
    space: str
    account_id: str
    limit_usd: float
    alert_percentages: list[int]
    owners: list[str]
    tags: dict[str, str]
    whole_account: bool = False  # the account holds this environment alone (isolation: account): count all its costs


class Budget(pulumi.ComponentResource):
    """Monthly cost budget of an environment (all its regions) with alerts to the owners: in a shared account the
    costs tagged with the space, in an account of the environment's own everything that account costs."""

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:space:Budget", name, None, opts)
        notifications = []
        if args.owners:
            for pct in args.alert_percentages:
                for kind in ("ACTUAL", "FORECASTED"):
                    notifications.append({"comparison_operator": "GREATER_THAN", "threshold": pct,
                                          "threshold_type": "PERCENTAGE", "notification_type": kind,
                                          "subscriber_email_addresses": list(args.owners)})
        self.budget = aws.budgets.Budget(
            f"{name}-budget", name=args.name, account_id=args.account_id, budget_type="COST",
            limit_amount=f"{args.limit_usd:.2f}", limit_unit="USD", time_unit="MONTHLY",
            cost_filters=None if args.whole_account else [{"name": "TagKeyValue", "values": [f"user:platform:space${args.space}"]}],
            notifications=notifications, tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"budget_name": self.budget.name})
