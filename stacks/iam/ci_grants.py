"""Grants of the CI deploy role: release, deploy within the space, the team's state and history."""

from __future__ import annotations

from typing import Any

from platform_cli.planning.domains import record_names
from platform_cli.planning.names import SEP, flat_prefix, service_project_prefix, space_project
from platform_cli.planning.tags import SECRETS_CONTEXT_KEY, SHARED_SPACE

from .actions import (BOUNDED_ROLE_ACTIONS, CREATE_ACTION_KEYS, CREATE_ACTIONS, CREATE_ON_SPACE_RESOURCES, CREATED_RESOURCES,
                      HISTORY_ITEM_ACTIONS, SERVICE_LINKED_ROLE_SERVICES, TAG_KEYS, TAG_ON_CREATE, deploy_actions)
from .arns import (alarm_arns, boundary_arn, secret_arns, secrets_prefix, service_linked_role_arns, service_role_arns,
                   task_definition_arns)
from .documents import STAR_RESOURCE_ACTIONS, allow, arn, dns_suffix, doc, space_condition, space_tag_request

_BY_NAME_SERVICES = ("iam", "s3", "route53")  # authorized by name, not by tag (see ci_deploy_policies)

OBJECT_DELETES: tuple[str, ...] = ("s3:DeleteObject", "s3:DeleteObjectVersion")
"""The only object actions of the CI deploy role on the space's buckets: emptying a bucket before deleting it."""


def creating_condition(space: str) -> dict[str, Any]:
    """A resource being created carries the space's tag (its other tag keys: :func:`deny_other_tag_keys`)."""
    return space_tag_request(space)


def deny_other_tag_keys() -> dict[str, Any]:
    """No request sets a tag key but the platform's (:data:`TAG_KEYS`; ``aws:`` keys are AWS's own, which no caller
    can set): one statement for every creating and tagging grant."""
    return {"Sid": "DenyOtherTagKeys", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"ForAnyValue:StringNotLike": {"aws:TagKeys": [*TAG_KEYS, "aws:*"]}}}


def created_arns(partition: str, region: str, account: str, prefix: str, action: str, secrets: str) -> list[str]:
    """The ARNs a creating action is authorized on for what it creates (:data:`CREATED_RESOURCES`); SECRETS what the
    space's secret names start with."""
    return [arn(partition, service, region, account, resource.format(prefix=prefix, flat=flat_prefix(prefix), secrets=secrets))
            for service, resource in CREATED_RESOURCES[action]]


CREATE_SIDS = frozenset(f"Deploy{a.split(':')[1]}" for a in CREATED_RESOURCES)
"""Sids the creating statements may have (one per set of created resources, named for its first action)."""


def _create_statements(partition: str, region: str, account: str, space: str, prefix: str,
                       actions: list[str], secrets: str) -> list[dict[str, Any]]:
    """Creating (and tagging at creation) the space's new resources: each action on what it creates only, with the
    space's request tag. No statement selects a resource by a tag it lacks, so no existing resource, untagged or
    another space's, is authorized by a request tag (existing resources are the space's by their tag, elsewhere)."""
    creating = creating_condition(space)
    by_resources: dict[tuple[str, ...], list[str]] = {}  # one statement per set of created resources: no action is
    for action in (a for a in actions if a in CREATED_RESOURCES):  # granted on what another one creates
        resources = tuple(sorted(created_arns(partition, region, account, prefix, action, secrets)))
        by_resources.setdefault(resources, []).append(action)
    statements = [allow(f"Deploy{sorted(group)[0].split(':')[1]}", group, list(resources), condition=creating)
                  for resources, group in sorted(by_resources.items(), key=lambda kv: sorted(kv[1]))]
    for tagging, by in sorted(TAG_ON_CREATE.items()):
        if tagging not in actions:
            continue
        service = tagging.split(":")[0]
        resources = sorted({r for a in by for r in created_arns(partition, region, account, prefix, a, secrets)
                            if ":default" not in r})  # what the actions create, never AWS's default groups
        condition = dict(creating)
        if service in CREATE_ACTION_KEYS:
            condition["StringEquals"] = {**condition["StringEquals"],
                                         CREATE_ACTION_KEYS[service]: [a.split(":")[1] for a in by]}
        sid = "TagOnCreate" + "".join(w.capitalize() for w in service.replace("-", " ").split())
        statements.append(allow(sid, [tagging], resources, condition=condition))
    return statements


