"""The permission boundary of a space allows everything its roles' own policies grant.

A role's effective permissions are the intersection of its identity policies and its
boundary: a grant the boundary does not cover is denied by AWS. For every role of the
reference workspace that carries a boundary (team roles, CI deploy role, ECS task and
execution roles of a service binding one of every offering), every (action, resource) its
policies grant must fall under a boundary statement: the statement names the action
(IAM wildcards allowed) and one of its resources matches the granted resource (IAM globs
``*`` and ``?``). A boundary statement conditioned on ``aws:ResourceTag/...`` only counts
for actions in :data:`TAG_AWARE`, because AWS evaluates that key only where the resource type
supports it; for any other action such a statement never matches and the call is denied.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest

from platform_cli.planning.policy import READ_ONLY_FAMILY, iam_problems
from stacks import iam

TAG_AWARE: frozenset[str] = frozenset({
    # ECS services and tasks (and container instances, the resource of ListTasks) support aws:ResourceTag.
    # Not ecs:RegisterTaskDefinition (creates the resource: aws:RequestTag) nor ecs:TagResource.
    "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:UpdateService", "ecs:StopTask",
    # ECR repositories support aws:ResourceTag.
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:PutImage",
    "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
    # SQS queues support aws:ResourceTag, except GetQueueUrl, which resolves a name to a queue first.
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
    # SNS topics.
    "sns:Publish", "sns:GetTopicAttributes",
    # DynamoDB tables and their indexes.
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
    # RDS DB instances and ElastiCache replication groups.
    "rds:DescribeDBInstances", "elasticache:DescribeReplicationGroups",
    # Secrets Manager secrets and KMS keys.
    "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt", "kms:GenerateDataKey",
    # Deliberately absent: every s3: action (S3 buckets and objects ignore aws:ResourceTag), logs:CreateLogStream
    # and logs:PutLogEvents (log streams carry no tags), sqs:GetQueueUrl, ecs:RegisterTaskDefinition, ecs:TagResource.
})



def _parliament_tag_aware() -> frozenset[str]:
    """Deploy actions every resource type of which supports aws:ResourceTag, by parliament's copy of IAM's reference."""
    import parliament

    from pathlib import Path

    definition = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    services = {s["prefix"]: s for s in definition}
    out = set()
    for action in iam.deploy_actions():
        service, name = action.split(":")
        privilege = next((p for p in services[service]["privileges"] if p["privilege"].lower() == name.lower()), None)
        if privilege is None:
            continue
        types = [rt["resource_type"].rstrip("*") for rt in privilege["resource_types"] if rt["resource_type"]]
        keys = {r["resource"]: r["condition_keys"] for r in services[service]["resources"]}
        if types and all(any(k.startswith("aws:ResourceTag/") for k in keys.get(t, [])) for t in types):
            out.add(action)
    return frozenset(a for a in out if not a.startswith(("s3:", "iam:")) and not a.startswith(NEVER_TAG_AWARE))



NEVER_TAG_AWARE = ("s3:", "ecs:RegisterTaskDefinition", "ecs:TagResource", "sqs:GetQueueUrl", "logs:PutLogEvents",
                   "logs:CreateLogStream")

# Creating a replication group authorizes its (tagged) subnet group; of its resource types only global
# replication groups, which the platform does not create, lack aws:ResourceTag.
TAG_AWARE = TAG_AWARE | _parliament_tag_aware() | {"elasticache:CreateReplicationGroup"}


def _as_list(v):
    return v if isinstance(v, list) else [] if v is None else [v]


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


@lru_cache(maxsize=None)
def _glob(pattern: str, *, case: bool) -> re.Pattern[str]:
    """IAM glob: '*' any run of characters (also '/' and ':'), '?' one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", 0 if case else re.IGNORECASE)


def action_matches(pattern: str, action: str) -> bool:
    return bool(_glob(pattern, case=False).match(action))  # action names are case-insensitive


