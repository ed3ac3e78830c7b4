"""IAM policy documents and ARNs of the platform: pure functions, tested on their own.

Every document grants named actions on named resources. ``*`` as a resource appears only
for the actions AWS defines without resource-level permissions, listed once in
:data:`STAR_RESOURCE_ACTIONS`, and in KMS key policies, where ``*`` means "this key".
"""

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
})
"""The one list of actions whose statements may (and must) use ``*`` as resource."""

KEY_POLICY_STAR = "kms key policy"
"""In a KMS key policy the resource ``*`` refers to the key itself; policies allow it there only."""

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def service_principal(service: str, partition: str = "aws") -> str:
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


# trust policies ---------------------------------------------------------------------------------

def service_trust(service: str, account: str) -> dict[str, Any]:
    """Trust policy for an AWS service principal, limited to this account (confused deputy)."""
    return doc({"Effect": "Allow", "Principal": {"Service": service_principal(service)}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}})


def team_trust(partition: str, account: str, team: str) -> dict[str, Any]:
    """People of the team (principals tagged platform:team=TEAM) with MFA may assume the team's roles."""
    return doc({
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/platform:team": team},
                      "Bool": {"aws:MultiFactorAuthPresent": "true"}},
    })


def oidc_provider_arn(partition: str, account: str, host: str) -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{host}"


def github_subjects(repos: list[str], env: str) -> list[str]:
    """OIDC subjects of GitHub Actions jobs of these repositories running in the GitHub environment ENV."""
    return [f"repo:{r}:environment:{env}" for r in repos]


def gitlab_subjects(repos: list[str], protected: bool) -> list[str]:
    """GitLab subjects: protected environments deploy from the default branch only."""
    ref = "ref_type:branch:ref:main" if protected else "ref_type:*"
    return [f"project_path:{r}:{ref}" for r in repos]


def ci_trust(partition: str, account: str, repos: list[str], env: str, *, protected: bool,
             github: bool = True, gitlab_url: str | None = None) -> dict[str, Any]:
    """Trust of the CI deploy role: only the space's repositories, only for this environment."""
    statements = []
    if github and repos:
        statements.append({
            "Sid": "GitHubActions", "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(partition, account, GITHUB_OIDC_HOST)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                           f"{GITHUB_OIDC_HOST}:sub": github_subjects(repos, env)}},
        })
    if gitlab_url and repos:
        host = gitlab_url.removeprefix("https://").rstrip("/")
        statements.append({
            "Sid": "GitLabCI", "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(partition, account, host)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:aud": gitlab_url.rstrip("/")},
                          "StringLike": {f"{host}:sub": gitlab_subjects(repos, protected)}},
        })
    if not statements:  # a role must trust someone: nobody but the account's own CI bootstrap
        statements.append({"Sid": "NoCiRepos", "Effect": "Deny", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                           "Action": "sts:AssumeRole"})
    return doc(*statements)


# permission documents ---------------------------------------------------------------------------

def space_condition(space: str) -> dict[str, Any]:
    return {"StringEquals": {"aws:ResourceTag/platform:space": space}}


def _regional(partition: str, region: str, account: str, services: list[str]) -> list[str]:
    return [arn(partition, s, region, account, "*") for s in services]


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


def space_tag_request(space: str) -> dict[str, Any]:
    """A resource being created must carry the space's tag."""
    return {"StringEquals": {"aws:RequestTag/platform:space": space}}


SPACE_TAGGED_ACTIONS: tuple[str, ...] = (
    "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:UpdateService", "ecs:StopTask",
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:PutImage",
    "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility", "sns:Publish", "sns:GetTopicAttributes",
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem", "rds:DescribeDBInstances", "elasticache:DescribeReplicationGroups",
    "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt", "kms:GenerateDataKey",
)
"""Actions of the space's roles whose resource types AWS authorizes by ``aws:ResourceTag``."""

BUCKET_ACTIONS: tuple[str, ...] = ("s3:ListBucket", "s3:GetBucketLocation")
OBJECT_ACTIONS: tuple[str, ...] = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")