def _space_deploy_statements(partition: str, region: str, account: str, space: str, prefix: str,
                             bucket_prefix: str, boundary: str | None, team: str, env: str) -> list[dict[str, Any]]:
    """The deploy statements, shared by the CI policy and the permission boundary (so the boundary covers them)."""
    actions = deploy_actions()
    star = [a for a in actions if a in STAR_RESOURCE_ACTIONS]
    by_tag = [a for a in actions if a not in STAR_RESOURCE_ACTIONS and a.split(":")[0] not in _BY_NAME_SERVICES
              and not a.startswith("secretsmanager:") and a != "iam:PassRole"]
    secrets = [a for a in actions if a.startswith("secretsmanager:") and a not in STAR_RESOURCE_ACTIONS]
    anywhere = arn(partition, "*", region, account, "*")  # any resource of the account and region: the tag decides
    own_secrets = secret_arns(partition, region, account, team, env)
    secret_names = secrets_prefix(team, env, region)
    # An existing resource of the space carries its tag; a tag change keeps it the space's (or names no space).
    tagged = {"StringEquals": space_condition(space)["StringEquals"],
              "StringEqualsIfExists": {"aws:RequestTag/platform:space": space}}
    buckets = f"arn:{partition}:s3:::{bucket_prefix}*"
    in_account = {"StringEquals": {"s3:ResourceAccount": account}}
    roles = service_role_arns(partition, account, prefix)
    objects = OBJECT_DELETES  # emptying a bucket before deleting it
    statements = [
        allow("DeployTagged", [a for a in by_tag if a != "kms:CreateGrant"
                               and (a not in CREATE_ACTIONS or a in CREATE_ON_SPACE_RESOURCES)],
              [anywhere], condition=tagged),
        # ECS: the space's services by name (their cluster is the space's), to change their tags.
        allow("TagServices", ["ecs:TagResource"] if "ecs:TagResource" in actions else [],
              [arn(partition, "ecs", region, account, f"service/{prefix}/*")],
              condition={"StringEqualsIfExists": {"aws:RequestTag/platform:space": space}}),
        *_create_statements(partition, region, account, space, prefix,
                            [a for a in by_tag + secrets if a in CREATE_ACTIONS
                             and a not in ("ecs:RegisterTaskDefinition", "ecs:TagResource")], secret_names),
        allow("DeploySecrets", [a for a in secrets if a not in CREATE_ACTIONS or a in CREATE_ON_SPACE_RESOURCES],
              own_secrets, condition=tagged),
        # RDS creates the master user secret of a database with the caller's permissions; it must not carry
        # the space tag (which would open it to the statements above).
        allow("DatabaseMasterSecrets", ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
              [arn(partition, "secretsmanager", region, account, "secret:rds!db-*")],
              condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": ["platform:space"]},
                         "StringLike": {"aws:RequestTag/aws:rds:primaryDBInstanceArn":
                                        arn(partition, "rds", region, account, f"db:{flat_prefix(prefix)}-*")}}),
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


def deny_bucket_objects(partition: str, bucket_prefix: str) -> dict[str, Any]:
    """No object action but the deletes on the space's buckets, whatever a bucket policy says.

    The pipeline writes each bucket's policy (the TLS-only one, :func:`stacks.iam.deny_insecure_transport`), so it
    could write one that grants its own role or session reads and writes of the objects; an explicit deny in the
    role's identity policy wins over any grant of a resource policy, so no policy it writes gives it the objects."""
    return {"Sid": "DenyBucketObjects", "Effect": "Deny", "NotAction": list(OBJECT_DELETES),
            "Resource": [f"arn:{partition}:s3:::{bucket_prefix}*/*"]}


def deny_other_spaces(space: str) -> dict[str, Any]:
    """Nothing on a resource tagged with another space (a resource of the platform's own is tagged
    :data:`SHARED_SPACE` and reached only by the grants naming it: the team's state objects and history items)."""
    return {"Sid": "DenyOtherSpaces", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/platform:space": [space, SHARED_SPACE]},
                          "Null": {"aws:ResourceTag/platform:space": "false"}}}