def resource_matches(pattern: str, resource: str) -> bool:
    return bool(_glob(pattern, case=True).match(resource))  # ARNs are case-sensitive


def grants(document: dict) -> list[tuple[str, str, dict]]:
    """(action, resource, condition) for every Allow statement of an identity policy."""
    out = []
    for st in _as_list(document.get("Statement")):
        if st.get("Effect") != "Allow":
            continue
        assert "NotAction" not in st and "NotResource" not in st, f"{st.get('Sid')}: cannot check Not* statements"
        for action in _as_list(st.get("Action")):
            for resource in _as_list(st.get("Resource")):
                out.append((action, resource, st.get("Condition") or {}))
    return out


def _condition_keys(condition: dict) -> dict[str, tuple[str, object]]:
    """key (lowercased) -> (operator, value) of a statement's condition block."""
    return {key.lower(): (op, value) for op, block in condition.items() for key, value in block.items()}


def _statement_covers(st: dict, action: str, resource: str, condition: dict) -> str | None:
    """None when the boundary statement allows the grant, else why it does not."""
    if st.get("Effect") != "Allow" or not any(action_matches(p, action) for p in _as_list(st.get("Action"))):
        return "action not named"
    if not any(resource_matches(p, resource) for p in _as_list(st.get("Resource"))):
        return "resource outside"
    granted = _condition_keys(condition)
    for key, (op, value) in _condition_keys(st.get("Condition") or {}).items():
        if key.startswith("aws:resourcetag/") and action not in TAG_AWARE:
            return f"{action} is not authorized by aws:ResourceTag"
        if key.startswith("aws:requesttag/") and granted.get(key) != (op, value):
            return f"boundary requires {key} the grant does not ensure"
    return None


def uncovered(grant_list: list[tuple[str, str, dict]], boundary: dict) -> list[str]:
    """Grants no boundary statement allows, with the nearest reason; [] when the boundary covers all."""
    missing = []
    for action, resource, condition in grant_list:
        reasons = [_statement_covers(st, action, resource, condition) for st in _as_list(boundary.get("Statement"))]
        if None not in reasons:
            near = [r for r in reasons if r not in ("action not named", "resource outside")]
            missing.append(f"{action} on {resource}: {near[0] if near else 'no statement allows it'}")
    return missing


