"""The CI deploy role may run `platform service deploy` for every resource a service unit creates.

The reference service binds one of every offering. Every resource type of its rendered graph must
have its deploy actions in :data:`stacks.iam.DEPLOY_ACTIONS`, and the space's CI policies (as
rendered, attached to the CI role) must allow each of those actions on that very resource: by its
ARN, and with the conditions AWS evaluates for it (the space's tag on an existing resource, the
request's tag when creating one, the boundary a role carries).
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from stacks import iam
from tests.stacks.test_boundary_coverage import _as_list, _json, action_matches, grants, resource_matches, uncovered
from tests.iameval import Request, allowed
from tests.stacks.test_iam_lint import parliament_findings, with_role_denies

SPACE_UNIT = "space/payments/prod/eu-central-1"
SERVICE_UNIT = "service/payments/api/prod/eu-central-1"
P, R, A = "aws", "eu-central-1", "123456789012"


@pytest.fixture(scope="module")
def rendered(graphs):  # noqa: F811
    return graphs[1][SPACE_UNIT], graphs[1][SERVICE_UNIT]


@pytest.fixture(scope="module")
def ci_documents(rendered):
    (_, space), _ = rendered
    resources = space.resources
    role = next(r for r in resources if r["type"] == "aws:iam/role:Role" and r["inputs"]["name"].endswith("-ci-deploy"))
    policies = {r["outputs"]["arn"]: _json(r["inputs"]["policy"]) for r in resources if r["type"] == "aws:iam/policy:Policy"}
    attached = [policies[r["inputs"]["policyArn"]] for r in resources
                if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
                and r["inputs"]["role"] == role["inputs"]["name"]]
    inline = [r for r in resources if r["type"] == "aws:iam/rolePolicy:RolePolicy" and r["inputs"]["role"] in
              (role["inputs"]["name"], role["outputs"].get("id"))]
    assert attached and not inline
    return attached


def _service_types(rendered) -> set[str]:
    _, (_, service) = rendered
    return {r["type"] for r in service.resources if not r["type"].startswith(("pulumi:", "platform:"))}


# --- requests of a deploy, decided by the test evaluator (tests/iameval.py) -----------------------

def request_context(*, tags: dict, creating: bool, context: dict, action: str = "") -> dict:
    """The condition keys of a request: an existing resource's tags (aws:ResourceTag), or, creating one, the request's
    tags (aws:RequestTag, aws:TagKeys) and for EC2 and ELB tagging the creating action (``create_action``)."""
    ctx = {k: v for k, v in context.items() if k not in ("tag_keys", "create_action")}
    if creating:
        ctx.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
        if tags:
            ctx["aws:TagKeys"] = context.get("tag_keys", list(tags))
        service = action.split(":")[0]
        if context.get("create_action") and service in iam.CREATE_ACTION_KEYS:
            ctx[iam.CREATE_ACTION_KEYS[service]] = context["create_action"]
    else:
        ctx.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
    return ctx


def allows(documents: list[dict], action: str, resource: str, *, tags: dict, creating: bool, context: dict) -> bool:
    ctx = request_context(tags=tags, creating=creating, context=context, action=action)
    return allowed(Request(action, resource, ctx), documents)


CREATES_IN: dict[str, str] = {
    # Creating actions whose resource type in the graph is the parent of what they create: the ARN of the new one.
    "ec2:AuthorizeSecurityGroupIngress": "security-group-rule/sgr-0new",
    "ec2:AuthorizeSecurityGroupEgress": "security-group-rule/sgr-0new",
}
PARENTS: dict[str, str] = {
    # Creating actions that also act on an existing resource of the space: which (by resource type of the graph).
    "ec2:CreateSecurityGroup": "aws:ec2/vpc:Vpc",
    "elasticloadbalancing:CreateListener": "aws:lb/loadBalancer:LoadBalancer",
    "rds:CreateDBInstance": "aws:rds/subnetGroup:SubnetGroup",
    "elasticache:CreateReplicationGroup": "aws:elasticache/subnetGroup:SubnetGroup",
}


def _resource_arn(r: dict, by_id: dict) -> str:
    """The ARN IAM authorizes a resource's API calls on (a sub-resource's calls act on its parent)."""
    t, inputs, outputs = r["type"], r.get("inputs", {}), r.get("outputs", {})
    if t == "aws:iam/rolePolicy:RolePolicy":
        return f"arn:aws:iam::{A}:role/{inputs['role']}"
    if t.startswith("aws:s3/bucket") and t != "aws:s3/bucket:Bucket":
        return f"arn:aws:s3:::{inputs['bucket']}"
    if t == "aws:appautoscaling/policy:Policy":
        return by_id[inputs["resourceId"]]
    if t.startswith("aws:vpc/securityGroup"):
        return by_id[inputs["securityGroupId"]]
    if t == "aws:sqs/queuePolicy:QueuePolicy":  # SetQueueAttributes on the queue its URL names
        return next(arn for i, arn in by_id.items() if i == inputs["queueUrl"])
    if t == "aws:sns/topicPolicy:TopicPolicy":
        return inputs["arn"]
    return outputs["arn"]


def missing_grants(documents: list[dict], rendered, table: dict[str, list[str]]) -> list[str]:
    """Every (resource, action) of the service graph the CI documents do not allow, for the resource's ARN: what a
    creating action creates with the request's tags, an existing resource with its tags."""
    (space_inputs, space), (_, service) = rendered
    tags = space_inputs.tags
    key_arn = space.outputs["kms_key_arn"]
    by_id = {r["outputs"].get("id"): r["outputs"].get("arn") for r in service.resources if r.get("outputs")}
    context = {"s3:resourceaccount": A, "iam:passedtoservice": "ecs-tasks.amazonaws.com",
               "iam:permissionsboundary": space.outputs["permission_boundary_arn"],
               "kms:grantisforawsresource": "true"}
    parents = {t: f"arn:aws:ec2:{R}:{A}:vpc/vpc-0space" if t == "aws:ec2/vpc:Vpc" else
               next(r["outputs"]["arn"] for r in service.resources if r["type"] == t)
               for t in PARENTS.values() if t == "aws:ec2/vpc:Vpc" or any(r["type"] == t for r in service.resources)}
    missing = []
    for r in service.resources:
        if r["type"].startswith(("pulumi:", "platform:")):
            continue
        own = _resource_arn(r, by_id)
        for action in table.get(r["type"], []):
            service_prefix = action.split(":")[0]
            creating = action in iam.CREATE_ACTIONS
            if action in iam.STAR_RESOURCE_ACTIONS:
                target = "*"
            elif service_prefix == "kms":
                target = key_arn
            elif action == "iam:PassRole":
                target = f"arn:aws:iam::{A}:role/{r['inputs']['family']}-task"
            elif action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):  # emptying the bucket: its objects
                target = f"{own}/any/key"
            elif r["type"] == "aws:rds/instance:Instance" and service_prefix == "secretsmanager":
                target, creating = f"arn:aws:secretsmanager:{R}:{A}:secret:rds!db-0123-abcdef", True
            elif action in CREATES_IN:
                target = f"arn:aws:ec2:{R}:{A}:{CREATES_IN[action]}"
            else:
                target = own
            rds_secret = "rds!" in target
            ctx = {**context, "tag_keys": list(tags) + ["Name"]}
            request_tags = dict(tags)
            if rds_secret:  # RDS tags the master secret with its database, not with the space
                request_tags = {"aws:rds:primaryDBInstanceArn": next(x["outputs"]["arn"] for x in service.resources
                                                                     if x["type"] == "aws:rds/instance:Instance")}
                ctx["tag_keys"] = list(request_tags)
            if action in iam.TAG_ON_CREATE:  # tagging at creation: the resource type's creating action
                ctx["create_action"] = next(a for a in table[r["type"]] if a in iam.TAG_ON_CREATE[action]
                                            or a in CREATES_IN).split(":")[1]
            if not allows(documents, action, target, tags=request_tags, creating=creating, context=ctx):
                missing.append(f"{r['type']} {action} on {target}{' (creating)' if creating else ''}")
            if creating and action in PARENTS and PARENTS[action] in parents:
                parent = parents[PARENTS[action]]
                if not allows(documents, action, parent, tags=tags, creating=False, context=context):
                    missing.append(f"{r['type']} {action} on {parent} (its existing {PARENTS[action]})")
    return missing


