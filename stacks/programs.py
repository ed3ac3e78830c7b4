"""Pulumi programs of the two unit kinds, built from :class:`UnitInputs`.

The engine runs these inline through the Automation API; the offline render runs the
very same functions under mocks.
"""

from __future__ import annotations

from collections.abc import Callable

from platform_cli.planning.names import bucket_name, bucket_prefix, resource_name, secret_name, service_prefix, space_name
from platform_cli.render.inputs import UnitInputs

SPACE_OUTPUTS = (
    "vpc_id", "vpc_cidr", "public_subnet_ids", "private_subnet_ids", "kms_key_arn", "log_group_name", "log_group_arn",
    "artifact_bucket", "ecr_repository_url", "ecr_repository_arn", "ecs_cluster_arn", "ecs_cluster_name",
    "ci_role_arn", "developer_role_arn", "readonly_role_arn", "permission_boundary_arn", "certificate_arns",
)
"""Stack outputs of a space unit; service units read them through a StackReference."""


def program_for(inputs: UnitInputs) -> Callable[[], None]:
    """The Pulumi program of a unit."""
    if inputs.kind == "space":
        return lambda: space_program(inputs)
    return lambda: service_program(inputs)


def _provider(inputs: UnitInputs):
    from platform_cli.planning.accounts import assumed_role

    from .provider import make_provider, session_name

    role = assumed_role(inputs.kind, inputs.platform_role_arn, local=bool(inputs.local_endpoint))
    return make_provider("aws", inputs.region, account_id=inputs.account_id, local_endpoint=inputs.local_endpoint,
                         assume_role_arn=role, session=session_name(inputs.unit) if role else None)


def space_program(inputs: UnitInputs) -> None:
    import pulumi

    from platform_cli.planning.ci_hosts import oidc_host

    from .dns import Certificates, CertificatesArgs
    from .space import Access, AccessArgs, Baseline, BaselineArgs, Budget, BudgetArgs, Network, NetworkArgs

    bp = inputs.blueprint
    prefix = inputs.prefix
    space = space_name(inputs.team, inputs.env)
    provider = _provider(inputs)
    opts = pulumi.ResourceOptions(provider=provider)
    baseline = Baseline(f"{prefix}-baseline", BaselineArgs(
        prefix=prefix, partition=inputs.partition, region=inputs.region, account_id=inputs.account_id,
        kms_rotation=bp.baseline.kms_rotation, log_retention_days=bp.baseline.log_retention_days,
        artifact_bucket_name=bucket_name(inputs.org, inputs.team, inputs.env, inputs.region, "artifacts", inputs.naming_account),
        versioning=bp.baseline.artifact_bucket.versioning,
        noncurrent_expiry_days=bp.baseline.artifact_bucket.noncurrent_expiry_days,
        scan_on_push=bp.baseline.registry.scan_on_push, immutable_tags=bp.baseline.registry.immutable_tags,
        keep_images=bp.baseline.registry.keep_images, container_insights=bp.baseline.container_insights,
        tags=inputs.tags, protected=inputs.protected), opts=opts)
    network = Network(f"{prefix}-network", NetworkArgs(
        prefix=prefix, cidr=inputs.cidr, azs=bp.network.azs, nat=bp.network.nat, tags=inputs.tags,
        flow_logs=bp.network.flow_logs, flow_log_group_arn=baseline.log_group.arn, account_id=inputs.account_id),
        opts=opts)
    access = Access(f"{prefix}-access", AccessArgs(
        prefix=prefix, space=space, team=inputs.team, env=inputs.env, partition=inputs.partition, region=inputs.region,
        account_id=inputs.account_id, ci_repos=inputs.ci_repos, ecr_arn=baseline.registry.arn, tags=inputs.tags,
        bucket_prefix=bucket_prefix(inputs.org, inputs.team, inputs.env, inputs.region),
        team_roles=list(bp.access.team_roles), github=oidc_host(inputs.ci_hosts, "github", bp),
        gitlab=oidc_host(inputs.ci_hosts, "gitlab", bp),
        permission_boundary=bp.access.permission_boundary, max_session_hours=bp.access.max_session_hours,
        protected=inputs.protected, state_bucket=inputs.state_bucket, state_prefix=inputs.state_prefix,
        secrets_key_alias=inputs.secrets_key_alias, history_table=inputs.history_table_arn,
        state_account=inputs.platform_account_id, service_linked_roles=True,
        domains=dict(inputs.domains)), opts=opts)
    certificates = (Certificates(f"{prefix}-certificates", CertificatesArgs(domains=dict(inputs.domains),
                                                                            tags=inputs.tags), opts=opts)
                    if inputs.domains else None)
    if inputs.budget:
        Budget(f"{resource_name(inputs.team, inputs.env)}-budget", BudgetArgs(
            name=resource_name(inputs.org, inputs.team, inputs.env, max_len=100), space=space, account_id=inputs.account_id,
            limit_usd=bp.budget.monthly_limit_usd, alert_percentages=list(bp.budget.alert_percentages),
            owners=list(inputs.owners), tags=inputs.tags, whole_account=inputs.isolation == "account"), opts=opts)
    outputs = {
        "vpc_id": network.vpc.id, "vpc_cidr": network.vpc.cidr_block,
        "public_subnet_ids": network.public_subnet_ids, "private_subnet_ids": network.private_subnet_ids,
        "kms_key_arn": baseline.key.arn, "log_group_name": baseline.log_group.name, "log_group_arn": baseline.log_group.arn,
        "artifact_bucket": baseline.artifacts.name, "ecr_repository_url": baseline.registry.repository_url,
        "ecr_repository_arn": baseline.registry.arn, "ecs_cluster_arn": baseline.cluster.arn,
        "ecs_cluster_name": baseline.cluster.name, "ci_role_arn": access.ci_role.arn,
        "developer_role_arn": access.roles["developer"].arn if "developer" in access.roles else "",
        "readonly_role_arn": access.roles["read-only"].arn if "read-only" in access.roles else "",
        "permission_boundary_arn": access.boundary.arn if access.boundary is not None else "",
        "certificate_arns": certificates.certificate_arns if certificates else {},
    }
    for key in SPACE_OUTPUTS:
        pulumi.export(key, outputs[key])