def bounded_roles(units) -> dict[str, tuple[dict, list[tuple[str, str, dict]], str]]:
    """role name -> (boundary document, every grant of its policies, its platform:space tag), across all units."""
    resources = [r for _, rendered in units.values() for r in rendered.resources]
    boundaries = {r["outputs"]["arn"]: _json(r["inputs"]["policy"]) for r in resources
                  if r["type"] == "aws:iam/policy:Policy" and r["name"].endswith("-boundary")}
    out = {}
    for role in (r for r in resources if r["type"] == "aws:iam/role:Role"):
        boundary_arn = role["inputs"].get("permissionsBoundary")
        if not boundary_arn:
            continue
        assert boundary_arn in boundaries, f"{role['name']}: boundary {boundary_arn} not rendered"
        ident = {role["inputs"].get("name"), role["outputs"].get("id")}
        documents = [_json(p["inputs"]["policy"]) for p in resources
                     if p["type"] == "aws:iam/rolePolicy:RolePolicy" and p["inputs"].get("role") in ident]
        documents += [_json(i["policy"]) for i in role["inputs"].get("inlinePolicies") or []]
        managed = {r["outputs"]["arn"]: _json(r["inputs"]["policy"]) for r in resources
                   if r["type"] == "aws:iam/policy:Policy"}
        for p in resources:
            if p["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and p["inputs"].get("role") in ident:
                assert p["inputs"]["policyArn"] in managed, f"{role['name']}: attached policy not rendered"
                documents.append(managed[p["inputs"]["policyArn"]])
        out[role["inputs"]["name"]] = (boundaries[boundary_arn], [g for d in documents for g in grants(d)],
                                       role["inputs"]["tags"]["platform:space"])
    return out


@pytest.fixture(scope="module")
def roles(graphs):  # noqa: F811
    return bounded_roles(graphs[1])


def test_every_kind_of_bounded_role_is_checked(roles, graphs):  # noqa: F811
    ws, units = graphs
    suffixes = {name.rsplit("-", 1)[-1] for name in roles}
    assert {"developer", "only", "deploy", "task", "execution"} <= suffixes
    service_inputs, _ = units["service/payments/api/prod/eu-central-1"]
    assert {b.offering.name for b in service_inputs.bindings} == set(ws.catalog.offering_names())
    task = next(g for n, (_, g, _) in roles.items() if n.endswith("--api--task"))
    # every offering's grants reach the check, including the actions the tag cannot authorize
    assert {a for a, _, _ in task} >= {a for acts in iam.BINDING_ACTIONS.values() for a in acts}


def test_boundary_covers_every_grant_of_every_bounded_role(roles):
    problems = {name: found for name, (boundary, grant_list, _) in roles.items()
                if (found := uncovered(grant_list, boundary))}
    assert problems == {}


def test_boundary_tag_conditions_name_the_roles_space(roles):
    for name, (boundary, _, space) in roles.items():
        for st in boundary["Statement"]:
            for key, (_, value) in _condition_keys(st.get("Condition") or {}).items():
                if key in ("aws:resourcetag/platform:space", "aws:requesttag/platform:space"):
                    assert value == space, f"{name} {st['Sid']}"


def test_identity_policies_use_resource_tags_only_where_aws_evaluates_them(roles):
    """A grant conditioned on aws:ResourceTag for an action AWS cannot authorize that way is dead in AWS."""
    dead = sorted({f"{name}: {action}" for name, (_, grant_list, _) in roles.items()
                   for action, _, condition in grant_list
                   if any(k.startswith("aws:resourcetag/") for k in _condition_keys(condition))
                   and action not in TAG_AWARE})
    assert dead == []


def _wildcards(statements) -> list[str]:
    return [a for st in statements for a in _as_list(st.get("Action")) + _as_list(st.get("NotAction"))
            if "*" in a or "?" in a]


def allowed_family(action: str, resources) -> bool:
    """A read-only family (SERVICE:Describe*, SERVICE:List*, SERVICE:Get*), and on resource "*" only one every
    action of which AWS defines without resource-level permissions."""
    if not READ_ONLY_FAMILY.match(action) or action in iam.NOT_READ_ONLY_FAMILIES:
        return False
    return "*" not in _as_list(resources) or action in iam.STAR_RESOURCE_FAMILIES


def test_wildcard_actions_only_read_only_families_in_the_ci_boundary(roles):
    """Identity policies name every action; the space's boundary too; the CI boundary may write read-only
    families (SERVICE:Describe*, SERVICE:List*, SERVICE:Get*) and no other wildcard."""
    ci = {name: boundary for name, (boundary, _, _) in roles.items() if name.endswith("-ci-deploy")}
    assert ci and len(ci) < len(roles)
    for name, (boundary, grant_list, _) in roles.items():
        assert not [a for a, _, _ in grant_list if "*" in a or "?" in a], name  # grants: explicit names only
        if name not in ci:
            assert _wildcards(boundary["Statement"]) == [], name
    families = [a for boundary in ci.values() for a in _wildcards(boundary["Statement"])]
    assert families  # the CI boundary does use them (or this test checks nothing)
    loose = [f"{a} on {st['Resource']}" for boundary in ci.values() for st in boundary["Statement"]
             for a in _wildcards([st]) if not allowed_family(a, st["Resource"])]
    assert loose == []


CI_BOUNDARY_FAMILIES: dict[str, str] = {
    # Every action family the CI boundary writes, and why. All: the boundary must fit IAM's 6,144 characters (the
    # grants name every action); each family stands for the reads the grants name in the same statement, with
    # the same resources and condition (the space's tag, the space's names, the shared key or table), where the
    # family is shorter than naming them. Every member of each family only reads.
    "application-autoscaling:Describe*": "scalable targets and scaling policies (no resource-level permissions: on *)",
    "elasticloadbalancing:Describe*": "load balancers, target groups, listeners and tags (no resource-level permissions: on *)",
    "application-autoscaling:List*": "tags of the space's scalable targets",
    "cloudwatch:Describe*": "the space's alarms (by name), which the rollout gate reads",
    "dynamodb:Describe*": "the space's tables, their backups and TTL",
    "dynamodb:List*": "tags of the space's tables",
    "ecr:Describe*": "images in the space's registry",
    "ecs:Describe*": "the space's services",
    "elasticache:Describe*": "the space's replication groups, clusters and subnet groups",
    "elasticache:List*": "tags of the space's caches",
    "iam:Get*": "the space's service roles and their inline policies (by name)",
    "iam:List*": "policies and instance profiles of the space's service roles (by name)",
    "kms:Describe*": "the space's key",
    "rds:Describe*": "the space's databases and subnet groups",
    "rds:List*": "tags of the space's databases and subnet groups",
    "route53:Get*": "the hosted zones of the space's domains (by id) and the state of the changes written there",
    "route53:List*": "record sets of the hosted zones of the space's domains (by id)",
    "s3:Get*": "configuration of the space's buckets (by name) and the team's state objects",
    "s3:List*": "the space's buckets, their versions, and the team's state prefix",
    "secretsmanager:Describe*": "the space's binding secrets",
    "secretsmanager:Get*": "the space's binding secrets' values and resource policies (the grants read them too)",
    "secretsmanager:List*": "versions of the space's binding secrets",
    "sns:Get*": "attributes of the space's topics",
    "sns:List*": "tags of the space's topics",
    "sqs:Get*": "attributes of the space's queues",
    "sqs:List*": "tags of the space's queues",
}


def test_every_family_of_the_ci_boundary_is_named_with_its_reason(roles):
    ci = [boundary for name, (boundary, _, _) in roles.items() if name.endswith("-ci-deploy")]
    used = {a for boundary in ci for a in _wildcards(boundary["Statement"])}
    assert used <= set(CI_BOUNDARY_FAMILIES), sorted(used - set(CI_BOUNDARY_FAMILIES))
    assert {a.split(":")[0] for a in used} >= {"ecs", "s3", "iam"}  # the families are in use (this test checks them)
    for family in used:  # each one stands for actions the grants name, which cost more characters than it does
        members = [a for name, (_, grants_, _) in roles.items() if name.endswith("-ci-deploy")
                   for a, _, _ in grants_ if iam.read_only_family(a) == family]
        assert members, family


@pytest.mark.parametrize("action, resources, expected", [
    ("s3:Get*", ["arn:aws:s3:::b*"], True), ("iam:List*", ["arn:aws:iam::1:role/p-*"], True),
    ("ec2:Describe*", ["arn:aws:ec2:r:1:*"], True), ("elasticloadbalancing:Describe*", "*", True),
    ("ec2:Describe*", "*", False),  # some EC2 Describe actions take resources: not on "*"
    ("s3:Put*", ["arn:aws:s3:::b*"], False), ("iam:Create*", ["arn:aws:iam::1:role/p-*"], False),
    ("sts:Get*", "*", False), ("ecr:Get*", ["arn:aws:ecr:r:1:repository/p"], False),  # credentials
    ("s3:*", ["arn:aws:s3:::b*"], False), ("*", ["arn:aws:s3:::b*"], False), ("s3:Get?bject", ["x"], False),
    ("iam:*Role", ["arn:aws:iam::1:role/p-*"], False), ("s3:GetObject*", ["x"], False),
])
def test_allowed_family_rule(action, resources, expected):
    assert allowed_family(action, resources) is expected
    # the plan's IAM check applies the same rule
    problems = iam_problems(iam.doc({"Effect": "Allow", "Action": [action], "Resource": resources}))
    assert (problems == []) is expected, problems


def test_star_resource_families_take_no_resource_in_iam():
    """Every action of a family allowed on "*" has no resource-level permissions (IAM's service reference)."""
    import parliament

    from pathlib import Path

    definition = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    services = {s["prefix"]: s for s in definition}
    for family in iam.STAR_RESOURCE_FAMILIES:
        service, verb = family[:-1].split(":")
        members = [p for p in services[service]["privileges"] if p["privilege"].startswith(verb)]
        assert members, family
        assert [p["privilege"] for p in members if any(rt["resource_type"] for rt in p["resource_types"])] == [], family


def test_tag_aware_table_leaves_out_what_tags_cannot_authorize():
    assert not [a for a in TAG_AWARE if a.startswith(NEVER_TAG_AWARE)]


# the checker itself ----------------------------------------------------------------------------

P, R, A, SPACE, PREFIX = "aws", "eu-central-1", "123456789012", "payments-prod", "payments-prod-euc1"
BOUNDARY = iam.permission_boundary(P, R, A, SPACE, PREFIX, bucket_prefix=f"acme-{PREFIX}-")
QUEUE = f"arn:aws:sqs:{R}:{A}:{PREFIX}-api-jobs"
BUCKET = f"arn:aws:s3:::acme-{PREFIX}-api-files-c1d4bd"
KEY = f"arn:aws:kms:{R}:{A}:key/1"
SECRET = f"arn:aws:secretsmanager:{R}:{A}:secret:platform/{PREFIX}-api/jobs-abcdef"


def _without(boundary: dict, action: str) -> dict:
    return {**boundary, "Statement": [{**st, "Action": [a for a in _as_list(st["Action"]) if a != action]}
                                      for st in boundary["Statement"]]}


@pytest.mark.parametrize("offering, resources, trimmed", [
    ("queue", [QUEUE], "sqs:GetQueueUrl"),
    ("bucket", [BUCKET, f"{BUCKET}/*"], "s3:GetBucketLocation"),
    ("bucket", [BUCKET, f"{BUCKET}/*"], "s3:PutObject"),
    ("table", [f"arn:aws:dynamodb:{R}:{A}:table/{PREFIX}-api-orders"], "dynamodb:Query"),
])
def test_checker_fails_when_the_boundary_misses_a_needed_action(offering, resources, trimmed):
    grant_list = grants(iam.binding_policy(offering, resources, [SECRET], KEY))
    assert uncovered(grant_list, BOUNDARY) == []
    missing = uncovered(grant_list, _without(BOUNDARY, trimmed))
    assert missing and all(m.startswith(f"{trimmed} on ") for m in missing)


def test_task_definitions_are_registered_with_the_space_tag_only():
    from tests.iameval import Request, allowed

    ecr = f"arn:aws:ecr:{R}:{A}:repository/{PREFIX}"
    documents = list(iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ecr, bucket_prefix=f"acme-{PREFIX}-",
                                            boundary=iam.boundary_arn(P, A, PREFIX)).values())
    ci_boundary = iam.ci_boundary(P, R, A, SPACE, PREFIX, ecr)
    family = f"arn:aws:ecs:{R}:{A}:task-definition/{PREFIX}-api:7"
    for action in ("ecs:RegisterTaskDefinition", "ecs:TagResource"):
        tagged = {"aws:RequestTag/platform:space": SPACE, "aws:TagKeys": ["platform:space"]}
        assert allowed(Request(action, family, tagged), documents, boundary=ci_boundary), action
        assert not allowed(Request(action, family, {}), documents, boundary=ci_boundary), action
        other = {"aws:RequestTag/platform:space": "search-prod", "aws:TagKeys": ["platform:space"]}
        assert not allowed(Request(action, family, other), documents, boundary=ci_boundary), action
        assert not allowed(Request(action, f"arn:aws:ecs:{R}:{A}:task-definition/search-prod-euw1-api:1", tagged),
                           documents, boundary=ci_boundary), action
    # the space's boundary (team and service roles) allows no task definition at all
    assert not allowed(Request("ecs:RegisterTaskDefinition", family, {"aws:RequestTag/platform:space": SPACE}),
                       [iam.doc(iam.allow("All", ["ecs:RegisterTaskDefinition"], "*"))], boundary=BOUNDARY)


