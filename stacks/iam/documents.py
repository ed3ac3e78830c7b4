"""Building blocks of every IAM document: statements, documents, ARNs, and the one list of actions
AWS defines without resource-level permissions."""

from __future__ import annotations

import json
from typing import Any


STAR_RESOURCE_ACTIONS: frozenset[str] = frozenset({
    # AWS defines these actions without resource-level permissions: "*" is the only valid resource.
    "ecr:GetAuthorizationToken",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "ecs:DescribeTaskDefinition",
    "sts:GetCallerIdentity",
    # What a deploy reads (and ECS deregisters) without resource-level permissions.
    "ecs:DeregisterTaskDefinition",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeTags",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "secretsmanager:GetRandomPassword",
})
"""The one list of actions whose statements may (and must) use ``*`` as resource."""


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def service_principal(service: str) -> str:
    """ecs-tasks -> ecs-tasks.amazonaws.com (all partitions use amazonaws.com for these principals)."""
    return f"{service}.amazonaws.com"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s for s in statements if s]}


def allow(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)),
                          "Resource": resources if isinstance(resources, str) else list(resources)}
    if condition:
        st["Condition"] = condition
    return st


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


def space_condition(space: str) -> dict[str, Any]:
    return {"StringEquals": {"aws:ResourceTag/platform:space": space}}


def _regional(partition: str, region: str, account: str, services: list[str]) -> list[str]:
    return [arn(partition, s, region, account, "*") for s in services]


def space_tag_request(space: str) -> dict[str, Any]:
    """A resource being created must carry the space's tag."""
    return {"StringEquals": {"aws:RequestTag/platform:space": space}}

