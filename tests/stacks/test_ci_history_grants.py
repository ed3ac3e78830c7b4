"""What a CI deploy needs beyond the space: the team's items of the shared history table, service-linked roles.

The history grant is derived from what the code calls: a fake DynamoDB client records every call
``platform service deploy`` makes through the history store and the rollout locks (record, previous
releases, take, check and release locks), and the grant must name exactly those actions, on the table
only, for keys of the deploying team only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks import iam
from tests.stacks.test_boundary_coverage import _as_list, grants, resource_matches, uncovered
from tests.stacks.test_ci_deploy_policy import _s3_workspace
from tests.stacks.test_iam_lint import parliament_findings, with_role_denies

P, R, A = "aws", "eu-central-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{R}:{A}:table/platform-history"
PREFIX, SPACE = "payments--prod--euc1", "payments--prod"
ECR = f"arn:aws:ecr:{R}:{A}:repository/{PREFIX}"
KW = dict(bucket_prefix=f"acme-{PREFIX}-", boundary=iam.boundary_arn(P, A, PREFIX), team="payments", env="prod",
          state_bucket="acme-state", state_prefix="platform", secrets_key=f"arn:aws:kms:{R}:{A}:alias/acme-pulumi")

# boto3 operation -> IAM action
OPERATIONS = {"put_item": "dynamodb:PutItem", "get_item": "dynamodb:GetItem", "delete_item": "dynamodb:DeleteItem",
              "query": "dynamodb:Query", "scan": "dynamodb:Scan", "update_item": "dynamodb:UpdateItem"}


class RecordingClient:
    """A DynamoDB client keeping items in memory and recording (operation, table, partition key) of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put_item(self, TableName, Item, ConditionExpression=None, ExpressionAttributeValues=None):
        self.calls.append(("put_item", TableName, Item["pk"]["S"]))
        self.items[(Item["pk"]["S"], Item["sk"]["S"])] = Item
        return {}

    def get_item(self, TableName, Key, ConsistentRead=False):
        self.calls.append(("get_item", TableName, Key["pk"]["S"]))
        item = self.items.get((Key["pk"]["S"], Key["sk"]["S"]))
        return {"Item": item} if item else {}

    def delete_item(self, TableName, Key, **_):
        self.calls.append(("delete_item", TableName, Key["pk"]["S"]))
        self.items.pop((Key["pk"]["S"], Key["sk"]["S"]), None)
        return {}

    def get_paginator(self, operation):
        client = self

        class Paginator:
            def paginate(self, TableName, **kwargs):
                pk = kwargs.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "")
                client.calls.append((operation, TableName, pk))
                yield {"Items": [i for (p, _), i in client.items.items() if p == pk]}

        return Paginator()


def _deploy_calls(team: str = "payments") -> RecordingClient:
    """The history and lock calls of a one-region service deploy and of a whole-environment rollout."""
    from platform_cli.aws.history_dynamodb import DynamoHistory, DynamoLock
    from platform_cli.rollout.history import Deployment, previous_releases
    from platform_cli.rollout.lock import acquire_exclusive

    client = RecordingClient()
    store = DynamoHistory(client, "platform-history")
    unit = f"service/{team}/api/prod/eu-central-1"
    for key, regions in ((f"{team}/prod/eu-central-1", ["eu-central-1"]), (f"{team}/prod", ["eu-central-1", "us-east-1"])):
        lock = acquire_exclusive(lambda k: DynamoLock(client, "platform-history", k), key, regions, {"user": "ci"})
        previous_releases(store, team, "prod", [unit])
        store.add(Deployment(rollout="r1", unit=unit, team=team, env="prod", region="eu-central-1", kind="service",
                             what="api", action="up", version="1.2.3", who="ci", start="2024-01-01T00:00:00Z",
                             end="2024-01-01T00:01:00Z", result="succeeded"))
        lock.release()
    return client


def _history(documents) -> list[dict]:
    return [st for d in documents for st in d["Statement"] if st.get("Sid") == "DeployHistory"]


