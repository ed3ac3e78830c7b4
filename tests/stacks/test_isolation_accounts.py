"""One team cannot reach another with an account per environment: the evaluator of ``test_isolation`` on a space with
``isolation: account``.

The reference space ``payments`` moves to ``standard@3`` and its prod environment gets the account 444455556666; the
platform's state bucket, secrets key and history table stay in the platform account 123456789012, and team shop's
space has the account 777788889999. Every request of ``test_isolation`` is asked again with its resources where they
now live (another team's in its account; the space's own in its account; the platform's in the platform account),
and decided on the rendered roles of payments' prod account: the CI deploy role and the team roles are denied all of
them; what they need, across the account boundary only for the team's state, key and history, is allowed.
Cross-account requests also need the platform account's resource policies to admit them; these tests decide the
roles' side, which must hold whatever those policies say.
"""

from __future__ import annotations

import pytest

from platform_cli.planning.tags import SHARED_SPACE
from tests.iameval import Request, decide
from tests.stacks import test_isolation as shared

PLATFORM, OWN, OTHER = "123456789012", "444455556666", "777788889999"
UNIT, R = "space/payments/prod/eu-central-1", "eu-central-1"
PREFIX, SPACE = shared.PREFIX, shared.SPACE
STATE, KEY_ALIAS = shared.STATE, shared.KEY_ALIAS
STATE_KEY = shared.STATE_KEY  # in the platform account (the shared reference's account is the platform's)
TABLE = shared.TABLE
ROLES = shared.ROLES


def at(arn: str, account: str) -> str:
    """ARN moved to ACCOUNT (an S3 ARN has no account and stays as it is)."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4] == PLATFORM:
        parts[4] = account
    return ":".join(parts)


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    from tests.stacks.conftest import shared_backend_roles

    def own_account(root):
        space = root / "spaces" / "payments.yaml"
        space.write_text(space.read_text().replace("blueprint: standard@1", "blueprint: standard@3")
                         + f"accounts:\n- env: prod\n  account_id: '{OWN}'\n  email: aws+acme-payments-prod@example.com\n"
                           "  created_at: '2026-12-01T00:00:00Z'\n")

    inputs, roles = shared_backend_roles(tmp_path_factory.mktemp("isolation-accounts") / "ws", UNIT, state=STATE,
                                         key_alias=KEY_ALIAS, region=R, edit=own_account)
    assert (inputs.isolation, inputs.account_id, inputs.platform_account_id) == ("account", OWN, PLATFORM)
    assert inputs.history_table_arn == TABLE and inputs.secrets_key_alias.split(":")[4] == PLATFORM
    return roles


def decision(roles, role: str, action: str, resource: str, context: dict | None = None) -> str:
    identity, boundary = roles[role]
    return decide(Request(action, resource, context or {}), identity, boundary=boundary)


def test_the_roles_live_in_the_spaces_account_and_need_what_they_need(roles):
    assert set(ROLES) <= set(roles) and all(roles[r][0] and roles[r][1] for r in ROLES)
    ci = f"{PREFIX}--ci-deploy"
    own_tag = {"aws:ResourceTag/platform:space": SPACE}
    assert decision(roles, ci, "ecs:UpdateService", f"arn:aws:ecs:{R}:{OWN}:service/{PREFIX}/api", own_tag) == "allow"
    creating = {"aws:RequestTag/platform:space": SPACE, "aws:TagKeys": ["platform:space", "Name"]}
    assert decision(roles, ci, "sqs:CreateQueue", f"arn:aws:sqs:{R}:{OWN}:{PREFIX}--api--jobs", creating) == "allow"
    assert decision(roles, ci, "iam:PassRole", f"arn:aws:iam::{OWN}:role/{PREFIX}--api--task",
                    {"iam:PassedToService": "ecs-tasks.amazonaws.com"}) == "allow"
    assert decision(roles, f"{PREFIX}--developer", "ecs:UpdateService", f"arn:aws:ecs:{R}:{OWN}:service/{PREFIX}/api",
                    own_tag) == "allow"


def test_the_ci_role_reaches_its_own_state_key_and_history_in_the_platform_account(roles):
    ci = f"{PREFIX}--ci-deploy"
    own_state = f"arn:aws:s3:::{STATE}/.pulumi/stacks/service.payments.api/prod.{R}.json"
    assert decision(roles, ci, "s3:PutObject", own_state, {"s3:ResourceAccount": PLATFORM}) == "allow"
    # a bucket of the same name in any other account (its own included) is not the platform's
    for account in (OWN, OTHER):
        assert decision(roles, ci, "s3:PutObject", own_state, {"s3:ResourceAccount": account}) != "allow", account
        assert decision(roles, ci, "s3:ListBucket", f"arn:aws:s3:::{STATE}",
                        {"s3:ResourceAccount": account, "s3:prefix": ".pulumi/stacks/"}) != "allow", account
    assert decision(roles, ci, "kms:Decrypt", STATE_KEY, {"kms:ResourceAliases": [KEY_ALIAS],
                                                          "kms:EncryptionContext:platform-team": "payments"}) == "allow"
    assert decision(roles, ci, "dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": ["lock#payments/prod"]}) == "allow"
    # the same key and table names in the space's own account are not the platform's
    assert decision(roles, ci, "kms:Decrypt", at(STATE_KEY, OWN), {"kms:ResourceAliases": [KEY_ALIAS],
                                                                   "kms:EncryptionContext:platform-team": "payments"}) != "allow"
    assert decision(roles, ci, "dynamodb:PutItem", at(TABLE, OWN), {"dynamodb:LeadingKeys": ["lock#payments/prod"]}) != "allow"
    for role in ROLES[1:]:  # the team's people reach none of it
        assert decision(roles, role, "s3:GetObject", own_state, {"s3:ResourceAccount": PLATFORM}) != "allow"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource", shared.ANOTHER_SPACES)
def test_another_teams_resources_are_denied_in_its_account_and_in_this_one(roles, role, action, resource):
    for account in (OTHER, OWN):
        for context in ({}, shared.OTHER_TAG, {**shared.OTHER_TAG, **shared.CLAIM}):
            context = {**context, "s3:ResourceAccount": account, "iam:PassedToService": "ecs-tasks.amazonaws.com",
                       "kms:GrantIsForAWSResource": "true"}
            assert decision(roles, role, action, at(resource, account), context) != "allow", (account, context)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource", [("secretsmanager:GetSecretValue", "secret:platform/shop/prod/{r}/api/db-AbCdEf"),
                                              ("secretsmanager:GetSecretValue", "secret:platform/payments/prod/{r}/api/db-AbCdEf"),
                                              ("kms:Decrypt", "key/0shop-space-key"), ("kms:Decrypt", "key/0payments-key"),
                                              ("ecr:PutImage", "repository/{prefix}"), ("ecs:UpdateService", "service/{prefix}/api")])
def test_in_another_teams_account_nothing_is_reached_not_even_by_this_spaces_names_and_tag(roles, role, action, resource):
    """Names and the space's own tag do not carry across accounts: the same names in team shop's account are shop's."""
    arn = f"arn:aws:{action.split(':')[0]}:{R}:{OTHER}:{resource.format(r=R, prefix=PREFIX)}"
    for context in ({}, {"aws:ResourceTag/platform:space": SPACE}, {"kms:GrantIsForAWSResource": "true"}):
        assert decision(roles, role, action, arn, context) != "allow", context


