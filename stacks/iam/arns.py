"""ARNs and ARN patterns of a space's resources: the one place every grant, boundary and trust names them."""

from __future__ import annotations

from platform_cli.planning.names import resource_name, secret_prefix

from .actions import SERVICE_LINKED_ROLE_SERVICES
from .documents import arn


def oidc_provider_arn(partition: str, account: str, host: str) -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{host}"


def alarm_arns(partition: str, region: str, account: str, prefix: str) -> list[str]:
    """The space's CloudWatch alarms: their names start with the space prefix (what the rollout gate reads)."""
    return [arn(partition, "cloudwatch", region, account, f"alarm:{prefix}-*")]


def log_group_arns(partition: str, region: str, account: str, prefix: str) -> list[str]:
    """The space's log group (/platform/PREFIX) and everything in it (its log streams)."""
    group = arn(partition, "logs", region, account, f"log-group:/platform/{prefix}")
    return [group, f"{group}:*"]


def task_definition_arns(partition: str, region: str, account: str, prefix: str) -> list[str]:
    """Every revision of the task definition families of the space (a service's family is PREFIX-SERVICE)."""
    return [arn(partition, "ecs", region, account, f"task-definition/{prefix}-*:*")]


def service_role_arns(partition: str, account: str, prefix: str) -> list[str]:
    """The task and execution roles of the space's services (never the space's own team, CI or flow log roles)."""
    return [f"arn:{partition}:iam::{account}:role/{prefix}-*-{kind}" for kind in ("task", "execution")]


def secrets_prefix(team: str, env: str, region: str) -> str:
    """What the names of the space's binding secrets start with: ``platform/TEAM/ENV/REGION/``
    (:func:`platform_cli.planning.names.secret_name`)."""
    return f"{secret_prefix(team, env)}{region}/"


def secret_arns(partition: str, region: str, account: str, team: str, env: str) -> list[str]:
    """The space's binding secrets (of TEAM in ENV and REGION), by name."""
    return [arn(partition, "secretsmanager", region, account, f"secret:{secrets_prefix(team, env, region)}*")]


def boundary_arn(partition: str, account: str, prefix: str) -> str:
    return f"arn:{partition}:iam::{account}:policy/{resource_name(prefix, 'boundary', max_len=128)}"


def service_linked_role_arns(partition: str, account: str) -> list[str]:
    return [f"arn:{partition}:iam::{account}:role/aws-service-role/{s}/*" for s in SERVICE_LINKED_ROLE_SERVICES]

