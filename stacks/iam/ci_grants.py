"""Grants of the CI deploy role: release, deploy within the space, the team's state and history."""

from __future__ import annotations

from typing import Any

from platform_cli.planning.names import service_project_prefix, space_project

from .actions import (BOUNDED_ROLE_ACTIONS, CREATE_ACTIONS, CREATE_ON_SPACE_RESOURCES, HISTORY_ITEM_ACTIONS,
                      SERVICE_LINKED_ROLE_SERVICES, deploy_actions)
from .arns import alarm_arns, boundary_arn, service_linked_role_arns, service_role_arns, task_definition_arns
from .documents import STAR_RESOURCE_ACTIONS, allow, arn, doc, space_condition, space_tag_request

_BY_NAME_SERVICES = ("iam", "s3")  # authorized by name, not by tag (see ci_deploy_policies)


def _space_deploy_statements(partition: str, region: str, account: str, space: str, prefix: str,
                             bucket_prefix: str, boundary: str | None) -> list[dict[str, Any]]:
    """The deploy statements, shared by the CI policy and the permission boundary (so the boundary covers them)."""
    actions = deploy_actions()
    star = [a for a in actions if a in STAR_RESOURCE_ACTIONS]
    by_tag = [a for a in actions if a not in STAR_RESOURCE_ACTIONS and a.split(":")[0] not in _BY_NAME_SERVICES
              and not a.startswith("secretsmanager:") and a != "iam:PassRole"]
    secrets = [a for a in actions if a.startswith("secretsmanager:") and a not in STAR_RESOURCE_ACTIONS]
    anywhere = arn(partition, "*", region, account, "*")  # any resource of the account and region: the tag decides
    own_secrets = arn(partition, "secretsmanager", region, account, "secret:platform/*")
    # A resource being created carries the space's tag and has none yet (so no other space's resource can be
    # tagged into this space); an existing resource of the space carries the tag.
    creating = {**space_tag_request(space), "Null": {"aws:ResourceTag/platform:space": "true"}}
    buckets = f"arn:{partition}:s3:::{bucket_prefix}*"
    in_account = {"StringEquals": {"s3:ResourceAccount": account}}
    roles = service_role_arns(partition, account, prefix)
    objects = ("s3:DeleteObject", "s3:DeleteObjectVersion")  # emptying a bucket before deleting it
    statements = [
        allow("DeployTagged", [a for a in by_tag if a != "kms:CreateGrant"
                               and (a not in CREATE_ACTIONS or a in CREATE_ON_SPACE_RESOURCES)],
              [anywhere], condition=space_condition(space)),
        # ECS: the space's services by name (their cluster is the space's), to change their tags.
        allow("TagServices", ["ecs:TagResource"] if "ecs:TagResource" in actions else [],
              [arn(partition, "ecs", region, account, f"service/{prefix}/*")]),
        # ECS authorizes new task definitions and services by name (RegisterTaskDefinitions, TagServices).
        allow("DeployCreate", [a for a in by_tag if a in CREATE_ACTIONS
                                and a not in ("ecs:RegisterTaskDefinition", "ecs:TagResource")], [anywhere],
              condition=creating),
        allow("DeploySecrets", [a for a in secrets if a not in CREATE_ACTIONS or a in CREATE_ON_SPACE_RESOURCES],
              [own_secrets],
              condition=space_condition(space)),
        allow("DeployCreateSecrets", [a for a in secrets if a in CREATE_ACTIONS], [own_secrets], condition=creating),
        # RDS creates the master user secret of a database with the caller's permissions; it must not carry
        # the space tag (which would open it to the statements above).
        allow("DatabaseMasterSecrets", ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
              [arn(partition, "secretsmanager", region, account, "secret:rds!db-*")],
              condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": ["platform:space"]}}),
        # Encrypted databases, tables and caches: grants on the space's key only for AWS services.
        allow("KeyGrantsForResources", ["kms:CreateGrant"], [arn(partition, "kms", region, account, "key/*")],
              condition={**space_condition(space), "Bool": {"kms:GrantIsForAWSResource": "true"}}),
        allow("DeployBuckets", [a for a in actions if a.startswith("s3:") and a not in objects], [buckets],
              condition=in_account),
        allow("EmptyBuckets", [a for a in actions if a in objects], [f"{buckets}/*"],
              condition=in_account),
    ]
    iam_actions = [a for a in actions if a.startswith("iam:") and a != "iam:PassRole"]
    if boundary:
        # Roles of services only, and only carrying the space's boundary: no role the pipeline creates or
        # changes can do more than the boundary allows (the pipeline cannot escalate through a role).
        statements += [
            allow("ServiceRolesWithBoundary", [a for a in iam_actions if a in BOUNDED_ROLE_ACTIONS], roles,
                  condition={"ArnEquals": {"iam:PermissionsBoundary": boundary}}),
            allow("ServiceRoles", [a for a in iam_actions if a not in BOUNDED_ROLE_ACTIONS], roles),
        ]
    if star:
        statements.append(allow("DeployReadAccount", star, "*"))
    return [st for st in statements if st["Action"]]


def state_backend_statements(partition: str, team: str, env: str, region: str,
                             state_bucket: str | None, state_prefix: str, secrets_key: str | None) -> list[dict[str, Any]]:
    """Pulumi state of the team's units in the shared backend: its services' stacks of ENV.REGION read and
    written, the space's stack read (stack reference); the secrets key (an alias ARN or a key ARN) used."""
    if not state_bucket:
        return []
    root = f"{state_prefix.strip('/')}/.pulumi" if state_prefix.strip("/") else ".pulumi"
    bucket = f"arn:{partition}:s3:::{state_bucket}"
    stack = f"{env}.{region}"
    statements = [
        allow("StateList", ["s3:ListBucket"], [bucket], condition={"StringLike": {"s3:prefix": [f"{root}/*"]}}),
        allow("StateRead", ["s3:GetObject"], [f"{bucket}/{root}/meta.yaml", f"{bucket}/{root}/*/{space_project(team)}/{stack}*"]),
        allow("StateWrite", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
              [f"{bucket}/{root}/*/{service_project_prefix(team)}*/{stack}*"]),
    ]
    if secrets_key:
        use = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
        if ":alias/" in secrets_key:  # KMS authorizes the key, not its alias: the key the alias names
            key_arn = secrets_key.split(":alias/")[0] + ":key/*"
            alias = "alias/" + secrets_key.split(":alias/")[1]
            # kms:ResourceAliases: also when S3 uses the key (by its ARN) for the state objects.
            statements.append(allow("StateSecretsKey", use, [key_arn],
                                    condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": [alias]}}))
        else:
            statements.append(allow("StateSecretsKey", use, [secrets_key]))
    return statements



def history_leading_keys(team: str) -> list[str]:
    """Partition keys of TEAM's items in the history table: its deployments (``team#TEAM``) and its rollout
    locks (``lock#TEAM/ENV``, ``lock#TEAM/ENV/REGION``). Team names have no ``/``, ``*`` or ``?``."""
    return [f"team#{team}", f"lock#{team}/*"]


def history_statements(table_arn: str | None, team: str) -> list[dict[str, Any]]:
    """Record deployments and take rollout locks in the shared history table: only TEAM's items."""
    if not table_arn:
        return []
    return [allow("DeployHistory", list(HISTORY_ITEM_ACTIONS), [table_arn],
                  condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": history_leading_keys(team)}})]



def service_linked_role_statement(partition: str, account: str) -> dict[str, Any]:
    """Create the service-linked roles of :data:`SERVICE_LINKED_ROLE_SERVICES` (AWS creates them on first use,
    with the caller's permissions), and no other."""
    return allow("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], service_linked_role_arns(partition, account),
                 condition={"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}})


def ci_deploy_policies(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str, *,
                       bucket_prefix: str, boundary: str | None, team: str = "", env: str = "",
                       state_bucket: str | None = None, state_prefix: str = "",
                       secrets_key: str | None = None, history_table: str | None = None,
                       service_linked_roles: bool = False) -> dict[str, dict[str, Any]]:
    """What a pipeline needs to deploy the space's services, as named documents each within IAM's size limit.

    ``release``: push images to the space's registry and roll its services. ``deploy``: create, update and
    delete every resource of a service unit (:data:`DEPLOY_ACTIONS`) of the space only, roles only with the
    space's boundary, and the Pulumi state of the team's units when the workspace uses the shared backend;
    the team's items of the shared history table (``history_table``, its ARN) when deployments are recorded
    and locked there; with ``service_linked_roles``, the service-linked roles a first deploy of a service needs.

    The space stack passes both (the history table when the workspace keeps its history in DynamoDB). The CI
    boundary (:func:`ci_boundary`) covers them within IAM's 6,144 characters because it writes read-only
    families as ``SERVICE:Describe*``/``List*``/``Get*``; these documents name every action.
    """
    if history_table and not team:
        raise ValueError("history_table needs the team: its items are the team's only")
    release = doc(
        allow("Login", ["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"], "*"),
        allow("PushImages", ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                             "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"],
              [ecr_arn]),
        # A new revision has no tags to check yet: the space's families, registered with the space's tag.
        allow("RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
              task_definition_arns(partition, region, account, prefix), condition=space_tag_request(space)),
        allow("PassServiceRoles", ["iam:PassRole"], [f"arn:{partition}:iam::{account}:role/{prefix}-*"],
              condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        allow("ReadAlarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
        *state_backend_statements(partition, team, env, region, state_bucket, state_prefix, secrets_key),
        *history_statements(history_table, team),
    )
    statements = _space_deploy_statements(partition, region, account, space, prefix, bucket_prefix, boundary)
    if service_linked_roles:
        statements.append(service_linked_role_statement(partition, account))
    by_tag = ("DeployTagged", "DeployCreate", "TagServices")
    return {"release": release,
            "deploy": doc(*[st for st in statements if st["Sid"] in by_tag]),
            "deploy-named": doc(*[st for st in statements if st["Sid"] not in by_tag])}


def ci_deploy_policy(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str,
                     **kwargs: Any) -> dict[str, Any]:
    """Every statement of :func:`ci_deploy_policies` in one document (for checks; IAM gets the split documents)."""
    kwargs.setdefault("bucket_prefix", f"{prefix}-")
    kwargs.setdefault("boundary", boundary_arn(partition, account, prefix))
    docs = ci_deploy_policies(partition, region, account, space, prefix, ecr_arn, **kwargs)
    return doc(*[st for d in docs.values() for st in d["Statement"]])