@pytest.mark.parametrize("role", ROLES)
def test_another_teams_state_objects_and_stack_secrets_are_denied(roles, role):
    for key in shared.STATE_OBJECTS:
        obj = f"arn:aws:s3:::{STATE}/{key}"
        for action in ("s3:PutObject", "s3:DeleteObject") + (("s3:GetObject",) if "payments" not in key else ()):
            assert decision(roles, role, action, obj, {"s3:ResourceAccount": PLATFORM}) != "allow", (action, key)
    for action in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"):
        for context in ({"kms:EncryptionContext:platform-team": "shop"}, {},
                        {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{STATE}"}):  # not through S3
            ctx = {"kms:ResourceAliases": [KEY_ALIAS], "aws:ResourceTag/platform:space": SHARED_SPACE, **context}
            assert decision(roles, role, action, STATE_KEY, ctx) != "allow", (action, context)
    for keys in (["team#shop"], ["lock#shop/prod"], ["team#payments", "team#shop"], []):
        assert decision(roles, role, "dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": keys} if keys else {}) != "allow"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource, extra", shared.UNTAGGED)
def test_untagged_resources_of_the_spaces_account_are_denied(roles, role, action, resource, extra):
    for context in ({}, shared.CLAIM):
        assert decision(roles, role, action, at(resource, OWN), {**context, **extra}) != "allow", (action, context)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource", shared.SHARED)
def test_the_platforms_shared_resources_are_denied_beyond_the_teams_own(roles, role, action, resource):
    """The platform's key, table and bucket in the platform account; its OIDC providers in the space's account."""
    where = OWN if ":oidc-provider/" in resource else PLATFORM
    for context in (shared.SHARED_TAG, {**shared.SHARED_TAG, **shared.CLAIM},
                    {**shared.SHARED_TAG, "kms:ResourceAliases": [KEY_ALIAS]},
                    {**shared.SHARED_TAG, "dynamodb:LeadingKeys": ["team#shop"], "s3:ResourceAccount": PLATFORM}):
        assert decision(roles, role, action, at(resource, where), context) != "allow", (action, context)


PLATFORM_SIDE = [  # what lives in the platform account besides the state, key and history
    ("sts:AssumeRole", f"arn:aws:iam::{PLATFORM}:role/platform-deploy"),
    ("sts:AssumeRole", f"arn:aws:iam::{PLATFORM}:role/{PREFIX}--ci-deploy"),
    ("iam:PassRole", f"arn:aws:iam::{PLATFORM}:role/{PREFIX}--api--task"),
    ("ecs:UpdateService", f"arn:aws:ecs:{R}:{PLATFORM}:service/{PREFIX}/api"),
    ("s3:GetObject", f"arn:aws:s3:::acme-{PREFIX}--api-files-c1d4bd/x"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{R}:{PLATFORM}:secret:platform/payments/prod/{R}/api/db-x"),
    ("dynamodb:PutItem", f"arn:aws:dynamodb:{R}:{PLATFORM}:table/{PREFIX}--api-orders"),
    ("kms:Decrypt", f"arn:aws:kms:{R}:{PLATFORM}:key/0another-platform-key"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource", PLATFORM_SIDE)
def test_nothing_else_of_the_platform_account_is_reached(roles, role, action, resource):
    for context in ({}, {"aws:ResourceTag/platform:space": SPACE}, {"s3:ResourceAccount": PLATFORM,
                                                                    "iam:PassedToService": "ecs-tasks.amazonaws.com"}):
        assert decision(roles, role, action, resource, context) != "allow", context


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action, resource, context", shared.ESCALATIONS)
def test_every_privilege_escalation_path_is_denied_in_the_spaces_account(roles, role, action, resource, context):
    context = {k: at(v, OWN) if isinstance(v, str) else v for k, v in context.items()}
    assert decision(roles, role, action, at(resource, OWN), context) != "allow"
