"""Bindings: one component per marketplace offering, sized by the plan's parameters.

Each binding creates its resource, a Secrets Manager secret with the servicebinding.io
keys, an IAM policy on the service's task role allowing exactly that resource and that
secret, and the container ``secrets`` entries (``valueFrom``) that inject the keys. No
key value ever becomes a plaintext environment value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_cli.planning.names import flat_name, resource_name

from . import iam
from .storage import SecureBucket, SecureBucketArgs


def binding_env_name(binding: str, key: str) -> str:
    """Environment variable a binding key is injected as: BINDING_<NAME>_<KEY> (e.g. BINDING_ORDERS_DB_HOST)."""
    return "BINDING_" + re.sub(r"[^A-Z0-9]", "_", f"{binding}_{key}".upper())


def secret_value_from(secret_arn: str, json_key: str) -> str:
    """ECS valueFrom for one JSON key of a Secrets Manager secret."""
    return f"{secret_arn}:{json_key}::"


@dataclass
class BindingArgs:
    binding: str
    offering: str
    plan: str
    parameters: dict[str, Any]
    binding_type: str
    provider_name: str
    keys: list[str]
    prefix: str
    partition: str
    region: str
    account_id: str
    kms_key_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    service_sg_id: pulumi.Input[str]
    task_role_name: pulumi.Input[str]
    execution_role_name: pulumi.Input[str]
    tags: dict[str, str]
    secret_name: str = ""  # planning.names.secret_name: platform/TEAM/ENV/REGION/SERVICE/BINDING
    protected: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Binding(pulumi.ComponentResource):
    """Common part of every binding: the secret, the IAM policies and the container secrets."""

    TYPE = "platform:binding:Binding"

    def __init__(self, name: str, args: BindingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self.args = args
        self.child = pulumi.ResourceOptions(parent=self)
        values, resource_arns, refs = self.create(name, args)
        self._finish(name, args, values, resource_arns, refs)

    def create(self, name: str, args: BindingArgs) -> tuple[dict[str, pulumi.Input], list[pulumi.Input[str]], dict]:
        raise NotImplementedError

    def _finish(self, name: str, args: BindingArgs, values: dict[str, pulumi.Input],
                resource_arns: list[pulumi.Input[str]], refs: dict[str, tuple[pulumi.Input[str], str]]) -> None:
        values = {"type": args.binding_type, "provider": args.provider_name, **values}
        values = {k: v for k, v in values.items() if k in args.keys and k not in refs}
        self.secret = aws.secretsmanager.Secret(
            f"{name}-secret", name=args.secret_name, kms_key_id=args.kms_key_arn,
            description=f"servicebinding.io keys of binding {args.binding} ({args.offering}/{args.plan})",
            recovery_window_in_days=7 if args.protected else 0, tags=args.tags, opts=self.child)
        document = pulumi.Output.all(**{k: pulumi.Output.from_input(v) for k, v in values.items()}).apply(
            lambda d: json.dumps({k: str(v) for k, v in d.items()}, sort_keys=True))
        self.secret_version = aws.secretsmanager.SecretVersion(
            f"{name}-secret-value", secret_id=self.secret.id, secret_string=pulumi.Output.secret(document),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=list(self.ignore_secret_changes())))
        ref_arns = [pulumi.Output.from_input(a) for a, _ in refs.values()]
        secret_arns = pulumi.Output.all(self.secret.arn, *ref_arns)
        arns = pulumi.Output.all(*[pulumi.Output.from_input(a) for a in resource_arns])
        policy = pulumi.Output.all(arns, secret_arns, args.kms_key_arn).apply(
            lambda x: iam.to_json(iam.binding_policy(args.offering, list(x[0]), list(x[1]), x[2])))
        self.task_policy = aws.iam.RolePolicy(f"{name}-task-policy", name=f"binding-{args.binding}",
                                              role=args.task_role_name, policy=policy, opts=self.child)
        read = pulumi.Output.all(secret_arns, args.kms_key_arn).apply(
            lambda x: iam.to_json(iam.secret_read_policy(list(x[0]), x[1])))
        self.execution_policy = aws.iam.RolePolicy(f"{name}-execution-policy", name=f"binding-{args.binding}-secrets",
                                                   role=args.execution_role_name, policy=read, opts=self.child)
        keys = [k for k in args.keys]
        ref_keys = list(refs)
        self.container_secrets = pulumi.Output.all(self.secret.arn, *ref_arns).apply(lambda a: [
            {"name": binding_env_name(args.binding, k),
             "valueFrom": secret_value_from(a[1 + ref_keys.index(k)], refs[k][1]) if k in refs else secret_value_from(a[0], k)}
            for k in keys])
        self.register_outputs({"secret_arn": self.secret.arn, "container_secrets": self.container_secrets})

    def ignore_secret_changes(self) -> tuple[str, ...]:
        return ()

    def _sg(self, name: str, port: int) -> aws.ec2.SecurityGroup:
        a = self.args
        sg = aws.ec2.SecurityGroup(f"{name}-sg", name=resource_name(a.prefix, a.binding), vpc_id=a.vpc_id,
                                   description=f"{a.offering} of binding {a.binding}: only the service may connect",
                                   tags=a.tags, opts=self.child)
        aws.vpc.SecurityGroupIngressRule(f"{name}-from-service", security_group_id=sg.id, ip_protocol="tcp",
                                         from_port=port, to_port=port, referenced_security_group_id=a.service_sg_id,
                                         description="the bound service", tags=a.tags, opts=self.child)
        return sg


def _first_secret_arn(secrets) -> str:
    """ARN of the RDS-managed master user secret."""
    if not secrets:
        return ""
    first = secrets[0]
    if isinstance(first, dict):
        return first.get("secret_arn") or first.get("secretArn") or ""
    return getattr(first, "secret_arn", "") or ""


class PostgresBinding(Binding):
    """RDS for PostgreSQL; the master password is created and kept by Secrets Manager (RDS-managed)."""

    TYPE = "platform:binding:Postgres"

    def create(self, name, a):
        p = a.parameters
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", name=resource_name(a.prefix, a.binding), subnet_ids=a.private_subnet_ids,
                                      tags=a.tags, opts=self.child)
        sg = self._sg(name, 5432)
        database = re.sub(r"[^a-z0-9]", "_", a.binding)
        self.db = aws.rds.Instance(
            f"{name}-db", identifier=flat_name(a.prefix, a.binding), engine="postgres",
            engine_version=str(p.get("engine_version", "16")), instance_class=str(p["instance_class"]),
            allocated_storage=int(p["allocated_storage_gb"]), storage_type="gp3", storage_encrypted=True,
            kms_key_id=a.kms_key_arn, db_name=database, username="app", manage_master_user_password=True,
            master_user_secret_kms_key_id=a.kms_key_arn, multi_az=bool(p.get("multi_az", False)),
            backup_retention_period=int(p.get("backup_retention_days", 1)), db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[sg.id], publicly_accessible=False, deletion_protection=a.protected,
            skip_final_snapshot=not a.protected,
            final_snapshot_identifier=flat_name(a.prefix, a.binding, "final", max_len=255) if a.protected else None,
            copy_tags_to_snapshot=True, auto_minor_version_upgrade=True, tags=a.tags, opts=self.child)
        master_secret = self.db.master_user_secrets.apply(_first_secret_arn)
        uri = pulumi.Output.concat("postgresql://app@", self.db.address, ":", self.db.port.apply(str), "/", database)
        values = {"host": self.db.address, "port": self.db.port, "uri": uri, "username": "app", "database": database}
        refs = {"password": (master_secret, "password")}
        return values, [self.db.arn], refs


class QueueBinding(Binding):
    """SQS queue with a dead-letter queue, encrypted with the space's key."""

    TYPE = "platform:binding:Queue"

    def create(self, name, a):
        p = a.parameters
        fifo = bool(p.get("fifo", False))
        suffix = ".fifo" if fifo else ""
        common = dict(fifo_queue=fifo or None, kms_master_key_id=a.kms_key_arn, kms_data_key_reuse_period_seconds=300,
                      tags=a.tags, opts=self.child)
        self.dlq = aws.sqs.Queue(f"{name}-dlq", name=resource_name(a.prefix, a.binding, "dlq", max_len=75) + suffix,
                                 message_retention_seconds=1209600, **common)
        self.queue = aws.sqs.Queue(
            f"{name}-queue", name=resource_name(a.prefix, a.binding, max_len=75) + suffix,
            message_retention_seconds=int(p.get("retention_seconds", 345600)),
            visibility_timeout_seconds=int(p.get("visibility_timeout_seconds", 30)),
            content_based_deduplication=True if fifo else None,
            redrive_policy=self.dlq.arn.apply(lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": int(p.get("max_receive_count", 5))})), **common)
        for label, queue in (("queue", self.queue), ("dlq", self.dlq)):
            aws.sqs.QueuePolicy(f"{name}-{label}-policy", queue_url=queue.url, opts=self.child, policy=queue.arn.apply(
                lambda a: iam.to_json(iam.deny_insecure_transport("sqs", [a]))))
        values = {"uri": self.queue.url, "url": self.queue.url, "name": self.queue.name, "arn": self.queue.arn}
        return values, [self.queue.arn, self.dlq.arn], {}


class BucketBinding(Binding):
    """Private S3 bucket, SSE-KMS, versioned, public access blocked."""

    TYPE = "platform:binding:Bucket"

    def create(self, name, a):
        p = a.parameters
        self.store = SecureBucket(f"{name}-store", SecureBucketArgs(
            bucket_name=a.extra["bucket_name"], kms_key_arn=a.kms_key_arn, tags=a.tags,
            versioning=bool(p.get("versioning", True)), noncurrent_expiry_days=int(p.get("noncurrent_expiry_days", 30)),
            intelligent_tiering=bool(p.get("intelligent_tiering", False)), force_destroy=not a.protected), opts=self.child)
        values = {"uri": pulumi.Output.concat("s3://", self.store.name), "name": self.store.name, "arn": self.store.arn}
        return values, [self.store.arn, pulumi.Output.concat(self.store.arn, "/*")], {}


class TableBinding(Binding):
    """DynamoDB table (pk/sk keys) with point-in-time recovery and KMS encryption."""

    TYPE = "platform:binding:Table"

    def create(self, name, a):
        p = a.parameters
        mode = str(p.get("billing_mode", "PAY_PER_REQUEST"))
        provisioned = mode == "PROVISIONED"
        self.table = aws.dynamodb.Table(
            f"{name}-table", name=resource_name(a.prefix, a.binding, max_len=255), billing_mode=mode,
            read_capacity=int(p.get("read_capacity", 0)) if provisioned else None,
            write_capacity=int(p.get("write_capacity", 0)) if provisioned else None,
            hash_key="pk", range_key="sk", attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
            point_in_time_recovery={"enabled": True}, server_side_encryption={"enabled": True, "kms_key_arn": a.kms_key_arn},
            deletion_protection_enabled=a.protected, tags=a.tags, opts=self.child)
        values = {"name": self.table.name, "arn": self.table.arn}
        return values, [self.table.arn, pulumi.Output.concat(self.table.arn, "/index/*")], {}


class CacheBinding(Binding):
    """ElastiCache (Redis OSS) encrypted in transit and at rest, with an auth token kept in the binding's secret."""

    TYPE = "platform:binding:Cache"

    def create(self, name, a):
        p = a.parameters
        nodes = int(p.get("nodes", 1))
        subnets = aws.elasticache.SubnetGroup(f"{name}-subnets", name=flat_name(a.prefix, a.binding, max_len=255),
                                              subnet_ids=a.private_subnet_ids, tags=a.tags, opts=self.child)
        sg = self._sg(name, 6379)
        # Generated once: later runs keep the stored token (ignore_changes below).
        token = aws.secretsmanager.get_random_password_output(
            password_length=40, exclude_punctuation=True, opts=pulumi.InvokeOutputOptions(parent=self))
        auth_token = pulumi.Output.secret(token.random_password)
        self.cluster = aws.elasticache.ReplicationGroup(
            f"{name}-redis", replication_group_id=flat_name(a.prefix, a.binding, max_len=40),
            description=f"binding {a.binding} of {a.prefix}", engine="redis", node_type=str(p["node_type"]),
            num_cache_clusters=nodes, automatic_failover_enabled=nodes > 1, multi_az_enabled=nodes > 1, port=6379,
            subnet_group_name=subnets.name, security_group_ids=[sg.id], at_rest_encryption_enabled=True,
            kms_key_id=a.kms_key_arn, transit_encryption_enabled=True, auth_token=auth_token,
            snapshot_retention_limit=7 if a.protected else 0, tags=a.tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["authToken"]))
        host = self.cluster.primary_endpoint_address
        values = {"host": host, "port": 6379, "uri": pulumi.Output.concat("rediss://", host, ":6379"),
                  "password": auth_token}
        return values, [self.cluster.arn], {}

    def ignore_secret_changes(self):
        return ("secretString",)


class TopicBinding(Binding):
    """SNS topic encrypted with the space's key."""

    TYPE = "platform:binding:Topic"

    def create(self, name, a):
        fifo = bool(a.parameters.get("fifo", False))
        self.topic = aws.sns.Topic(
            f"{name}-topic", name=resource_name(a.prefix, a.binding, max_len=250) + (".fifo" if fifo else ""),
            fifo_topic=fifo or None, content_based_deduplication=True if fifo else None, kms_master_key_id=a.kms_key_arn,
            tags=a.tags, opts=self.child)
        aws.sns.TopicPolicy(f"{name}-topic-policy", arn=self.topic.arn, opts=self.child, policy=self.topic.arn.apply(
            lambda a: iam.to_json(iam.deny_insecure_transport("sns", [a]))))
        return {"name": self.topic.name, "arn": self.topic.arn}, [self.topic.arn], {}


BINDINGS: dict[str, type[Binding]] = {
    "postgres": PostgresBinding, "queue": QueueBinding, "bucket": BucketBinding,
    "table": TableBinding, "cache": CacheBinding, "topic": TopicBinding,
}
"""Offering name -> its component."""