def test_checker_rejects_a_tag_scoped_boundary_for_s3_and_queue_urls():
    """The earlier shape (everything under the space tag) leaves bucket and GetQueueUrl grants uncovered."""
    tag_only = iam.doc(iam.allow("SpaceResources", ["s3:GetObject", "s3:ListBucket", "sqs:GetQueueUrl"],
                                 ["arn:aws:s3:::*", f"arn:aws:sqs:{R}:{A}:*"], condition=iam.space_condition(SPACE)))
    missing = uncovered(grants(iam.binding_policy("queue", [QUEUE], [SECRET], KEY))
                        + grants(iam.binding_policy("bucket", [BUCKET, f"{BUCKET}/*"], [SECRET], KEY)), tag_only)
    assert any(m.startswith("sqs:GetQueueUrl") and "aws:ResourceTag" in m for m in missing)
    assert any(m.startswith("s3:GetObject") and "aws:ResourceTag" in m for m in missing)


def test_checker_rejects_resources_outside_the_space():
    other = grants(iam.binding_policy("bucket", ["arn:aws:s3:::acme-search-prod-euw1-x", "arn:aws:s3:::acme-search-prod-euw1-x/*"],
                                      [SECRET], KEY))
    assert {m.split(" on ")[0] for m in uncovered(other, BOUNDARY)} == set(iam.BINDING_ACTIONS["bucket"])