# --- the reference service -----------------------------------------------------------------------

def test_every_resource_type_of_a_service_has_deploy_actions(rendered, graphs):  # noqa: F811
    ws, units = graphs
    service_inputs, _ = units[SERVICE_UNIT]
    assert {b.offering.name for b in service_inputs.bindings} == set(ws.catalog.offering_names())
    types = _service_types(rendered)
    assert len(types) > 20
    assert sorted(types - set(iam.DEPLOY_ACTIONS)) == []


def test_ci_policies_grant_every_deploy_action_on_its_resource(ci_documents, rendered):
    assert missing_grants(ci_documents, rendered, iam.DEPLOY_ACTIONS) == []


def test_role_management_requires_the_space_boundary(ci_documents, rendered):
    (_, space), _ = rendered
    boundary = space.outputs["permission_boundary_arn"]
    statements = [st for d in ci_documents for st in d["Statement"]]
    for action in sorted(iam.BOUNDED_ROLE_ACTIONS):
        granting = [st for st in statements if action in _as_list(st.get("Action"))]
        assert granting, action
        for st in granting:
            assert st["Condition"]["ArnEquals"]["iam:PermissionsBoundary"] == boundary, action
            assert all(r.endswith(("-task", "-execution")) for r in _as_list(st["Resource"]))
    # the pipeline's own role, the team roles and the boundary policy are out of reach
    for name in ("payments-prod-euc1-ci-deploy", "payments-prod-euc1-developer", "payments-prod-euc1-flow-logs"):
        role = f"arn:aws:iam::{A}:role/{name}"
        for action in ("iam:PutRolePolicy", "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"):
            assert not allows(ci_documents, action, role, tags={}, creating=True,
                              context={"iam:permissionsboundary": boundary}), (action, name)
    for action in ("iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:AttachRolePolicy"):
        assert not any(action_matches(a, action) for st in statements if st["Effect"] == "Allow"
                       for a in _as_list(st.get("Action")))