def state_list_prefixes(root: str, team: str) -> list[str]:
    """The ``s3:prefix`` values TEAM's CI may list in the state bucket: the folders of its own projects
    (``ROOT/FOLDER/service.TEAM.*``, ``ROOT/FOLDER/space.TEAM/...``, also under ``locks/organization/``). Project
    names are injective (``planning.names``): no other team's project starts with these."""
    return [f"{root}/*/{service_project_prefix(team)}*", f"{root}/*/{space_project(team)}/*",
            f"{root}/*/{space_project(team)}"]


def state_backend_statements(partition: str, team: str, env: str, region: str,
                             state_bucket: str | None, state_prefix: str, secrets_key: str | None,
                             state_account: str | None = None) -> list[dict[str, Any]]:
    """Pulumi state of the team's units in the shared backend: its services' stacks of ENV.REGION read and
    written, the space's stack read (stack reference); the secrets key (an alias ARN or a key ARN) used for the
    team's stack secrets only (their encryption context names the team) and for the state objects through S3.

    The object keys come from the naming functions the engine uses (``pulumi_project``, ``pulumi_stack``), with
    ``*`` for the service: the grant is the team's exactly when those names are injective. With ``state_account``
    (the platform's account, where the bucket is) the bucket must be in that account: a bucket of the same name
    anywhere else is not the platform's."""
    if not state_bucket:
        return []
    root = f"{state_prefix.strip('/')}/.pulumi" if state_prefix.strip("/") else ".pulumi"
    bucket = f"arn:{partition}:s3:::{state_bucket}"
    stack = f"{env}.{region}"
    owner = {"StringEquals": {"s3:ResourceAccount": state_account}} if state_account else {}
    statements = [
        # Listing: the team's own keys only (its service projects' and its space project's, under every folder of
        # the backend: stacks, history, locks, backups), so no team sees another team's state key names.
        allow("StateList", ["s3:ListBucket"], [bucket], condition={"StringLike": {"s3:prefix": state_list_prefixes(
            root, team)}, **owner}),
        allow("StateRead", ["s3:GetObject"], [f"{bucket}/{root}/meta.yaml", f"{bucket}/{root}/*/{space_project(team)}/{stack}*"],
              condition=owner or None),
        allow("StateWrite", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
              [f"{bucket}/{root}/*/{service_project_prefix(team)}*/{stack}*"], condition=owner or None),
    ]
    if secrets_key:
        if ":alias/" in secrets_key:  # KMS authorizes the key, not its alias: the key the alias names
            key_arn = secrets_key.split(":alias/")[0] + ":key/*"
            alias = "alias/" + secrets_key.split(":alias/")[1]
            # kms:ResourceAliases: also when S3 uses the key (by its ARN) for the state objects.
            key, which = [key_arn], {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [alias]}}
        else:
            key, which = [secrets_key], {}
        statements += [
            allow("StateSecretsKey", ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], key,
                  condition={**which, "StringEquals": {f"kms:EncryptionContext:{SECRETS_CONTEXT_KEY}": team}}),
            # S3 reads and writes the state objects with the key (bucket keys: the bucket's ARN as context); which
            # objects the role may read or write is S3's decision above.
            allow("StateObjectsKey", ["kms:Decrypt", "kms:GenerateDataKey"], key,
                  condition={**which, "StringLike": {"kms:ViaService": f"s3.*.{dns_suffix(partition)}"},
                             "StringEquals": {"kms:EncryptionContext:aws:s3:arn": bucket}}),
        ]
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
                  # ForAllValues holds for a request without keys: the keys must be there (a request, not a tag)
                  condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": history_leading_keys(team)},
                             "Null": {"dynamodb:LeadingKeys": "false"}})]



def pass_service_roles(partition: str, account: str, prefix: str) -> dict[str, Any]:
    """Pass the space's service task and execution roles, to ECS tasks only (no team, CI or flow log role)."""
    return allow("PassServiceRoles", ["iam:PassRole"], service_role_arns(partition, account, prefix),
                 condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})