@pytest.mark.parametrize("pattern, action, expected", [
    ("s3:Get*", "s3:GetObject", True), ("s3:Get*", "S3:getBucketPolicy", True), ("s3:Get*", "s3:PutObject", False),
    ("iam:List*", "iam:ListRolePolicies", True), ("iam:List*", "iam:PassRole", False),
    ("rds:Describe*", "rdsx:DescribeDBInstances", False), ("rds:Describe*", "elasticache:DescribeCacheClusters", False),
])
def test_boundary_action_patterns_match_by_iam_glob(pattern, action, expected):
    assert action_matches(pattern, action) is expected


def test_checker_covers_grants_by_a_family_within_its_resources_only():
    boundary = iam.doc(iam.allow("Read", ["s3:Get*", "s3:List*"], [f"{BUCKET}*"]))
    assert uncovered([("s3:GetObject", f"{BUCKET}/k", {}), ("s3:ListBucket", BUCKET, {}),
                      ("s3:GetBucketLocation", BUCKET, {})], boundary) == []
    assert uncovered([("s3:PutObject", f"{BUCKET}/k", {})], boundary)  # not a member of the family
    assert uncovered([("s3:GetObject", "arn:aws:s3:::acme-search-prod-euw1-x/k", {})], boundary)  # elsewhere