def test_pass_role_only_to_ecs_tasks(ci_documents):
    statements = [st for d in ci_documents for st in d["Statement"] if "iam:PassRole" in _as_list(st.get("Action"))]
    assert statements and all(st["Condition"]["StringEquals"]["iam:PassedToService"] == "ecs-tasks.amazonaws.com"
                              for st in statements)


def test_no_wildcard_actions_and_star_only_for_star_actions(ci_documents):
    for document in ci_documents:
        for st in document["Statement"]:
            if st["Effect"] == "Deny":  # the denies of other spaces' resources and of other tag keys: every action;
                # of the space's bucket objects: every action but emptying the bucket
                assert st in (iam.deny_other_spaces("payments--prod"), iam.deny_other_tag_keys(),
                              iam.deny_bucket_objects("aws", "acme--payments--prod--euc1--"))
                continue
            assert not [a for a in _as_list(st.get("Action")) if "*" in a or "?" in a], st["Sid"]
            if st["Resource"] == "*" or "*" in _as_list(st["Resource"]):
                assert set(_as_list(st.get("Action"))) <= iam.STAR_RESOURCE_ACTIONS, st["Sid"]


def test_other_spaces_resources_are_not_granted(ci_documents, rendered):
    """Existing resources of another space (another tag, another prefix) are out of reach."""
    other = {"platform:space": "search-prod"}
    for action, resource in [("rds:DeleteDBInstance", f"arn:aws:rds:{R}:{A}:db:search-prod-euw1-api-db"),
                             ("elasticloadbalancing:DeleteLoadBalancer",
                              f"arn:aws:elasticloadbalancing:{R}:{A}:loadbalancer/app/x/1"),
                             ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{R}:{A}:secret:platform/x-1"),
                             ("rds:AddTagsToResource", f"arn:aws:rds:{R}:{A}:db:search-prod-euw1-api-db"),
                             ("s3:DeleteBucket", "arn:aws:s3:::acme-search-prod-euw1-api-files-c1d4bd")]:
        assert not allows(ci_documents, action, resource, tags=other, creating=False,
                          context={"s3:resourceaccount": A}), action


SIZE_MARGIN = 200
"""Characters the CI documents keep free below IAM's limit in the longest case: room for a few more actions."""


def _size(document: dict) -> int:
    return len(re.sub(r"\s", "", json.dumps(document)))  # IAM does not count whitespace


@pytest.mark.parametrize("partition, region", [("aws", "eu-central-1"), ("aws", "ap-southeast-1"),
                                               ("aws-cn", "cn-northwest-1"), ("aws-us-gov", "us-gov-west-1")])
