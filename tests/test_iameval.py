"""The test evaluator (tests/iameval.py) decides AWS's documented evaluation cases as AWS does.

Cases from the IAM User Guide: policy evaluation logic (explicit deny wins, boundaries intersect),
the Action/NotAction and Resource/NotResource elements, and the condition operators (absent keys,
negated operators, IfExists, Null, ForAllValues/ForAnyValue, ArnLike per ARN part).
"""

from __future__ import annotations

import pytest

from tests.iameval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, condition_holds, decide, may_assume

BUCKET = "arn:aws:s3:::acme-data"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource, condition=None, **extra):
    st = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {**st, "Condition": condition} if condition else st


def test_nothing_allowed_is_an_implicit_deny():
    assert decide(Request("s3:GetObject", f"{BUCKET}/k"), []) == IMPLICIT_DENY
    assert decide(Request("s3:GetObject", f"{BUCKET}/k"), [doc(allow("s3:PutObject", "*"))]) == IMPLICIT_DENY


def test_explicit_deny_wins_over_any_allow():
    grants = [doc(allow("s3:*", "*")), doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"})]
    assert decide(Request("s3:GetObject", f"{BUCKET}/k"), grants) == ALLOW
    assert decide(Request("s3:DeleteObject", f"{BUCKET}/k"), grants) == EXPLICIT_DENY
    # a deny in the boundary wins too
    assert decide(Request("s3:GetObject", f"{BUCKET}/k"), [doc(allow("s3:*", "*"))],
                  boundary=doc(allow("*", "*"), {"Effect": "Deny", "Action": "s3:Get*", "Resource": "*"})) == EXPLICIT_DENY


def test_a_boundary_intersects_with_the_identity_policies():
    identity = [doc(allow(["s3:GetObject", "iam:CreateUser"], "*"))]
    boundary = doc(allow("s3:*", "*"))
    assert decide(Request("s3:GetObject", f"{BUCKET}/k"), identity, boundary=boundary) == ALLOW
    # the identity policy allows it, the boundary does not
    assert decide(Request("iam:CreateUser", "arn:aws:iam::1:user/x"), identity, boundary=boundary) == IMPLICIT_DENY
    # the boundary allows it, no identity policy does: a boundary grants nothing
    assert decide(Request("s3:PutObject", f"{BUCKET}/k"), identity, boundary=boundary) == IMPLICIT_DENY


def test_action_matching_is_case_insensitive_with_wildcards_and_notaction_inverts():
    grants = [doc(allow("S3:get*", "*"), allow("ec2:Describe?pcs", "*"))]
    assert decide(Request("s3:GetObject", "x"), grants) == ALLOW
    assert decide(Request("ec2:DescribeVpcs", "x"), grants) == ALLOW
    assert decide(Request("ec2:DescribeVpcsX", "x"), grants) == IMPLICIT_DENY
    not_iam = [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert decide(Request("s3:GetObject", "x"), not_iam) == ALLOW
    assert decide(Request("iam:CreateRole", "x"), not_iam) == IMPLICIT_DENY
    deny_all_but = [doc(allow("*", "*")), doc({"Effect": "Deny", "NotAction": ["sts:GetCallerIdentity"], "Resource": "*"})]
    assert decide(Request("sts:GetCallerIdentity", "*"), deny_all_but) == ALLOW
    assert decide(Request("s3:ListBucket", BUCKET), deny_all_but) == EXPLICIT_DENY


def test_resource_matching_is_case_sensitive_per_arn_part_and_notresource_inverts():
    grants = [doc(allow("sqs:SendMessage", "arn:aws:sqs:eu-central-1:123456789012:payments-*"))]
    assert decide(Request("sqs:SendMessage", "arn:aws:sqs:eu-central-1:123456789012:payments-orders"), grants) == ALLOW
    assert decide(Request("sqs:SendMessage", "arn:aws:sqs:eu-central-1:123456789012:Payments-orders"), grants) == IMPLICIT_DENY
    assert decide(Request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:payments-orders"), grants) == IMPLICIT_DENY
    # '*' in one part does not reach into the next one
    any_region = [doc(allow("sqs:SendMessage", "arn:aws:sqs:eu-*:123456789012:q"))]
    assert decide(Request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:q"), any_region) == ALLOW
    assert decide(Request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:999:123456789012:q"), any_region) == IMPLICIT_DENY
    # within the resource part, '*' spans '/' (S3 keys) and '?' is one character
    objects = [doc(allow("s3:GetObject", f"{BUCKET}/team-?/*"))]
    assert decide(Request("s3:GetObject", f"{BUCKET}/team-a/x/y"), objects) == ALLOW
    assert decide(Request("s3:GetObject", f"{BUCKET}/team-ab/x"), objects) == IMPLICIT_DENY
    outside = [doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/secret/*"})]
    assert decide(Request("s3:GetObject", f"{BUCKET}/public/x"), outside) == ALLOW
    assert decide(Request("s3:GetObject", f"{BUCKET}/secret/x"), outside) == IMPLICIT_DENY


@pytest.mark.parametrize("operator, value, context, expected", [
    # a key absent from the request: false, except negated operators, IfExists, Null true, ForAllValues
    ("StringEquals", "a", {}, False),
    ("StringNotEquals", "a", {}, True),
    ("StringEqualsIfExists", "a", {}, True),
    ("StringEqualsIfExists", "a", {"k": "b"}, False),
    ("StringNotLike", "a*", {}, True),
    ("ArnLike", "arn:aws:iam::1:role/*", {}, False),
    # values of one key are ORed; a negated operator is true only if none matches (NOR)
    ("StringEquals", ["a", "b"], {"k": "b"}, True),
    ("StringNotEquals", ["a", "b"], {"k": "b"}, False),
    ("StringNotEquals", ["a", "b"], {"k": "c"}, True),
    # values are case-sensitive unless IgnoreCase; key names are not
    ("StringEquals", "Prod", {"K": "prod"}, False),
    ("StringEqualsIgnoreCase", "Prod", {"K": "prod"}, True),
    ("StringLike", "repo:acme/*:environment:prod", {"k": "repo:acme/api:environment:prod"}, True),
    ("StringLike", "repo:acme/*:environment:prod", {"k": "repo:acme/api:environment:dev"}, False),
    ("Bool", "true", {"k": "True"}, True),
    ("Bool", "true", {}, False),
    # Null: "true" selects an absent key, "false" a present one
    ("Null", "true", {}, True),
    ("Null", "true", {"k": "x"}, False),
    ("Null", "false", {"k": "x"}, True),
    ("Null", "false", {}, False),
    # ArnLike compares each of the six parts on its own
    ("ArnLike", "arn:aws:iam::*:role/app-*", {"k": "arn:aws:iam::123:role/app-x"}, True),
    ("ArnLike", "arn:aws:iam::*:role/app-*", {"k": "arn:aws:iam::123:user/app-x"}, False),
    ("ArnEquals", "arn:aws:iam::1:policy/b", {"k": "arn:aws:iam::1:policy/b"}, True),
    ("ArnNotEquals", "arn:aws:iam::1:policy/b", {"k": "arn:aws:iam::1:policy/c"}, True),
    # set operators: ForAllValues is true for an absent key or an empty set; ForAnyValue is false then
    ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "b"]}, True),
    ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "c"]}, False),
    ("ForAllValues:StringEquals", ["a"], {}, True),
    ("ForAllValues:StringEquals", ["a"], {"k": []}, True),
    ("ForAllValues:StringNotEquals", ["secret"], {"k": ["a", "b"]}, True),
    ("ForAllValues:StringNotEquals", ["secret"], {"k": ["a", "secret"]}, False),
    ("ForAnyValue:StringEquals", ["a"], {"k": ["x", "a"]}, True),
    ("ForAnyValue:StringEquals", ["a"], {"k": ["x"]}, False),
    ("ForAnyValue:StringEquals", ["a"], {}, False),
    ("ForAllValues:StringLike", ["platform:*", "Name"], {"k": ["platform:space", "Name"]}, True),
    ("ForAllValues:StringLike", ["platform:*", "Name"], {"k": ["platform:space", "owner"]}, False),
    ("NumericLessThanEquals", "3600", {"k": "900"}, True),
    ("NumericLessThanEquals", "3600", {"k": "7200"}, False),
])
def test_condition_operators(operator, value, context, expected):
    assert condition_holds(operator, "k", value, context) is expected


def test_every_operator_and_every_key_of_a_condition_must_hold():
    st = allow("ec2:CreateTags", "*", {"StringEquals": {"aws:RequestTag/team": "a", "ec2:CreateAction": "RunInstances"},
                                       "Bool": {"aws:SecureTransport": "true"}})
    ok = {"aws:RequestTag/team": "a", "ec2:CreateAction": "RunInstances", "aws:SecureTransport": "true"}
    assert decide(Request("ec2:CreateTags", "x", ok), [doc(st)]) == ALLOW
    for key in ok:
        assert decide(Request("ec2:CreateTags", "x", {k: v for k, v in ok.items() if k != key}), [doc(st)]) == IMPLICIT_DENY
    assert decide(Request("ec2:CreateTags", "x", {**ok, "ec2:CreateAction": "CreateTags"}), [doc(st)]) == IMPLICIT_DENY


def test_a_statement_with_a_policy_variable_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="policy variables"):
        decide(Request("s3:GetObject", "arn:aws:s3:::b/x"), [doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"))])


def test_a_trust_policy_decides_who_may_assume_the_role():
    provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    trust = doc({"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/api:environment:prod"}}})
    role = "arn:aws:iam::123456789012:role/ci"
    sub = "token.actions.githubusercontent.com:sub"
    assert may_assume(trust, {"Federated": provider}, "sts:AssumeRoleWithWebIdentity",
                      {sub: "repo:acme/api:environment:prod"}, role)
    assert not may_assume(trust, {"Federated": provider}, "sts:AssumeRoleWithWebIdentity",
                          {sub: "repo:acme/api:environment:dev"}, role)
    other = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"
    assert not may_assume(trust, {"Federated": other}, "sts:AssumeRoleWithWebIdentity",
                          {sub: "repo:acme/api:environment:prod"}, role)
    assert not may_assume(trust, {"Federated": provider}, "sts:AssumeRole", {sub: "repo:acme/api:environment:prod"}, role)
