"""The trust of a vended account's platform role, decided with the project's IAM evaluator: the management account
(Organizations' own statement) and the platform account's engine role may assume it; no other principal of the
platform account can (a team's CI deploy role, a developer's SSO role, the account's other roles), nor a role of the
same name in another account. The document is the one vending writes (:mod:`platform_cli.aws.platform_role`) over
the one Organizations creates.
"""

from __future__ import annotations

import json

import pytest

from platform_cli.aws.platform_role import SID, platform_trust_statement, trusted_document
from tests.iameval import may_assume

MANAGEMENT, PLATFORM, OTHER, VENDED = "111111111111", "210987654321", "777788889999", "444455556666"
ENGINE = f"arn:aws:iam::{PLATFORM}:role/platform-engine"
ROLE = f"arn:aws:iam::{VENDED}:role/OrganizationAccountAccessRole"
ORGANIZATIONS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}, "Action": "sts:AssumeRole"}]}
EARLIER = {"Sid": SID, "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PLATFORM}:root"}, "Action": "sts:AssumeRole"}


@pytest.fixture(scope="module")
def trust():
    earlier = {**ORGANIZATIONS_TRUST, "Statement": [*ORGANIZATIONS_TRUST["Statement"], EARLIER]}
    doc = trusted_document(earlier, platform_trust_statement("aws", PLATFORM, "platform-engine"))
    assert doc is not None and len(doc["Statement"]) == 2  # the earlier statement replaced, Organizations' kept
    return doc


def assume(trust, principal_arn: str, *, matched_as: str | None = None) -> bool:
    """Whether the principal PRINCIPAL_ARN (its role, as IAM matches a role session) may call sts:AssumeRole."""
    return may_assume(trust, {"AWS": matched_as or principal_arn}, "sts:AssumeRole",
                      {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": principal_arn.split(":")[4]}, ROLE)


def test_only_the_engine_role_of_the_platform_account_may_assume_the_platform_role(trust):
    assert assume(trust, ENGINE)
    for other in (f"arn:aws:iam::{PLATFORM}:role/shop--dev--euc1--ci-deploy",  # a team's CI deploy role
                  f"arn:aws:iam::{PLATFORM}:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_Developer_0a1b",
                  f"arn:aws:iam::{PLATFORM}:role/platform-engine-test",  # a name that starts like the engine's
                  f"arn:aws:iam::{PLATFORM}:role/Platform-Engine",  # ARNs are case-sensitive
                  f"arn:aws:iam::{PLATFORM}:user/admin",
                  f"arn:aws:iam::{OTHER}:role/platform-engine"):  # the same name in another account
        assert not assume(trust, other), other


def test_the_principal_arn_condition_holds_on_its_own(trust):
    # a request that the principal element matched, but whose aws:PrincipalArn is not the engine role's, is refused
    assert not assume(trust, f"arn:aws:iam::{PLATFORM}:role/shop--dev--euc1--ci-deploy", matched_as=ENGINE)
    [st] = [s for s in trust["Statement"] if s.get("Sid") == SID]
    assert st["Condition"] == {"ArnEquals": {"aws:PrincipalArn": ENGINE}}


def test_no_statement_of_the_platforms_names_a_root_or_a_wildcard(trust):
    [st] = [s for s in trust["Statement"] if s.get("Sid") == SID]
    assert st["Principal"] == {"AWS": ENGINE} and st["Action"] == "sts:AssumeRole"
    text = json.dumps(st)
    assert ":root" not in text and "*" not in text
    # the earlier statement trusted the platform account's root, i.e. every principal there with sts:AssumeRole
    assert EARLIER not in trust["Statement"]


def test_the_management_account_keeps_organizations_statement(trust):
    assert assume(trust, f"arn:aws:iam::{MANAGEMENT}:root")
    assert trusted_document(trust, platform_trust_statement("aws", PLATFORM, "platform-engine")) is None  # written once
    moved = trusted_document(trust, platform_trust_statement("aws", OTHER, "platform-engine"))
    assert [s["Principal"]["AWS"] for s in moved["Statement"] if s.get("Sid") == SID] == [
        f"arn:aws:iam::{OTHER}:role/platform-engine"]  # a platform account that changed replaces the statement
    assert len(moved["Statement"]) == 2