def dns_record_statements(partition: str, domains: dict[str, str]) -> list[dict[str, Any]]:
    """The services' alias records under the space's domains (``domains``: name -> hosted zone id): in each domain's
    zone, A records of the domain and the names below it only (Route 53 checks every record name of a change batch,
    normalized: lowercase, no trailing dot); reading the zones and the changes. Record sets are not taggable: the
    names are the boundary, and no two environments of the workspace hold nested names
    (:func:`platform_cli.planning.domains.domain_problems`)."""
    if not domains:
        return []
    by_zone: dict[str, list[str]] = {}
    for name, zone in sorted(domains.items()):
        by_zone.setdefault(zone, []).extend(record_names(name))
    zone_arn = lambda zone: f"arn:{partition}:route53:::hostedzone/{zone}"  # noqa: E731
    names_key = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
    statements = [allow(f"DnsRecords{i}", ["route53:ChangeResourceRecordSets"], [zone_arn(zone)], condition={
        "ForAllValues:StringLike": {names_key: names},
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["A"]},
        "Null": {names_key: "false"}}) for i, (zone, names) in enumerate(sorted(by_zone.items()))]
    return statements + [
        allow("DnsZones", ["route53:GetHostedZone", "route53:ListResourceRecordSets"], [zone_arn(z) for z in sorted(by_zone)]),
        allow("DnsChanges", ["route53:GetChange"], [f"arn:{partition}:route53:::change/*"]),
    ]


def service_linked_role_statement(partition: str, account: str) -> dict[str, Any]:
    """Create the service-linked roles of :data:`SERVICE_LINKED_ROLE_SERVICES` (AWS creates them on first use,
    with the caller's permissions), and no other."""
    return allow("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], service_linked_role_arns(partition, account),
                 condition={"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}})


def ci_deploy_policies(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str, *,
                       bucket_prefix: str, boundary: str | None, team: str = "", env: str = "",
                       state_bucket: str | None = None, state_prefix: str = "",
                       secrets_key: str | None = None, history_table: str | None = None,
                       service_linked_roles: bool = False, state_account: str | None = None,
                       domains: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """What a pipeline needs to deploy the space's services, as named documents each within IAM's size limit.

    ``release``: push images to the space's registry and roll its services. ``deploy``: create, update and
    delete every resource of a service unit (:data:`DEPLOY_ACTIONS`) of the space only, roles only with the
    space's boundary, and the Pulumi state of the team's units when the workspace uses the shared backend;
    the team's items of the shared history table (``history_table``, its ARN) when deployments are recorded
    and locked there; with ``service_linked_roles``, the service-linked roles a first deploy of a service needs;
    with ``domains`` (name -> hosted zone), the services' alias records under them (:func:`dns_record_statements`).
    ``state_account``: the platform's account holding the state bucket when it is not ACCOUNT (a space with an
    account of its own); the secrets key and the history table are named by their ARNs, which carry their account.

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
        pass_service_roles(partition, account, prefix),
        allow("ReadAlarms", ["cloudwatch:DescribeAlarms"], alarm_arns(partition, region, account, prefix)),
        *state_backend_statements(partition, team, env, region, state_bucket, state_prefix, secrets_key,
                                  state_account=state_account),
        *history_statements(history_table, team),
    )
    if not (team and env):  # the space's name is TEAM--ENV (planning.names.space_name)
        team, _, env = space.partition(SEP)
    statements = _space_deploy_statements(partition, region, account, space, prefix, bucket_prefix, boundary, team, env)
    if service_linked_roles:
        statements.append(service_linked_role_statement(partition, account))
    statements += dns_record_statements(partition, domains or {})
    by_tag = ("DeployTagged", "TagServices")
    creating = [st for st in statements if st["Sid"] in CREATE_SIDS]
    tagging = [st for st in statements if st["Sid"].startswith("TagOnCreate")]
    return {"release": release,
            "deploy": doc(*[st for st in statements if st["Sid"] in by_tag], deny_other_spaces(space)),
            "deploy-create": doc(*creating, deny_other_tag_keys()),
            "deploy-tag": doc(*tagging),
            "deploy-named": doc(*[st for st in statements if st["Sid"] not in by_tag
                                  and st not in creating and st not in tagging],
                                deny_bucket_objects(partition, bucket_prefix))}


def ci_deploy_policy(partition: str, region: str, account: str, space: str, prefix: str, ecr_arn: str,
                     **kwargs: Any) -> dict[str, Any]:
    """Every statement of :func:`ci_deploy_policies` in one document (for checks; IAM gets the split documents)."""
    kwargs.setdefault("bucket_prefix", f"{prefix}-")
    kwargs.setdefault("boundary", boundary_arn(partition, account, prefix))
    docs = ci_deploy_policies(partition, region, account, space, prefix, ecr_arn, **kwargs)
    return doc(*[st for d in docs.values() for st in d["Statement"]])


