"""IAM policy documents and ARNs of the platform: pure functions, tested on their own.

Every document grants named actions on named resources. ``*`` as a resource appears only
for the actions AWS defines without resource-level permissions, listed once in
:data:`STAR_RESOURCE_ACTIONS`, and in KMS key policies, where ``*`` means "this key".
The one document with wildcard actions is the CI deploy role's boundary, which grants nothing
by itself: read-only families only (``SERVICE:Describe*``, ``SERVICE:List*``, ``SERVICE:Get*``,
see :func:`read_only_families`).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from platform_cli.planning.names import ci_audience

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

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


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
    """Trust of the CI deploy role: only the space's repositories, only for this environment.

    GitHub's subject names the GitHub environment. GitLab's subject does not, so GitLab jobs
    must also present this environment's audience (:func:`ci_audience`) as ``aud``: a job of
    another environment, even on the same repository and branch, requests another audience."""
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
            "Condition": {"StringEquals": {f"{host}:aud": ci_audience(gitlab_url, env)},
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


READ_ONLY_VERBS: tuple[str, ...] = ("Describe", "List", "Get")
"""Verbs of the read-only action families a boundary may write as ``SERVICE:VERB*`` (see :func:`read_only_families`)."""

NOT_READ_ONLY_FAMILIES: frozenset[str] = frozenset({
    # Families whose names read like reading but which issue credentials: never written as a family.
    "sts:Get*",  # GetSessionToken, GetFederationToken
    "ecr:Get*",  # GetAuthorizationToken
})

STAR_RESOURCE_FAMILIES: frozenset[str] = frozenset({
    # Read-only families every action of which AWS defines without resource-level permissions: on resource "*"
    # they name nothing a resource ARN could have narrowed (tests check this against IAM's service reference).
    "elasticloadbalancing:Describe*",
    "application-autoscaling:Describe*",
})
"""The only action families a statement on resource ``*`` may use (in a boundary; never in a grant)."""


def read_only_family(action: str) -> str | None:
    """``ec2:DescribeSecurityGroups`` -> ``ec2:Describe*``; None for an action of no read-only family."""
    service, _, name = action.partition(":")
    verb = next((v for v in READ_ONLY_VERBS if name.startswith(v) and name[len(v):][:1].isupper()), None)
    family = f"{service}:{verb}*" if verb else None
    return family if family not in NOT_READ_ONLY_FAMILIES else None


def read_only_families(actions: list[str], *, star: bool = False) -> list[str]:
    """ACTIONS with the members of each read-only family written as ``SERVICE:Describe*``, ``SERVICE:List*`` or
    ``SERVICE:Get*`` where that is shorter than naming them; every other action named as it is.

    For a permission boundary only (a boundary grants nothing; the identity policies name every action): the
    family allows its other members within the statement's resources and condition, all of them reads. With
    ``star`` (a statement on resource ``*``) only :data:`STAR_RESOURCE_FAMILIES`.
    """
    families: dict[str, list[str]] = {}
    for action in actions:
        family = read_only_family(action)
        if family and (not star or family in STAR_RESOURCE_FAMILIES):
            families.setdefault(family, []).append(action)
    cost = lambda names: sum(len(n) + 3 for n in names)  # noqa: E731  (quotes and comma of a JSON string)
    collapsed = {f for f, members in families.items() if cost([f]) < cost(members)}
    return sorted({read_only_family(a) if read_only_family(a) in collapsed else a for a in actions})


VERBATIM = ("StateSecretsKey", "DeployHistory", "ServiceLinkedRoles")
"""Statements of the CI grants reaching beyond the space: the CI boundary keeps their actions and conditions."""


def ci_boundary(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str, *,
                compact: bool = True, **kwargs: Any) -> dict[str, Any]:
    """The ceiling of the CI deploy role: every action :func:`ci_deploy_policies` grants, named once.

    The deploy role has its own boundary: the roles it creates for services carry the space's boundary
    (:func:`permission_boundary`), which allows none of the deploy actions, so a service role never gains
    deploy or IAM powers from a policy the pipeline writes. Existing resources are the space's by their tag;
    creating and tagging are limited to the account and region here and to the space's request tag (and
    untagged resources) by the grants; roles only with the space's boundary.

    With ``compact`` (the default) the read-only actions of each statement are written as families
    (:func:`read_only_families`), in the same statement, so with the same resources and condition; the
    statements that are not the space's (the state secrets key, the history table, service-linked roles) keep
    the grants' actions and conditions; service-linked roles by the condition naming their services, which also
    fixes their paths (``aws-service-role/SERVICE/``), so the boundary names the path once.
    """
    grants = ci_deploy_policy(partition, region, account, space, prefix, ecr_arn, **kwargs)["Statement"]
    groups: dict[str, tuple[set[str], list[str], dict | None]] = {}

    def add(sid: str, action: str, resources: list[str] | str, condition: dict | None = None) -> None:
        actions, found, _ = groups.setdefault(sid, (set(), [], condition))
        actions.add(action)
        for r in [resources] if isinstance(resources, str) else resources:
            if r not in found:
                found.append(r)

    anywhere = arn(partition, "*", region, account, "*")
    state = f"arn:{partition}:s3:::{kwargs.get('state_bucket')}"
    state_arns = [f"{state}*"]  # the bucket and its objects; the grants name the team's objects in it
    for st in grants:
        for action in st["Action"]:
            service = action.split(":")[0]
            if st["Sid"] == "ServiceLinkedRoles":  # iam:AWSServiceName names the services and so their paths
                add(st["Sid"], action, [f"arn:{partition}:iam::{account}:role/aws-service-role/*"], st.get("Condition"))
            elif st["Sid"] in VERBATIM:  # not the space's
                add(st["Sid"], action, st["Resource"], st.get("Condition"))
            elif action in STAR_RESOURCE_ACTIONS:
                add("AccountWide", action, "*")
            elif service == "s3" and st["Sid"].startswith("State"):
                add("Buckets", action, state_arns, {"StringEquals": {"s3:ResourceAccount": account}})
            elif service == "s3":
                add("Buckets", action, st["Resource"], {"StringEquals": {"s3:ResourceAccount": account}})
            elif action in BOUNDED_ROLE_ACTIONS:
                add("RolesWithBoundary", action, [f"arn:{partition}:iam::{account}:role/{prefix}-*"], st.get("Condition"))
            elif service in ("iam", "cloudwatch"):  # by name: roles and alarms of the space
                add("Named", action, st["Resource"])
            elif action in CREATE_ACTIONS:
                add("CreateInRegion", action, [anywhere])
            else:
                add("SpaceTagged", action, [anywhere], space_condition(space))
    def widest(resources: list[str]) -> list[str]:  # drop a pattern another one of the group already covers
        return [r for r in resources if not any(o != r and fnmatchcase(r, o) for o in resources)]

    statements = [allow(sid, sorted(actions), widest(resources) if sid != "AccountWide" else "*", condition)
                  for sid, (actions, resources, condition) in groups.items()]
    if compact:  # IAM's size limit is tight: read-only families as SERVICE:VERB*, in the boundary only
        statements = [st if st["Sid"] in VERBATIM else
                      {**st, "Action": read_only_families(st["Action"], star=st["Resource"] == "*")}
                      for st in statements]
    return doc(*[{k: v for k, v in st.items() if k != "Sid"} for st in statements])


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


DEPLOY_ACTIONS: dict[str, list[str]] = {
    # What the AWS provider calls to create, read, update, tag and delete each resource type of a service unit.
    "aws:ecs/taskDefinition:TaskDefinition": [
        "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:TagResource",
        "ecs:UntagResource", "iam:PassRole"],
    "aws:ecs/service:Service": [
        "ecs:CreateService", "ecs:DescribeServices", "ecs:UpdateService", "ecs:DeleteService", "ecs:TagResource",
        "ecs:UntagResource"],
    "aws:lb/loadBalancer:LoadBalancer": [
        "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
        "elasticloadbalancing:DescribeTags"],
    "aws:lb/targetGroup:TargetGroup": [
        "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"],
    "aws:lb/listener:Listener": [
        "elasticloadbalancing:CreateListener", "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:ModifyListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"],
    "aws:ec2/securityGroup:SecurityGroup": [
        "ec2:CreateSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupEgress",
        "ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
        "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
        "ec2:DescribeSecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
        "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
        "ec2:DescribeSecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:iam/role:Role": [
        "iam:CreateRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
        "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:DeleteRolePolicy", "iam:DeleteRole"],
    "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    "aws:appautoscaling/target:Target": [
        "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:TagResource",
        "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"],
    "aws:appautoscaling/policy:Policy": [
        "application-autoscaling:PutScalingPolicy", "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DeleteScalingPolicy"],  # its alarms: Application Auto Scaling's own role
    "aws:secretsmanager/secret:Secret": [
        "secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
        "secretsmanager:UpdateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource",
        "secretsmanager:DeleteSecret", "secretsmanager:GetRandomPassword", "kms:DescribeKey"],
    "aws:secretsmanager/secretVersion:SecretVersion": [
        "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage", "kms:GenerateDataKey",
        "kms:Decrypt"],
    "aws:rds/subnetGroup:SubnetGroup": [
        "rds:CreateDBSubnetGroup", "rds:DescribeDBSubnetGroups", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"],
    "aws:rds/instance:Instance": [
        "rds:CreateDBInstance", "rds:DescribeDBInstances", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
        "kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt",
        # RDS creates and tags the master user secret (rds!db-...) with the caller's permissions.
        "secretsmanager:CreateSecret", "secretsmanager:TagResource"],
    "aws:sqs/queue:Queue": [
        "sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:TagQueue",
        "sqs:UntagQueue", "sqs:ListQueueTags", "sqs:DeleteQueue"],
    "aws:s3/bucket:Bucket": [
        "s3:CreateBucket", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketAcl",
        "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration",
        "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:ListBucketVersions", "s3:DeleteObject",
        "s3:DeleteObjectVersion", "s3:DeleteBucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
        "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
        "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
        "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    "aws:s3/bucketVersioning:BucketVersioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [
        "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    "aws:dynamodb/table:Table": [
        "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups",
        "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive",
        "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource", "dynamodb:DeleteTable",
        "kms:DescribeKey", "kms:CreateGrant"],
    "aws:elasticache/subnetGroup:SubnetGroup": [
        "elasticache:CreateCacheSubnetGroup", "elasticache:DescribeCacheSubnetGroups",
        "elasticache:ModifyCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup", "elasticache:AddTagsToResource",
        "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource"],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "elasticache:CreateReplicationGroup", "elasticache:DescribeReplicationGroups",
        "elasticache:DescribeCacheClusters", "elasticache:ModifyReplicationGroup", "elasticache:DeleteReplicationGroup",
        "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource",
        "kms:DescribeKey", "kms:CreateGrant"],
    "aws:sns/topic:Topic": [
        "sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource",
        "sns:ListTagsForResource", "sns:DeleteTopic"],
}
"""Resource type of a service unit -> the IAM actions a pipeline's deploy needs for it (see :func:`ci_deploy_policies`)."""

