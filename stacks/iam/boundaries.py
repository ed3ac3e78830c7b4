"""Permission boundaries: the ceiling of the space's service roles and of its CI deploy role."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from platform_cli.planning.names import flat_prefix

from .actions import BOUNDED_ROLE_ACTIONS, BUCKET_ACTIONS, CREATE_ACTIONS, OBJECT_ACTIONS, SPACE_TAGGED_ACTIONS
from .arns import alarm_arns, log_group_arns, service_role_arns
from .ci_grants import ci_deploy_policy
from .documents import STAR_RESOURCE_ACTIONS, _regional, allow, arn, doc, space_condition


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
                                        arn(partition, "rds", region, account, f"db:{flat_prefix(prefix)}-*")}}),
        # CloudWatch Logs authorizes log streams without tags: the space's log group by name.
        allow("SpaceLogs", ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:CreateLogStream", "logs:PutLogEvents"],
              log_group_arns(partition, region, account, prefix)),
        # S3 authorizes buckets and objects without aws:ResourceTag: the space's buckets by name.
        allow("SpaceBuckets", list(BUCKET_ACTIONS), [buckets], condition=in_account),
        allow("SpaceObjects", list(OBJECT_ACTIONS), [f"{buckets}/*"], condition=in_account),
        # GetQueueUrl resolves a name before any tag can be read: the space's queues by name.
        allow("SpaceQueueUrls", ["sqs:GetQueueUrl"], [arn(partition, "sqs", region, account, f"{prefix}-*")]),
        # No iam:PassRole and no task definitions: no role carrying this boundary is granted them (the CI deploy
        # role has a boundary of its own, :func:`ci_boundary`).
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


VERBATIM = ("StateKey", "DeployHistory", "ServiceLinkedRoles", "PassServiceRoles")
"""Statements of the CI boundary written as the grants' (no read-only families): the shared key, the history table,
service-linked roles and passing roles (the service roles, to ECS tasks only)."""


def ci_boundary(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str, *,
                compact: bool = True, **kwargs: Any) -> dict[str, Any]:
    """The ceiling of the CI deploy role: every action :func:`ci_deploy_policies` grants, named once.

    The deploy role has its own boundary: the roles it creates for services carry the space's boundary
    (:func:`permission_boundary`), which allows none of the deploy actions, so a service role never gains
    deploy or IAM powers from a policy the pipeline writes. Existing resources are the space's by their tag;
    creating and tagging are limited to the account and region here, and by the grants to what each action creates
    with the space's request tag; roles only with the space's boundary; no resource of another space (the grants'
    deny).

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
    state_account = kwargs.get("state_account") or account  # the platform's account, for a space with its own
    state_group = "Buckets" if state_account == account else "StateBucket"
    for st in grants:
        if st["Effect"] == "Deny":  # the grants' denies deny whatever the boundary allows (the bucket objects' too:
            continue  # an explicit deny of the role's own policies wins over any bucket policy's grant)
        for action in st["Action"]:
            service = action.split(":")[0]
            if st["Sid"] == "ServiceLinkedRoles":  # iam:AWSServiceName names the services and so their paths
                add(st["Sid"], action, [f"arn:{partition}:iam::{account}:role/aws-service-role/*"], st.get("Condition"))
            elif st["Sid"] in ("StateSecretsKey", "StateObjectsKey", "DeployHistory"):
                # the shared key and the history table by their ARNs; the grants' conditions (key alias, the team's
                # encryption context, the team's items) are the grants' alone: the boundary's size limit
                add("DeployHistory" if st["Sid"] == "DeployHistory" else "StateKey", action, st["Resource"])
            elif st["Sid"] in VERBATIM:  # not the space's
                add(st["Sid"], action, st["Resource"], st.get("Condition"))
            elif action in STAR_RESOURCE_ACTIONS:
                add("AccountWide", action, "*")
            elif service == "s3" and st["Sid"].startswith("State"):
                add(state_group, action, state_arns, {"StringEquals": {"s3:ResourceAccount": state_account}})
            elif service == "s3":
                add("Buckets", action, st["Resource"], {"StringEquals": {"s3:ResourceAccount": account}})
            elif action in BOUNDED_ROLE_ACTIONS:
                add("RolesWithBoundary", action, service_role_arns(partition, account, prefix), st.get("Condition"))
            elif service in ("iam", "cloudwatch", "route53"):  # by name: roles, alarms, the domains' zones
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

