"""Orphans: resources in the cloud that carry a space's tags but are in no unit's state (pure).

The state side is the engine's stack export (``{"version": 3, "deployment": {"resources":
[{"urn", "type", "id", "outputs": {"arn": ...}}]}}``); a cloud resource is in state when its
ARN, or the id Pulumi keeps for its type, is there. Each orphan says how to adopt it into its
unit's stack (``pulumi import``) or delete it (the AWS CLI).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..planning import names

# (service, resource type in the ARN) -> (Pulumi type token, how Pulumi's id is made, AWS CLI delete command)
# id kinds: "name" = the ARN's resource id, "arn" = the whole ARN, "sqs-url", "ecs-service", "budget"
KINDS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("s3", ""): ("aws:s3/bucket:Bucket", "name", "aws s3 rb s3://{id} --force"),
    ("sqs", ""): ("aws:sqs/queue:Queue", "sqs-url", "aws sqs delete-queue --queue-url {id} --region {region}"),
    ("sns", ""): ("aws:sns/topic:Topic", "arn", "aws sns delete-topic --topic-arn {id} --region {region}"),
    ("ec2", "vpc"): ("aws:ec2/vpc:Vpc", "name", "aws ec2 delete-vpc --vpc-id {id} --region {region}"),
    ("ec2", "subnet"): ("aws:ec2/subnet:Subnet", "name", "aws ec2 delete-subnet --subnet-id {id} --region {region}"),
    ("ec2", "security-group"): ("aws:ec2/securityGroup:SecurityGroup", "name",
                                "aws ec2 delete-security-group --group-id {id} --region {region}"),
    ("ec2", "internet-gateway"): ("aws:ec2/internetGateway:InternetGateway", "name",
                                  "aws ec2 delete-internet-gateway --internet-gateway-id {id} --region {region}"),
    ("ec2", "natgateway"): ("aws:ec2/natGateway:NatGateway", "name",
                            "aws ec2 delete-nat-gateway --nat-gateway-id {id} --region {region}"),
    ("ec2", "route-table"): ("aws:ec2/routeTable:RouteTable", "name",
                             "aws ec2 delete-route-table --route-table-id {id} --region {region}"),
    ("ec2", "elastic-ip"): ("aws:ec2/eip:Eip", "name", "aws ec2 release-address --allocation-id {id} --region {region}"),
    ("ec2", "vpc-flow-log"): ("aws:ec2/flowLog:FlowLog", "name", "aws ec2 delete-flow-logs --flow-log-ids {id} --region {region}"),
    ("kms", "key"): ("aws:kms/key:Key", "name",
                     "aws kms schedule-key-deletion --key-id {id} --pending-window-in-days 30 --region {region}"),
    ("logs", "log-group"): ("aws:cloudwatch/logGroup:LogGroup", "name",
                            "aws logs delete-log-group --log-group-name {id} --region {region}"),
    ("secretsmanager", "secret"): ("aws:secretsmanager/secret:Secret", "arn",
                                   "aws secretsmanager delete-secret --secret-id {id} --region {region}"),
    ("ecs", "cluster"): ("aws:ecs/cluster:Cluster", "name", "aws ecs delete-cluster --cluster {id} --region {region}"),
    ("ecs", "service"): ("aws:ecs/service:Service", "ecs-service",
                         "aws ecs delete-service --cluster {cluster} --service {name} --force --region {region}"),
    ("ecs", "task-definition"): ("aws:ecs/taskDefinition:TaskDefinition", "arn",
                                 "aws ecs deregister-task-definition --task-definition {id} --region {region}"),
    ("dynamodb", "table"): ("aws:dynamodb/table:Table", "name", "aws dynamodb delete-table --table-name {id} --region {region}"),
    ("ecr", "repository"): ("aws:ecr/repository:Repository", "name",
                            "aws ecr delete-repository --repository-name {id} --force --region {region}"),
    ("iam", "role"): ("aws:iam/role:Role", "name", "aws iam delete-role --role-name {id}  # detach its policies first"),
    ("iam", "policy"): ("aws:iam/policy:Policy", "arn", "aws iam delete-policy --policy-arn {id}"),
    ("rds", "db"): ("aws:rds/instance:Instance", "name",
                    "aws rds delete-db-instance --db-instance-identifier {id} --final-db-snapshot-identifier {id}-final "
                    "--region {region}"),
    ("rds", "subgrp"): ("aws:rds/subnetGroup:SubnetGroup", "name",
                        "aws rds delete-db-subnet-group --db-subnet-group-name {id} --region {region}"),
    ("elasticache", "replicationgroup"): ("aws:elasticache/replicationGroup:ReplicationGroup", "name",
                                          "aws elasticache delete-replication-group --replication-group-id {id} --region {region}"),
    ("elasticache", "subnetgroup"): ("aws:elasticache/subnetGroup:SubnetGroup", "name",
                                     "aws elasticache delete-cache-subnet-group --cache-subnet-group-name {id} --region {region}"),
    ("elasticloadbalancing", "loadbalancer"): ("aws:lb/loadBalancer:LoadBalancer", "arn",
                                               "aws elbv2 delete-load-balancer --load-balancer-arn {id} --region {region}"),
    ("elasticloadbalancing", "targetgroup"): ("aws:lb/targetGroup:TargetGroup", "arn",
                                              "aws elbv2 delete-target-group --target-group-arn {id} --region {region}"),
    ("cloudwatch", "alarm"): ("aws:cloudwatch/metricAlarm:MetricAlarm", "name",
                              "aws cloudwatch delete-alarms --alarm-names {id} --region {region}"),
    ("budgets", "budget"): ("aws:budgets/budget:Budget", "budget",
                            "aws budgets delete-budget --account-id {account} --budget-name {name}"),
}


@dataclass(frozen=True)
class ParsedArn:
    partition: str
    service: str
    region: str
    account: str
    kind: str  # the resource type inside the ARN ("" for s3, sqs, sns)
    name: str  # the resource's own id


def parse_arn(arn: str) -> ParsedArn:
    """arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, RESOURCE being TYPE/ID, TYPE:ID or ID."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    _, partition, service, region, account, resource = parts
    kind, name = "", resource
    cuts = [i for i in (resource.find("/"), resource.find(":")) if i >= 0]
    if cuts:  # the first separator ends the type: log-group:/a/b, secret:a/b-x1y2z3, role/path/NAME
        kind, name = resource[:min(cuts)], resource[min(cuts) + 1:]
    if service == "iam" and kind in ("role", "policy"):
        name = name.rsplit("/", 1)[-1]  # paths: role/service-role/NAME
    if service == "logs" and name.endswith(":*"):
        name = name[:-2]
    return ParsedArn(partition, service, region, account, kind, name)


