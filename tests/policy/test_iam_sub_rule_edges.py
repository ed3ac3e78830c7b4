"""The edges of the least-privilege rule that a one-breaker-per-policy test misses: what each
exemption covers and nothing more, and the read-only family pattern at its exact shape."""

from __future__ import annotations

import pytest

from platform_cli.planning.policy import iam_problems

ARN = "arn:aws:s3:::payments-prod-artifacts/*"


def _problems(statement, **kw):
    return iam_problems({"Version": "2012-10-17", "Statement": [statement]}, **kw)


@pytest.mark.parametrize("action, ok", [
    ("s3:Get*", True), ("s3:List*", True), ("ec2:Describe*", True),
    ("s3:GetObject*", False), ("s3:Lis*", False), ("s3:DescribeX*", False), ("s3:*Get", False),
    ("s3:get*", False), ("S3:Get*", False), ("s3:Get?", False),
])
def test_the_read_only_family_is_exactly_service_describe_list_get_star(action, ok):
    found = _problems({"Effect": "Allow", "Action": action, "Resource": ARN})
    assert (found == []) is ok, found


def test_a_principal_exempts_star_resources_only_never_wildcard_actions():
    stmt = {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Resource": "*"}
    assert _problems({**stmt, "Action": "s3:PutObject"}) == []
    assert any("grants a whole service" in p for p in _problems({**stmt, "Action": "s3:*"}))
    assert any("NotAction" in p for p in _problems({**stmt, "NotAction": "s3:GetObject"}))


def test_a_key_policy_exempts_star_resources_only():
    stmt = {"Effect": "Allow", "Resource": "*"}
    assert _problems({**stmt, "Action": "kms:Decrypt"}, key_policy=True) == []
    assert any("NotAction" in p for p in _problems({**stmt, "NotAction": "kms:Decrypt"}, key_policy=True))
    assert any("NotResource" in p for p in _problems({"Effect": "Allow", "Action": "kms:Decrypt",
                                                      "NotResource": "*"}, key_policy=True))
    assert any("whole service" in p for p in _problems({**stmt, "Action": "*"}, key_policy=True))


def test_only_allow_statements_are_judged_and_every_statement_is():
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    bad = {"Sid": "Second", "Effect": "Allow", "Action": "s3:*", "Resource": ARN}
    found = iam_problems({"Statement": [deny, bad]})
    assert found == ["Second: action 's3:*' grants a whole service"]
    assert iam_problems({"Statement": bad}) == found  # a single statement, not a list
