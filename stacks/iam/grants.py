"""Grants of the team's roles and of the service roles (execution, task, bindings, flow logs)."""

from __future__ import annotations

from typing import Any

from .actions import BINDING_ACTIONS, OBJECT_ACTIONS
from .arns import alarm_arns, log_group_arns
from .documents import _regional, allow, doc, space_condition


def developer_policy(partition: str, region: str, account: str, space: str, prefix: str) -> dict[str, Any]:
    return doc(
        allow("OperateSpace", ["ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:UpdateService",
                               "ecs:StopTask", "ecr:DescribeImages", "sqs:GetQueueAttributes",
                               "dynamodb:DescribeTable", "rds:DescribeDBInstances"],
              _regional(partition, region, account, ["ecs", "ecr", "sqs", "dynamodb", "rds"]),
              condition=space_condition(space)),
        allow("ReadLogs", ["logs:GetLogEvents", "logs:FilterLogEvents"], log_group_arns(partition, region, account, prefix)),
        allow("Metrics", ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "*"),
        allow("Alarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
    )


def readonly_policy(partition: str, region: str, account: str, space: str, prefix: str) -> dict[str, Any]:
    return doc(
        allow("ReadSpace", ["ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "ecr:DescribeImages"],
              _regional(partition, region, account, ["ecs", "ecr"]), condition=space_condition(space)),
        allow("ReadLogs", ["logs:GetLogEvents", "logs:FilterLogEvents"], log_group_arns(partition, region, account, prefix)),
        allow("Metrics", ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "*"),
        allow("Alarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
    )


def flow_logs_policy(log_group_arn: str) -> dict[str, Any]:
    return doc(allow("FlowLogs", ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                     [log_group_arn, f"{log_group_arn}:*"]))



def execution_policy(ecr_arn: str, log_group_arn: str) -> dict[str, Any]:
    """ECS task execution role: pull the image from the space's registry, write the space's logs."""
    return doc(
        allow("Login", ["ecr:GetAuthorizationToken"], "*"),
        allow("PullImage", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], [ecr_arn]),
        allow("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:*"]),
    )


def secret_read_policy(secret_arns: list[str], kms_key_arn: str) -> dict[str, Any]:
    """Read exactly these secrets (the ECS agent injects them into the container)."""
    return doc(
        allow("ReadBindingSecret", ["secretsmanager:GetSecretValue"], secret_arns),
        allow("DecryptBindingSecret", ["kms:Decrypt"], [kms_key_arn]),
    )



def _bound_resource(offering: str, resource_arns: list[str]) -> list[dict[str, Any]]:
    """Statements on the bound resource; a bucket's object actions apply to its objects, the others to the bucket."""
    if offering != "bucket":
        return [allow("UseBoundResource", BINDING_ACTIONS[offering], resource_arns)]
    objects = [r for r in resource_arns if r.endswith("/*")]
    buckets = [r for r in resource_arns if not r.endswith("/*")]
    return [allow("UseBoundResource", [a for a in BINDING_ACTIONS[offering] if a not in OBJECT_ACTIONS], buckets),
            allow("UseBoundObjects", [a for a in BINDING_ACTIONS[offering] if a in OBJECT_ACTIONS], objects)]


def binding_policy(offering: str, resource_arns: list[str], secret_arns: list[str], kms_key_arn: str) -> dict[str, Any]:
    """The task role may use exactly this binding's resource and read exactly its secret."""
    return doc(
        *_bound_resource(offering, resource_arns),
        allow("ReadBindingSecret", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], secret_arns),
        allow("UseSpaceKey", ["kms:Decrypt", "kms:GenerateDataKey"], [kms_key_arn]),
    )