def service_image(inputs: UnitInputs, ecr_repository_url):
    """The image a service unit runs: the service's own repository, or the space's registry tagged SERVICE-RELEASE;
    by digest (REPO@sha256:...) when the release carries the digest its push got (planning.images)."""
    import pulumi

    from platform_cli.planning.images import service_image_ref

    svc = inputs.service
    release = inputs.release or svc.image.tag
    if svc.image.repository:
        return pulumi.Output.from_input(service_image_ref(svc.image.repository, svc.name, release, own_repository=True))
    return pulumi.Output.from_input(ecr_repository_url).apply(
        lambda url: service_image_ref(url, svc.name, release, own_repository=False))


def service_program(inputs: UnitInputs) -> None:
    import pulumi

    from .service import BindingSpec, ServiceApp, ServiceAppArgs, https_args

    from platform_cli.planning.images import digest_problem

    svc = inputs.service
    assert svc is not None, "service units carry their service spec"
    deployed = pulumi.Config("platform").get("release")  # the release the engine deploys (engine.settings)
    if deployed and (problem := digest_problem(deployed, protected=inputs.protected, env=inputs.env)):
        raise pulumi.RunError(f"stack config platform:release {deployed!r}: {problem}")
    provider = _provider(inputs)
    space = pulumi.StackReference(inputs.stack_reference)
    out = space.get_output
    prefix = service_prefix(inputs.team, inputs.env, inputs.region, svc.name)
    bindings = [BindingSpec(
        name=b.name, offering=b.offering.name, plan=b.plan.name, parameters=dict(b.plan.parameters),
        binding_type=b.offering.binding_type, provider_name=b.offering.provider, keys=list(b.offering.binding_keys),
        bucket_name=bucket_name(inputs.org, inputs.team, inputs.env, inputs.region, svc.name, inputs.naming_account, b.name),
        secret_name=secret_name(inputs.team, inputs.env, inputs.region, svc.name, b.name),
    ) for b in inputs.bindings]
    app = ServiceApp(prefix, ServiceAppArgs(
        service=svc.name, prefix=prefix, kind=svc.kind, image=service_image(inputs, out("ecr_repository_url")),
        port=svc.port, health_path=svc.health_path, health_command=list(svc.health_command), cpu=svc.cpu,
        memory=svc.memory, min_tasks=svc.scaling.min,
        max_tasks=svc.scaling.max, cpu_target=svc.scaling.cpu_target, partition=inputs.partition, region=inputs.region,
        account_id=inputs.account_id, vpc_id=out("vpc_id"), vpc_cidr=out("vpc_cidr"),
        private_subnet_ids=out("private_subnet_ids"), public_subnet_ids=out("public_subnet_ids"),
        cluster_arn=out("ecs_cluster_arn"), cluster_name=out("ecs_cluster_name"), log_group_name=out("log_group_name"),
        log_group_arn=out("log_group_arn"), kms_key_arn=out("kms_key_arn"), ecr_repository_arn=out("ecr_repository_arn"),
        permission_boundary_arn=out("permission_boundary_arn").apply(lambda v: v or None),
        tags=inputs.tags, env=dict(svc.env), bindings=bindings, protected=inputs.protected, **https_args(inputs, out)),
        opts=pulumi.ResourceOptions(provider=provider))
    pulumi.export("service_name", app.service.name)
    pulumi.export("url", app.url)
    pulumi.export("image", service_image(inputs, out("ecr_repository_url")))
    pulumi.export("release", inputs.release or svc.image.tag)
    pulumi.export("task_role_arn", app.task_role.arn)
    pulumi.export("log_group_name", out("log_group_name"))
    pulumi.export("cluster_name", out("ecs_cluster_name"))