def _leading_keys_allow(statement: dict, keys: list[str]) -> bool:
    """ForAllValues:StringLike on dynamodb:LeadingKeys: every partition key of the request matches a pattern."""
    patterns = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    return all(any(resource_matches(p, k) for p in patterns) for k in keys)


def test_the_grant_names_exactly_the_calls_of_a_deploy():
    client = _deploy_calls()
    called = {OPERATIONS[op] for op, _, _ in client.calls}
    # record: PutItem; previous releases: Query; locks: PutItem (conditional), GetItem (consistent), DeleteItem
    assert called == {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem"}
    assert called == set(iam.HISTORY_ITEM_ACTIONS)
    (st,) = _history(iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, history_table=TABLE, **KW).values())
    assert set(st["Action"]) == called and st["Resource"] == [TABLE]
    # every call of the deploy is on the team's own keys, which the grant allows
    assert {t for _, t, _ in client.calls} == {"platform-history"}
    assert _leading_keys_allow(st, [pk for _, _, pk in client.calls])


def test_the_grant_is_limited_to_the_teams_items():
    (st,) = _history(iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, history_table=TABLE, **KW).values())
    assert st["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["team#payments", "lock#payments/*"]},
                               "Null": {"dynamodb:LeadingKeys": "false"}}
    # a request without partition keys is not the team's either (ForAllValues alone would hold for it)
    from tests.iameval import Request, allowed

    assert not allowed(Request("dynamodb:PutItem", TABLE, {}), [iam.doc(st)])
    assert allowed(Request("dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": ["team#payments"]}), [iam.doc(st)])
    # another team's records and locks, also one whose name starts with this team's
    for team in ("search", "payments2", "pay"):
        keys = {pk for _, _, pk in _deploy_calls(team).calls}
        assert not any(_leading_keys_allow(st, [k]) for k in keys), team
    assert not _leading_keys_allow(st, ["lock#payments2/prod", "team#payments-x", "deploy#payments"])
    # a request touching the team's items and another's (a batch) is refused as a whole
    assert not _leading_keys_allow(st, ["team#payments", "team#search"])
    # no Scan (every team's history) nor actions that a LeadingKeys condition cannot narrow
    assert not {"dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"} & set(st["Action"])
    with pytest.raises(ValueError):
        iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, history_table=TABLE, **{**KW, "team": ""})


def test_the_history_grant_appears_only_with_a_table():
    assert _history(iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, **KW).values()) == []
    assert len(_history(iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, history_table=TABLE, **KW).values())) == 1


def test_service_linked_roles_only_for_the_services_a_first_deploy_needs():
    documents = iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, service_linked_roles=True, **KW).values()
    (st,) = [st for d in documents for st in d["Statement"] if "iam:CreateServiceLinkedRole" in _as_list(st.get("Action"))]
    services = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com",
                "rds.amazonaws.com", "elasticache.amazonaws.com"]
    assert st["Action"] == ["iam:CreateServiceLinkedRole"]
    assert st["Condition"] == {"StringEquals": {"iam:AWSServiceName": services}}
    assert st["Resource"] == [f"arn:aws:iam::{A}:role/aws-service-role/{s}/*" for s in services]
    other = f"arn:aws:iam::{A}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations"
    assert not any(resource_matches(r, other) for r in st["Resource"])
    assert not [st for d in iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, **KW).values() for st in d["Statement"]
                if "iam:CreateServiceLinkedRole" in _as_list(st.get("Action"))]


