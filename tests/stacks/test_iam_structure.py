"""Two rules of the IAM code checked on everything it renders, not on samples:

- no Allow of any document the platform renders (identity policies, boundaries, trust policies, bucket, key,
  queue and topic policies of every golden unit, shared and account-isolated) selects a resource by a missing
  tag: no ``Null`` ``aws:ResourceTag/...: true``, no ``...IfExists`` and no negated operator on a resource tag,
  each of which holds for a resource that carries no tag;
- the IAM modules stay split by concern, each under about 400 lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted((REPO / "tests" / "render" / "golden").rglob("*.json"))
NEGATED = ("StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "ArnNotEquals", "ArnNotLike",
           "NumericNotEquals", "DateNotEquals")


def documents(resources: list[dict]):
    """(resource name, input, document) of every policy document in a rendered graph's inputs."""
    for r in resources:
        for key, value in r["inputs"].items():
            if isinstance(value, str) and value.lstrip().startswith("{") and '"Statement"' in value:
                yield r["name"], key, json.loads(value)


def missing_tag_selections(document: dict) -> list[str]:
    """What of DOCUMENT's Allow statements holds for a resource without a tag."""
    found = []
    statements = document["Statement"]
    for st in statements if isinstance(statements, list) else [statements]:
        if st.get("Effect") != "Allow":
            continue
        for operator, keys in (st.get("Condition") or {}).items():
            base = operator.split(":")[-1]
            for key, value in keys.items():
                if "ResourceTag/" not in key:
                    continue
                if base == "Null" and str(value).lower() == "true":
                    found.append(f"{st.get('Sid')}: Null {key}=true")
                elif base.endswith("IfExists"):
                    found.append(f"{st.get('Sid')}: {operator} {key}")
                elif base in NEGATED and not operator.startswith("ForAnyValue:"):  # ForAnyValue: false when missing
                    found.append(f"{st.get('Sid')}: {operator} {key}")
    return found


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.relative_to(REPO / "tests" / "render" / "golden").as_posix())
def test_no_allow_of_any_rendered_document_selects_a_resource_by_a_missing_tag(golden):
    graph = json.loads(golden.read_text())
    docs = list(documents(graph["resources"]))
    assert docs, golden  # every unit renders policies
    found = [f"{name}.{key}: {m}" for name, key, doc in docs for m in missing_tag_selections(doc)]
    assert found == []


def test_the_goldens_hold_every_kind_of_document():
    kinds = {(r["type"], key) for g in GOLDEN for r in json.loads(g.read_text())["resources"]
             for name, key, _ in documents([r])}
    for kind in [("aws:iam/role:Role", "assumeRolePolicy"), ("aws:iam/policy:Policy", "policy"),
                 ("aws:iam/rolePolicy:RolePolicy", "policy"), ("aws:kms/key:Key", "policy"),
                 ("aws:s3/bucketPolicy:BucketPolicy", "policy")]:
        assert kind in kinds, kind


@pytest.mark.parametrize("condition", [
    {"Null": {"aws:ResourceTag/platform:space": "true"}},
    {"StringEqualsIfExists": {"aws:ResourceTag/platform:space": "payments--prod"}},
    {"StringNotEquals": {"aws:ResourceTag/platform:space": "other"}},
    {"ForAllValues:StringNotLike": {"aws:ResourceTag/platform:space": "other*"}},
])
def test_the_check_finds_each_way_of_selecting_by_a_missing_tag(condition):
    from tests.iameval import Request, allowed

    statement = {"Sid": "X", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": condition}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    assert missing_tag_selections(document)
    assert allowed(Request("ec2:CreateTags", "arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-0untagged"), [document])
    as_deny = {"Version": "2012-10-17", "Statement": [{**statement, "Effect": "Deny"}]}
    assert missing_tag_selections(as_deny) == []  # a Deny on a missing tag takes nothing
    own = {"Version": "2012-10-17", "Statement": [{**statement, "Condition": {
        "StringEquals": {"aws:ResourceTag/platform:space": "payments--prod"}}}]}
    assert missing_tag_selections(own) == []
    any_value = {"Version": "2012-10-17", "Statement": [{**statement, "Condition": {
        "ForAnyValue:StringNotLike": {"aws:ResourceTag/platform:space": "other*"}}}]}
    assert missing_tag_selections(any_value) == []
    assert not allowed(Request("ec2:CreateTags", "arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-0untagged"), [any_value])


@pytest.mark.parametrize("module", sorted((REPO / "stacks" / "iam").glob("*.py")), ids=lambda p: p.name)
def test_iam_modules_stay_under_400_lines(module):
    assert len(module.read_text().splitlines()) <= 400, module