LONGEST_PREFIX = "a" * 35 + "-euc1"
LONGEST = dict(bucket_prefix=("acme-" + LONGEST_PREFIX)[:53] + "-", team="a" * 30, env="production",
               boundary=iam.boundary_arn(P, A, LONGEST_PREFIX), state_bucket="s" * 63,
               state_prefix="platform/state/of/units", secrets_key=f"arn:aws:kms:{R}:{A}:alias/{'k' * 60}",
               history_table=f"arn:aws:dynamodb:{R}:{A}:table/{'h' * 64}", service_linked_roles=True)


def test_ci_boundary_families_keep_the_scope_of_the_actions_they_stand_for():
    args = (P, R, A, "a" * 30 + "-production", LONGEST_PREFIX, f"arn:aws:ecr:{R}:{A}:repository/{LONGEST_PREFIX}")
    explicit = iam.ci_boundary(*args, compact=False, **LONGEST)
    compact = iam.ci_boundary(*args, **LONGEST)
    assert len(explicit["Statement"]) == len(compact["Statement"])
    for e, c in zip(explicit["Statement"], compact["Statement"]):
        assert (c["Resource"], c.get("Condition")) == (e["Resource"], e.get("Condition"))
        families = _wildcards([c])
        named = [a for a in c["Action"] if a not in families]
        assert set(named) <= set(e["Action"])
        # every action of the grants is named or a member of a family of the same statement ...
        assert [a for a in e["Action"] if a not in named and not any(action_matches(f, a) for f in families)] == []
        # ... and a family stands for actions the grants need, is read-only, and only where it is shorter
        for f in families:
            members = [a for a in e["Action"] if action_matches(f, a)]
            assert members and allowed_family(f, c["Resource"]), f
            assert len(f) + 3 < sum(len(m) + 3 for m in members), f
        if any(a.startswith(("dynamodb:PutItem", "kms:Encrypt")) for a in e["Action"]):  # history, state key
            assert families == [] and c == e
    grant_list = [g for d in iam.ci_deploy_policies(*args, **LONGEST).values() for g in grants(d)]
    assert uncovered(grant_list, explicit) == [] and uncovered(grant_list, compact) == []
    assert len(json.dumps(compact)) < len(json.dumps(explicit)) - 1000