def test_the_ci_boundary_covers_them_with_their_conditions():
    kwargs = dict(KW, history_table=TABLE, service_linked_roles=True)
    documents = iam.ci_deploy_policies(P, R, A, SPACE, PREFIX, ECR, **kwargs)
    boundary = iam.ci_boundary(P, R, A, SPACE, PREFIX, ECR, **kwargs)
    assert uncovered([g for d in documents.values() for g in grants(d)], boundary) == []
    # the table by its ARN; the team's items are the grant's condition (the boundary's size limit, see ci_boundary)
    history = [st for st in boundary["Statement"] if "dynamodb:PutItem" in _as_list(st.get("Action"))]
    assert history and all(st["Resource"] == [TABLE] for st in history)
    granted = [st for d in documents.values() for st in d["Statement"] if st.get("Sid") == "DeployHistory"]
    assert granted and all("ForAllValues:StringLike" in st["Condition"] for st in granted)
    slr = [st for st in boundary["Statement"] if "iam:CreateServiceLinkedRole" in _as_list(st.get("Action"))]
    # the services named by the condition (which also fixes each role's path), the path once
    assert slr == [{"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
                    "Resource": [f"arn:aws:iam::{A}:role/aws-service-role/*"],
                    "Condition": {"StringEquals": {"iam:AWSServiceName": list(iam.SERVICE_LINKED_ROLE_SERVICES)}}}]
    other = f"arn:aws:iam::{A}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations"
    assert not any(resource_matches(r, other) for st in documents["deploy-named"]["Statement"]
                   for r in _as_list(st["Resource"]) if "iam:CreateServiceLinkedRole" in _as_list(st.get("Action")))
    for document in [*documents.values(), with_role_denies(boundary, list(documents.values()))]:
        found = parliament_findings(document if isinstance(document, str) else json.dumps(document), "identity")
        assert [f for f in found if "kms:ResourceAliases" not in f] == []


def test_unit_inputs_name_the_history_table_when_shared(tmp_path, graphs):  # noqa: F811
    from platform_cli.render import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    unit = "space/payments/prod/eu-central-1"
    assert graphs[1][unit][0].history_table_arn is None  # SQLite history, local backend
    shared = build_unit_inputs(_s3_workspace(tmp_path / "s3"), UnitTarget(unit))
    assert shared.history_table_arn == f"arn:aws:dynamodb:eu-central-1:{A}:table/platform-history"
    ws = _s3_workspace(tmp_path / "ddb")  # a local backend with the history in DynamoDB, another table and region
    config = ws.root / "platform.yaml"
    text = config.read_text().replace("url: s3://acme-state/platform", "url: file://.platform/state")
    text = text.replace("store: sqlite", "store: dynamodb").replace("table: platform-history", "table: acme-deployments")
    config.write_text(text.replace("default_region: eu-central-1", "default_region: us-east-1"))
    ws = WorkspaceContext.open(ws.root)
    assert ws.config.history.store == "dynamodb" and ws.config.cloud.default_region == "us-east-1"
    inputs = build_unit_inputs(ws, UnitTarget(unit))
    assert inputs.history_table_arn == f"arn:aws:dynamodb:us-east-1:{A}:table/acme-deployments"


def test_the_space_attaches_them_when_the_history_is_shared(tmp_path):
    """A space of a workspace keeping its history in DynamoDB: the CI role's policies carry the history and the
    service-linked role grants, its boundary covers them, and IAM's limits and the plan's checks hold."""
    from platform_cli.planning.policy import MANDATORY, evaluate
    from platform_cli.render import build_unit_inputs, render_unit
    from platform_cli.units import UnitTarget

    inputs = build_unit_inputs(_s3_workspace(tmp_path), UnitTarget("space/payments/prod/eu-central-1"))
    assert inputs.history_table_arn == TABLE
    resources = render_unit(inputs).resources
    policies = {r["inputs"]["name"]: json.loads(r["inputs"]["policy"]) for r in resources
                if r["type"] == "aws:iam/policy:Policy"}
    ci = [d for name, d in policies.items() if name.startswith(f"{PREFIX}--ci-") and name != f"{PREFIX}--ci-boundary"]
    boundary = policies[f"{PREFIX}--ci-boundary"]
    statements = [st for d in ci for st in d["Statement"]]
    (history,) = [st for st in statements if st.get("Sid") == "DeployHistory"]
    assert history["Resource"] == [TABLE] and "team#payments" in json.dumps(history["Condition"])
    assert [st for st in statements if st.get("Sid") == "ServiceLinkedRoles"]
    assert uncovered([g for d in ci for g in grants(d)], boundary) == []
    assert max(len(json.dumps(d, separators=(",", ":"))) for d in [*ci, boundary]) <= 6144
    assert [f for f in evaluate(resources, inputs) if f.severity == MANDATORY] == []