def test_ci_documents_and_boundary_fit_iam_limits(ci_documents, partition, region):
    for document in ci_documents:
        assert _size(document) <= 6144
    # the longest names a space can have: a 40-character prefix, a 63-character state bucket, a 64-character
    # history table, the longest partition and region names; with the history and service-linked role grants
    p, r = partition, region
    prefix = "a" * 35 + "-euc1"
    kwargs = dict(bucket_prefix=("acme-" + prefix)[:53] + "-", team="a" * 30, env="production",
                  state_bucket="s" * 63, state_prefix="platform/state/of/units",
                  secrets_key=f"arn:{p}:kms:{r}:{A}:alias/{'k' * 60}",
                  history_table=f"arn:{p}:dynamodb:{r}:{A}:table/{'h' * 64}", service_linked_roles=True)
    ecr = f"arn:{p}:ecr:{r}:{A}:repository/{prefix}"
    documents = iam.ci_deploy_policies(p, r, A, "a" * 30 + "-production", prefix, ecr,
                                       boundary=iam.boundary_arn(p, A, prefix), **kwargs)
    boundary = iam.ci_boundary(p, r, A, "a" * 30 + "-production", prefix, ecr,
                               boundary=iam.boundary_arn(p, A, prefix), **kwargs)
    assert {st.get("Sid") for d in documents.values() for st in d["Statement"]} >= {"DeployHistory", "ServiceLinkedRoles"}
    sizes = {name: _size(d) for name, d in {**documents, "boundary": boundary}.items()}
    assert max(sizes.values()) <= 6144 - SIZE_MARGIN, sizes
    assert uncovered([g for d in documents.values() for g in grants(d)], boundary) == []


# --- the checks fail when a deploy permission goes missing -----------------------------------------

def test_a_resource_type_without_deploy_actions_fails_the_check(rendered):
    table = dict(iam.DEPLOY_ACTIONS)
    del table["aws:elasticache/replicationGroup:ReplicationGroup"]
    assert _service_types(rendered) - set(table) == {"aws:elasticache/replicationGroup:ReplicationGroup"}


@pytest.mark.parametrize("action", ["rds:CreateDBInstance", "elasticloadbalancing:CreateListener",
                                    "iam:PutRolePolicy", "s3:PutBucketPublicAccessBlock", "sqs:SetQueueAttributes"])
def test_a_policy_missing_an_action_fails_the_check(ci_documents, rendered, action):
    trimmed = copy.deepcopy(ci_documents)
    for document in trimmed:
        for st in document["Statement"]:
            if "Action" in st:
                st["Action"] = [a for a in _as_list(st["Action"]) if a != action]
    missing = missing_grants(trimmed, rendered, iam.DEPLOY_ACTIONS)
    assert missing and all(f" {action} on " in m for m in missing)


def test_create_without_the_space_tag_fails_the_check(ci_documents, rendered):
    (space_inputs, _), _ = rendered
    untagged = copy.deepcopy(ci_documents)
    for document in untagged:
        for st in document["Statement"]:
            for block in (st.get("Condition") or {}).values():
                if "aws:RequestTag/platform:space" in block:
                    block["aws:RequestTag/platform:space"] = "someone-else"
    assert [m for m in missing_grants(untagged, rendered, iam.DEPLOY_ACTIONS) if "(creating)" in m]


# --- the shared state backend ----------------------------------------------------------------------

def _s3_workspace(tmp_path):
    import shutil

    from platform_cli.workspace import WorkspaceContext
    from tests.stacks.conftest import REFERENCE

    root = tmp_path / "ws"
    shutil.copytree(REFERENCE, root)
    config = root / "platform.yaml"
    config.write_text(config.read_text().replace("url: file://.platform/state", "url: s3://acme-state/platform")
                      .replace("provider: passphrase", "provider: awskms://alias/acme-pulumi?region=eu-west-1"))
    return WorkspaceContext.open(root)


def test_unit_inputs_carry_the_shared_backend(tmp_path, graphs):  # noqa: F811
    from platform_cli.render import build_unit_inputs
    from platform_cli.units import UnitTarget

    local = graphs[1][SPACE_UNIT][0]
    assert local.state_bucket is None and local.secrets_key_alias is None
    inputs = build_unit_inputs(_s3_workspace(tmp_path), UnitTarget(SPACE_UNIT))
    assert (inputs.state_bucket, inputs.state_prefix) == ("acme-state", "platform")
    assert inputs.secrets_key_alias == f"arn:aws:kms:eu-west-1:{A}:alias/acme-pulumi"