def test_read_only_families():
    assert iam.read_only_families(["s3:GetObject", "s3:GetBucketPolicy", "s3:PutObject", "s3:ListBucket"]) == [
        "s3:Get*", "s3:List*", "s3:PutObject"]
    # not shorter: named; credentials: never a family; on "*" only the families without resource-level permissions
    assert iam.read_only_families(["sqs:GetQ"]) == ["sqs:GetQ"]
    assert iam.read_only_families(["sts:GetCallerIdentity", "ecr:GetAuthorizationToken"]) == [
        "ecr:GetAuthorizationToken", "sts:GetCallerIdentity"]
    assert iam.read_only_families(["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
                                   "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeListeners"],
                                  star=True) == ["ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups",
                                                 "elasticloadbalancing:Describe*"]
    assert iam.read_only_family("iam:Getaway") is None and iam.read_only_family("iam:ListRoles") == "iam:List*"


@pytest.mark.parametrize("pattern, value, expected", [
    ("arn:aws:s3:::acme-p-*", "arn:aws:s3:::acme-p-x/y/z", True),
    ("arn:aws:s3:::acme-p-*/*", "arn:aws:s3:::acme-p-x", False),
    ("arn:aws:sqs:r:1:p-?", "arn:aws:sqs:r:1:p-a", True),
    ("arn:aws:sqs:r:1:p-?", "arn:aws:sqs:r:1:p-ab", False),
    ("arn:aws:logs:r:1:log-group:/platform/p:*", "arn:aws:logs:r:1:log-group:/platform/p:log-stream:s", True),
    ("arn:aws:logs:r:1:log-group:/platform/p:*", "arn:aws:logs:r:1:log-group:/platform/pq:*", False),
    ("arn:aws:s3:::a.b", "arn:aws:s3:::aXb", False),
])
def test_iam_glob(pattern, value, expected):
    assert resource_matches(pattern, value) is expected


def test_bucket_prefix_starts_every_bucket_name_of_the_space():
    from platform_cli.planning.names import bucket_name, bucket_prefix

    for team in ("payments", "t" * 30, "a-very-long-team-name-for-the-platform"):
        for purpose in ("artifacts", "api-files", "x" * 40):
            prefix = bucket_prefix("acme", team, "prod", "eu-central-1")
            assert bucket_name("acme", team, "prod", "eu-central-1", purpose, A).startswith(prefix)
            assert not bucket_name("acme", team + "x", "prod", "eu-central-1", purpose, A).startswith(prefix) or \
                len(prefix) >= 54


def test_boundary_fits_a_managed_policy(roles):
    """IAM rejects managed policies over 6,144 characters (whitespace not counted)."""
    for name, (boundary, _, _) in roles.items():
        assert len(re.sub(r"\s", "", json.dumps(boundary))) <= 6144, name