CREATE_ACTIONS: frozenset[str] = frozenset({
    # Actions creating (or tagging at creation) a resource: it has no tags yet, the request carries the space's tag.
    "ecs:CreateService", "ecs:RegisterTaskDefinition", "ecs:TagResource",
    "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags",
    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags",
    "application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource",
    "secretsmanager:CreateSecret", "secretsmanager:TagResource",
    "rds:CreateDBSubnetGroup", "rds:CreateDBInstance", "rds:AddTagsToResource",
    "sqs:CreateQueue", "sqs:TagQueue", "dynamodb:CreateTable", "dynamodb:TagResource",
    "elasticache:CreateCacheSubnetGroup", "elasticache:CreateReplicationGroup", "elasticache:AddTagsToResource",
    "sns:CreateTopic", "sns:TagResource",
})
"""Deploy actions authorized by ``aws:RequestTag/platform:space`` (besides the resource tag for existing resources)."""

CREATE_ON_SPACE_RESOURCES: frozenset[str] = frozenset({
    # Creating actions that also authorize an existing resource of the space (by its tag): the VPC of a
    # security group, the group of a rule, the load balancer of a listener, the subnet group of a database
    # or cache; and tagging, which also updates the tags of the space's existing resources.
    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "elasticloadbalancing:CreateListener", "rds:CreateDBInstance", "elasticache:CreateReplicationGroup",
    "elasticloadbalancing:AddTags", "ec2:CreateTags", "application-autoscaling:TagResource",
    "rds:AddTagsToResource", "sqs:TagQueue", "dynamodb:TagResource", "elasticache:AddTagsToResource",
    "sns:TagResource", "secretsmanager:TagResource",
})
"""Actions of :data:`CREATE_ACTIONS` that are also authorized by ``aws:ResourceTag/platform:space``."""