def pulumi_id(p: ParsedArn, arn: str, how: str) -> str:
    if how == "arn":
        return arn
    if how == "sqs-url":
        domain = "amazonaws.com.cn" if p.partition == "aws-cn" else "amazonaws.com"
        return f"https://sqs.{p.region}.{domain}/{p.account}/{p.name}"
    if how == "ecs-service":
        return p.name  # CLUSTER/SERVICE, as pulumi import takes it
    if how == "budget":
        return f"{p.account}:{p.name}"
    return p.name


def _keys(value: str) -> set[str]:
    """VALUE and, for a URL id (an SQS queue's), its ACCOUNT/NAME tail: the endpoint's host differs
    between the legacy and the current SQS domains and custom endpoints, the tail does not."""
    keys = {value}
    if value.startswith(("https://", "http://")):
        path = value.split("://", 1)[1].split("/", 1)[-1].strip("/")
        if path.count("/") == 1:
            keys.add("url:" + path)
    return keys


def state_ids(exports: Iterable[Mapping[str, Any]], *, source: str = "stack export") -> set[str]:
    """Every id and ARN in the exports' ``deployment.resources`` (a bare deployment is accepted too)."""
    ids: set[str] = set()
    for n, export in enumerate(exports):
        dep = export.get("deployment", export) if isinstance(export, Mapping) else None
        resources = dep.get("resources") if isinstance(dep, Mapping) else None
        if resources is None:
            resources = []
        if not isinstance(resources, list):
            raise SpecError(f"{source} {n + 1}: deployment.resources: expected a list of resources",
                            hint="give the output of `pulumi stack export` (or Stack.export_stack())")
        for r in resources:
            if not isinstance(r, Mapping):
                raise SpecError(f"{source} {n + 1}: deployment.resources: expected objects with id, urn, type")
            for value in (r.get("id"), (r.get("outputs") or {}).get("arn"), (r.get("outputs") or {}).get("id")):
                if isinstance(value, str) and value:
                    ids |= _keys(value)
    return ids


def _unit_of(tags: Mapping[str, str], region: str) -> str | None:
    team, env = tags.get("platform:team"), tags.get("platform:env")
    if not team or not env or region == "global":
        return None
    svc = tags.get("platform:service")
    return names.service_unit(team, svc, env, region) if svc else names.space_unit(team, env, region)


def describe(arn: str, region: str, tags: Mapping[str, str]) -> dict[str, Any]:
    """One orphan: its type, id, region, unit (from its tags) and the commands to adopt or delete it."""
    try:
        p = parse_arn(arn)
    except ValueError:
        return {"arn": arn, "type": None, "id": arn, "region": region, "unit": None, "adopt": None,
                "delete": f"delete {arn} with the console or its service's CLI"}
    kind = KINDS.get((p.service, p.kind)) or KINDS.get((p.service, ""))
    if kind is None or (p.service in ("s3", "sqs", "sns") and p.kind):
        return {"arn": arn, "type": None, "id": p.name, "region": region, "unit": _unit_of(tags, region), "adopt": None,
                "delete": f"delete {arn} with the console or `aws {p.service}`"}
    token, how, delete = kind
    rid = pulumi_id(p, arn, how)
    cluster, _, svc_name = p.name.partition("/")
    unit = _unit_of(tags, region)
    adopt = None
    if unit:
        logical = names.resource_name("adopted", p.name.replace("/", "-"))
        adopt = (f"pulumi import {token} {logical} '{rid}' --stack {names.pulumi_stack(unit)} "
                 f"--cwd .platform/engine/{names.pulumi_project(unit)}/{names.pulumi_stack(unit)}")
    return {"arn": arn, "type": token, "id": rid, "region": region, "unit": unit, "adopt": adopt,
            "delete": delete.format(id=rid, region=region, account=p.account, name=svc_name or p.name, cluster=cluster)}


def find_orphans(inventory: Iterable[Any], in_state: set[str]) -> list[dict[str, Any]]:
    """The inventory's resources (CloudResource: arn, region, tags) whose ARN and Pulumi id are not in state."""
    out = []
    for res in inventory:
        d = describe(res.arn, res.region, res.tags)
        if res.arn in in_state or _keys(d["id"]) & in_state:
            continue
        out.append(d)
    return out