def permission_boundary(partition: str, region: str, account: str, space: str, prefix: str, *,
                        bucket_prefix: str) -> dict[str, Any]:
    """The ceiling of every role of the space: its account and region, and only the space's resources.

    Resources are the space's where AWS can tell: by the ``platform:space`` tag for actions whose
    resource types support ``aws:ResourceTag``; by name for the rest (S3 buckets and objects, the
    log group and its streams, queue URLs, task definition families), since every such name starts
    with the space prefix (buckets with BUCKET_PREFIX, see ``planning.names.bucket_prefix``); by the
    request tag for task definitions a pipeline registers. Only actions some role of the space is
    granted appear: a policy added later cannot reach further than what the roles use today.
    """
    regional = ["ecs", "ecr", "sqs", "sns", "dynamodb", "rds", "elasticache", "secretsmanager", "kms"]
    buckets = f"arn:{partition}:s3:::{bucket_prefix}*"
    in_account = {"StringEquals": {"s3:ResourceAccount": account}}  # bucket names are global: only ours
    return doc(
        allow("SpaceResources", list(SPACE_TAGGED_ACTIONS), _regional(partition, region, account, regional),
              condition=space_condition(space)),
        # RDS creates the master user secret of a database (rds!db-...) and tags it with the database,
        # not with the space: a database of the space has the space prefix.
        allow("SpaceDatabaseSecrets", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
              [arn(partition, "secretsmanager", region, account, "secret:rds!db-*")],
              condition={"StringLike": {"aws:ResourceTag/aws:rds:primaryDBInstanceArn":
                                        arn(partition, "rds", region, account, f"db:{prefix}-*")}}),
        # CloudWatch Logs authorizes log streams without tags: the space's log group by name.
        allow("SpaceLogs", ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:CreateLogStream", "logs:PutLogEvents"],
              log_group_arns(partition, region, account, prefix)),
        # S3 authorizes buckets and objects without aws:ResourceTag: the space's buckets by name.
        allow("SpaceBuckets", list(BUCKET_ACTIONS), [buckets], condition=in_account),
        allow("SpaceObjects", list(OBJECT_ACTIONS), [f"{buckets}/*"], condition=in_account),
        # GetQueueUrl resolves a name before any tag can be read: the space's queues by name.
        allow("SpaceQueueUrls", ["sqs:GetQueueUrl"], [arn(partition, "sqs", region, account, f"{prefix}-*")]),
        # A new task definition revision has no tags yet: the space's families, tagged with the space.
        allow("SpaceTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
              task_definition_arns(partition, region, account, prefix), condition=space_tag_request(space)),
        allow("PassOwnRoles", ["iam:PassRole"], [f"arn:{partition}:iam::{account}:role/{prefix}-*"]),
        allow("SpaceAlarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
        allow("AccountWide", sorted(STAR_RESOURCE_ACTIONS), "*"),
    )


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


def ci_deploy_policy(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str) -> dict[str, Any]:
    """What a pipeline needs: push images to the space's registry and roll the space's services."""
    return doc(
        allow("Login", ["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"], "*"),
        allow("PushImages", ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                             "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"],
              [ecr_arn]),
        allow("DeployServices", ["ecs:DescribeServices", "ecs:UpdateService"],
              _regional(partition, region, account, ["ecs"]), condition=space_condition(space)),
        # A new revision has no tags to check yet: the space's families, registered with the space's tag.
        allow("RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
              task_definition_arns(partition, region, account, prefix), condition=space_tag_request(space)),
        # AWS defines ecs:DescribeTaskDefinition without resource-level permissions.
        allow("ReadTaskDefinitions", ["ecs:DescribeTaskDefinition"], "*"),
        allow("PassServiceRoles", ["iam:PassRole"], [f"arn:{partition}:iam::{account}:role/{prefix}-*"],
              condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        allow("ReadAlarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
    )


def flow_logs_policy(log_group_arn: str) -> dict[str, Any]:
    return doc(allow("FlowLogs", ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                     [log_group_arn, f"{log_group_arn}:*"]))


def kms_key_policy(partition: str, region: str, account: str) -> dict[str, Any]:
    """Key policy: the account administers the key; CloudWatch Logs of this region may use it."""
    return doc(
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
         "Action": ["kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
                    "kms:DescribeKey", "kms:DisableKey", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt",
                    "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
                    "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy",
                    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
                    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
                    "kms:UpdateKeyDescription"],
         "Resource": "*"},
        {"Sid": "CloudWatchLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.{dns_suffix(partition)}"},
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ReEncryptFrom",
                    "kms:ReEncryptTo"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:*"}}},
    )


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


BINDING_ACTIONS: dict[str, list[str]] = {
    "postgres": ["rds:DescribeDBInstances"],
    "queue": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
              "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility"],
    "bucket": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"],
    "table": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
              "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
              "dynamodb:DescribeTable"],
    "cache": ["elasticache:DescribeReplicationGroups"],
    "topic": ["sns:Publish", "sns:GetTopicAttributes"],
}
"""Actions a service gets on the resource of each offering it binds."""


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
