"""The service unit's workload: ECS Fargate behind a load balancer, with its bindings and autoscaling."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_cli.planning.names import resource_name

from . import iam
from .bindings import BINDINGS, BindingArgs


def container_health_check(command: list[str]) -> dict:
    """ECS container health check running ``command`` in the container (exit 0 = healthy)."""
    return {"command": ["CMD", *command], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 20}


@dataclass
class BindingSpec:
    """One binding as the service asks for it, with the marketplace's data."""

    name: str
    offering: str
    plan: str
    parameters: dict[str, Any]
    binding_type: str
    provider_name: str
    keys: list[str]
    bucket_name: str = ""
    secret_name: str = ""


@dataclass
class ServiceAppArgs:
    service: str
    prefix: str  # unit prefix, e.g. payments-prod-euc1-api
    kind: str  # web | worker
    image: pulumi.Input[str]
    port: int
    health_path: str
    cpu: int
    memory: int
    min_tasks: int
    max_tasks: int
    cpu_target: int
    partition: str
    region: str
    account_id: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    public_subnet_ids: pulumi.Input[list[str]]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    ecr_repository_arn: pulumi.Input[str]
    tags: dict[str, str]
    permission_boundary_arn: pulumi.Input[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    health_command: list[str] = field(default_factory=list)
    bindings: list[BindingSpec] = field(default_factory=list)
    protected: bool = False
    https_domain: str | None = None  # serve HTTPS for this host name (service.yaml environments.ENV.https)
    hosted_zone_id: str | None = None  # Route 53 zone of the space's domain: the service's alias record goes there
    certificate_arn: pulumi.Input[str] | None = None  # the region's certificate (given, or the space domain's)


def https_args(inputs: Any, space_output: Any) -> dict[str, Any]:
    """The HTTPS settings of a service unit's environment (service.yaml ``environments.ENV.https``) as
    :class:`ServiceAppArgs` fields: the domain, and the region's given certificate or, with a hosted zone, the
    certificate of the space's domain that covers it (its stack output ``certificate_arns``, read through
    SPACE_OUTPUT). Checked when the unit's inputs are built (``platform_cli.render.inputs``)."""
    from platform_cli.planning.domains import serving_domain

    env = inputs.service.environments.get(inputs.env) if inputs.service else None
    https = env.https if env else None
    if https is None:
        return {}
    if https.hosted_zone_id:
        served = serving_domain(https.domain, inputs.domains)
        certificate = space_output("certificate_arns").apply(lambda arns: arns[served])
    else:
        certificate = https.certificate_arns[inputs.region]
    return {"https_domain": https.domain, "hosted_zone_id": https.hosted_zone_id, "certificate_arn": certificate}


TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
"""The HTTPS listener's security policy: TLS 1.3 and 1.2 only."""


class ServiceApp(pulumi.ComponentResource):
    """Task definition, Fargate service, roles, security groups, load balancer (web) and autoscaling."""

    def __init__(self, name: str, args: ServiceAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:service:ServiceApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        a = args
        web = a.kind == "web"
        self.execution_role = aws.iam.Role(
            f"{name}-execution-role", name=resource_name(a.prefix, "execution", max_len=64),
            assume_role_policy=iam.to_json(iam.service_trust("ecs-tasks", a.account_id)),
            permissions_boundary=a.permission_boundary_arn, tags=a.tags, opts=child)
        aws.iam.RolePolicy(f"{name}-execution-policy", name="pull-and-log", role=self.execution_role.id,
                           policy=pulumi.Output.all(a.ecr_repository_arn, a.log_group_arn).apply(
                               lambda x: iam.to_json(iam.execution_policy(x[0], x[1]))), opts=child)
        self.task_role = aws.iam.Role(
            f"{name}-task-role", name=resource_name(a.prefix, "task", max_len=64),
            assume_role_policy=iam.to_json(iam.service_trust("ecs-tasks", a.account_id)),
            permissions_boundary=a.permission_boundary_arn, tags=a.tags, opts=child)

        self.service_sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=resource_name(a.prefix, "tasks"), vpc_id=a.vpc_id,
            description=f"tasks of service {a.service}", tags=a.tags, opts=child)
        aws.vpc.SecurityGroupEgressRule(f"{name}-egress-https", security_group_id=self.service_sg.id, ip_protocol="tcp",
                                        from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                                        description="AWS APIs and HTTPS dependencies", tags=a.tags, opts=child)
        aws.vpc.SecurityGroupEgressRule(f"{name}-egress-vpc", security_group_id=self.service_sg.id, ip_protocol="tcp",
                                        from_port=1024, to_port=65535, cidr_ipv4=a.vpc_cidr,
                                        description="bound databases and caches in the space", tags=a.tags, opts=child)

        self.bindings = []
        for b in a.bindings:
            cls = BINDINGS[b.offering]
            self.bindings.append(cls(f"{name}-{b.name}", BindingArgs(
                binding=b.name, offering=b.offering, plan=b.plan, parameters=b.parameters, binding_type=b.binding_type,
                provider_name=b.provider_name, keys=b.keys, prefix=a.prefix, partition=a.partition, region=a.region,
                account_id=a.account_id, kms_key_arn=a.kms_key_arn, vpc_id=a.vpc_id,
                private_subnet_ids=a.private_subnet_ids, service_sg_id=self.service_sg.id,
                task_role_name=self.task_role.name, execution_role_name=self.execution_role.name, tags=a.tags,
                protected=a.protected, secret_name=b.secret_name,
                extra={"bucket_name": b.bucket_name}), opts=child))

        self.target_group = None
        self.load_balancer = None
        if web:
            self.lb_sg = aws.ec2.SecurityGroup(f"{name}-lb-sg", name=resource_name(a.prefix, "lb"), vpc_id=a.vpc_id,
                                               description=f"load balancer of service {a.service}", tags=a.tags, opts=child)
            aws.vpc.SecurityGroupIngressRule(f"{name}-lb-http", security_group_id=self.lb_sg.id, ip_protocol="tcp",
                                             from_port=80, to_port=80, cidr_ipv4="0.0.0.0/0",
                                             description="clients (redirected to HTTPS)" if a.https_domain else "clients",
                                             tags=a.tags, opts=child)
            if a.https_domain:
                aws.vpc.SecurityGroupIngressRule(f"{name}-lb-https", security_group_id=self.lb_sg.id, ip_protocol="tcp",
                                                 from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                                                 description="clients over TLS", tags=a.tags, opts=child)
            aws.vpc.SecurityGroupEgressRule(f"{name}-lb-to-tasks", security_group_id=self.lb_sg.id, ip_protocol="tcp",
                                            from_port=a.port, to_port=a.port,
                                            referenced_security_group_id=self.service_sg.id, description="tasks",
                                            tags=a.tags, opts=child)
            aws.vpc.SecurityGroupIngressRule(f"{name}-from-lb", security_group_id=self.service_sg.id, ip_protocol="tcp",
                                             from_port=a.port, to_port=a.port,
                                             referenced_security_group_id=self.lb_sg.id, description="load balancer",
                                             tags=a.tags, opts=child)
            self.load_balancer = aws.lb.LoadBalancer(
                f"{name}-lb", name=resource_name(a.prefix, max_len=32), load_balancer_type="application", internal=False,
                security_groups=[self.lb_sg.id], subnets=a.public_subnet_ids, drop_invalid_header_fields=True,
                enable_deletion_protection=a.protected, tags=a.tags, opts=child)
            self.target_group = aws.lb.TargetGroup(
                f"{name}-tg", name=resource_name(a.prefix, max_len=32), port=a.port, protocol="HTTP", target_type="ip",
                vpc_id=a.vpc_id, deregistration_delay=30,
                health_check={"path": a.health_path, "matcher": "200-299", "interval": 15, "healthy_threshold": 2,
                              "unhealthy_threshold": 3}, tags=a.tags, opts=child)
            forward = [{"type": "forward", "target_group_arn": self.target_group.arn}]
            if a.https_domain:
                self.listener = aws.lb.Listener(
                    f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                    ssl_policy=TLS_POLICY, certificate_arn=a.certificate_arn, default_actions=forward,
                    tags=a.tags, opts=child)
                aws.lb.Listener(
                    f"{name}-listener", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                    default_actions=[{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS",
                                                                       "status_code": "HTTP_301"}}],
                    tags=a.tags, opts=child)
                if a.hosted_zone_id:
                    aws.route53.Record(
                        f"{name}-dns", zone_id=a.hosted_zone_id, name=a.https_domain, type="A", set_identifier=a.region,
                        latency_routing_policies=[{"region": a.region}],
                        aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                                  "evaluate_target_health": True}], opts=child)
            else:
                self.listener = aws.lb.Listener(
                    f"{name}-listener", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                    default_actions=forward, tags=a.tags, opts=child)

        secrets = pulumi.Output.all(*[b.container_secrets for b in self.bindings]).apply(
            lambda lists: [s for lst in lists for s in lst])
        container = pulumi.Output.all(a.image, a.log_group_name, secrets).apply(lambda x: json.dumps([{
            "name": a.service, "image": x[0], "essential": True, "readonlyRootFilesystem": True,
            "portMappings": [{"containerPort": a.port, "protocol": "tcp"}] if web else [],
            "environment": [{"name": k, "value": v} for k, v in sorted(a.env.items())],
            "secrets": x[2],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": x[1], "awslogs-region": a.region, "awslogs-stream-prefix": a.service}},
            **({"healthCheck": container_health_check(a.health_command)} if a.health_command else {}),
        }], sort_keys=True))
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task", family=a.prefix, cpu=str(a.cpu), memory=str(a.memory), network_mode="awsvpc",
            requires_compatibilities=["FARGATE"], execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn, container_definitions=container,
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"}, tags=a.tags, opts=child)
        depends = [self.listener] if web else []
        self.service = aws.ecs.Service(
            f"{name}-service", name=a.service, cluster=a.cluster_arn, task_definition=self.task_definition.arn,
            desired_count=max(a.min_tasks, 1), launch_type="FARGATE",
            network_configuration={"subnets": a.private_subnet_ids, "security_groups": [self.service_sg.id],
                                   "assign_public_ip": False},
            load_balancers=[{"target_group_arn": self.target_group.arn, "container_name": a.service,
                             "container_port": a.port}] if web else None,
            deployment_circuit_breaker={"enable": True, "rollback": True}, propagate_tags="SERVICE",
            enable_ecs_managed_tags=True, health_check_grace_period_seconds=30 if web else None, tags=a.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends, ignore_changes=["desiredCount"]))
        resource_id = pulumi.Output.concat("service/", a.cluster_name, "/", self.service.name)
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling", service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id, min_capacity=a.min_tasks, max_capacity=a.max_tasks, tags=a.tags, opts=child)
        aws.appautoscaling.Policy(
            f"{name}-cpu-scaling", name=f"{a.service}-cpu", policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace, resource_id=self.scaling_target.resource_id,
            scalable_dimension=self.scaling_target.scalable_dimension,
            target_tracking_scaling_policy_configuration={
                "target_value": float(a.cpu_target), "scale_in_cooldown": 120, "scale_out_cooldown": 60,
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}},
            opts=child)
        if web and a.https_domain:
            self.url = pulumi.Output.from_input(f"https://{a.https_domain}")
        elif web:
            self.url = pulumi.Output.concat("http://", self.load_balancer.dns_name)
        else:
            self.url = pulumi.Output.from_input("")
        self.register_outputs({"service_name": self.service.name, "url": self.url,
                               "task_role_arn": self.task_role.arn})