BOUNDED_ROLE_ACTIONS: frozenset[str] = frozenset({
    "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"})
"""IAM actions AWS lets a policy tie to the role's permission boundary (``iam:PermissionsBoundary``)."""

_BY_NAME_SERVICES = ("iam", "s3")  # authorized by name, not by tag (see ci_deploy_policies)


def service_role_arns(partition: str, account: str, prefix: str) -> list[str]:
    """The task and execution roles of the space's services (never the space's own team, CI or flow log roles)."""
    return [f"arn:{partition}:iam::{account}:role/{prefix}-*-{kind}" for kind in ("task", "execution")]


def boundary_arn(partition: str, account: str, prefix: str) -> str:
    return f"arn:{partition}:iam::{account}:policy/{prefix}-boundary"


def deploy_actions() -> list[str]:
    return sorted({a for actions in DEPLOY_ACTIONS.values() for a in actions})


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
        allow("StateRead", ["s3:GetObject"], [f"{bucket}/{root}/meta.yaml", f"{bucket}/{root}/*/space-{team}/{stack}*"]),
        allow("StateWrite", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
              [f"{bucket}/{root}/*/service-{team}-*/{stack}*"]),
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


HISTORY_ITEM_ACTIONS: tuple[str, ...] = (
    # What `platform service deploy` calls on the history table (aws/history_dynamodb.py), and nothing else:
    "dynamodb:PutItem",  # DynamoHistory.add (a deployment record); DynamoLock.acquire (conditional put)
    "dynamodb:GetItem",  # DynamoLock.holder / active_holder (consistent reads of the overlapping locks)
    "dynamodb:DeleteItem",  # DynamoLock.release (conditional delete of one's own lock)
    "dynamodb:Query",  # DynamoHistory.query(team=...): the team's records (previous releases of a rollout)
)
"""DynamoDB calls of a deploy on the shared history table. No Scan (history of every team), no UpdateItem."""


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


SERVICE_LINKED_ROLE_SERVICES: tuple[str, ...] = (
    # Services that need their service-linked role in the account before the first service unit deploys.
    "ecs.amazonaws.com",  # ECS services
    "elasticloadbalancing.amazonaws.com",  # load balancers
    "ecs.application-autoscaling.amazonaws.com",  # scaling of ECS services
    "rds.amazonaws.com",  # databases
    "elasticache.amazonaws.com",  # caches
)


def service_linked_role_arns(partition: str, account: str) -> list[str]:
    return [f"arn:{partition}:iam::{account}:role/aws-service-role/{s}/*" for s in SERVICE_LINKED_ROLE_SERVICES]


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