def test_state_statements_cover_the_teams_stacks_only():
    kwargs = dict(bucket_prefix="acme-payments-prod-euc1-", boundary=iam.boundary_arn(P, A, "payments-prod-euc1"),
                  team="payments", env="prod", state_bucket="acme-state", state_prefix="platform",
                  secrets_key=f"arn:aws:kms:eu-west-1:{A}:alias/acme-pulumi")
    ecr = f"arn:aws:ecr:{R}:{A}:repository/payments-prod-euc1"
    documents = list(iam.ci_deploy_policies(P, R, A, "payments-prod", "payments-prod-euc1", ecr, **kwargs).values())
    ctx = {"s3:resourceaccount": A}
    obj = "arn:aws:s3:::acme-state/platform/.pulumi"
    ok = [("s3:PutObject", f"{obj}/stacks/service.payments.api/prod.eu-central-1.json"),
          ("s3:PutObject", f"{obj}/locks/organization/service.payments.api/prod.eu-central-1/x.json"),
          ("s3:GetObject", f"{obj}/stacks/space.payments/prod.eu-central-1.json"),
          ("s3:GetObject", f"{obj}/meta.yaml")]
    denied = [("s3:PutObject", f"{obj}/stacks/space.payments/prod.eu-central-1.json"),  # the space: read only
              ("s3:PutObject", f"{obj}/stacks/service-search-api/prod.eu-central-1.json"),
              ("s3:GetObject", f"{obj}/stacks/space-search/prod.eu-central-1.json"),
              ("s3:PutObject", f"{obj}/stacks/service.payments.api/dev.eu-central-1.json")]  # another env
    for action, resource in ok:
        assert allows(documents, action, resource, tags={}, creating=False, context=ctx), resource
    for action, resource in denied:
        assert not allows(documents, action, resource, tags={}, creating=False, context=ctx), resource
    # the shared secrets key: the team's stack secrets only (their encryption context), the state objects through S3
    key = f"arn:aws:kms:eu-west-1:{A}:key/0a1b"
    aliases = {"kms:ResourceAliases": ["alias/acme-pulumi"]}
    own, other = {"kms:EncryptionContext:platform-team": "payments"}, {"kms:EncryptionContext:platform-team": "search"}
    via_s3 = {"kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::acme-state"}
    for action in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"):
        assert allowed(Request(action, key, {**aliases, **own}), documents), action
        assert not allowed(Request(action, key, {**aliases, **other}), documents), action
        assert not allowed(Request(action, key, aliases), documents), action  # no context: any team's
        assert not allowed(Request(action, key, {"kms:ResourceAliases": ["alias/other"], **own}), documents), action
    assert allowed(Request("kms:Decrypt", key, {**aliases, **via_s3}), documents)
    assert not allowed(Request("kms:Decrypt", key, {**aliases, **via_s3, "kms:ViaService": "sqs.eu-west-1.amazonaws.com"}),
                       documents)
    assert not allowed(Request("kms:Decrypt", key, {**aliases, **via_s3,
                                                    "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other"}), documents)
    boundary = iam.ci_boundary(P, R, A, "payments-prod", "payments-prod-euc1", ecr, **kwargs)
    assert uncovered([g for d in documents for g in grants(d)], boundary) == []
    # parliament 1.6.x does not know kms:ResourceAliases (a KMS key for cryptographic operations); nothing else
    for document in [*documents, with_role_denies(boundary, documents)]:
        found = parliament_findings(document if isinstance(document, str) else json.dumps(document), "identity")
        assert [f for f in found if "kms:ResourceAliases" not in f] == []


def test_local_backend_adds_no_state_statement():
    documents = iam.ci_deploy_policies(P, R, A, "payments-prod", "payments-prod-euc1", "arn:aws:ecr:x",
                                       bucket_prefix="acme-payments-prod-euc1-", boundary=None)
    sids = {st["Sid"] for d in documents.values() for st in d["Statement"]}
    assert not [s for s in sids if s.startswith("State")]
    assert not [s for s in sids if "Roles" in s and s != "PassServiceRoles"]  # no boundary: no role management
