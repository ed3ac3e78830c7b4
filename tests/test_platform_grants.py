"""The platform account's resource policies admit a vended account's CI for its own team only (evaluated)."""

from __future__ import annotations

from platform_cli.planning.names import pulumi_project, pulumi_stack, service_unit, space_unit
from platform_cli.planning.platform_grants import SID_PREFIX, VendedCi, ci_role_name, merged_policy, platform_statements

from tests.iameval import ALLOW, Request, decide

BUCKET = "acme-platform-state"
KEY = "arn:aws:kms:eu-central-1:123456789012:key/1111-2222"
TABLE = "arn:aws:dynamodb:eu-central-1:123456789012:table/platform-history"
SHOP, BLOG = "210987654321", "310987654321"
VENDED = [VendedCi("shop", "dev", ("eu-central-1", "eu-west-1"), SHOP), VendedCi("blog", "dev", ("eu-central-1",), BLOG)]


def policies(vended=VENDED):
    st = platform_statements("aws", state_bucket=BUCKET, state_prefix="", key_arn=KEY, table_arn=TABLE, vended=vended)
    return {kind: {"Version": "2012-10-17", "Statement": sts} for kind, sts in st.items()}


def role(account, team, env="dev", region="eu-central-1"):
    return f"arn:aws:iam::{account}:role/{ci_role_name(team, env, region)}"


def ask(policy, action, resource, account, principal_arn, **context):
    """The resource policy's verdict for a request from PRINCIPAL_ARN in ACCOUNT. The evaluator matches principals
    by glob, so the request's principal is the caller's account (``ACCOUNT:root`` names every principal of it, as
    in IAM), and aws:PrincipalArn carries the role."""
    req = Request(action, resource, {"aws:PrincipalArn": principal_arn, **context}, {"AWS": f"arn:aws:iam::{account}:root"})
    return decide(req, [], resource_policy=policy)


def state_key(unit):
    return f"arn:aws:s3:::{BUCKET}/.pulumi/stacks/{pulumi_project(unit)}/{pulumi_stack(unit)}.json"


def test_state_objects_of_the_own_team_and_regions_only():
    bucket = policies()["bucket"]
    mine = state_key(service_unit("shop", "api", "dev", "eu-west-1"))
    assert ask(bucket, "s3:PutObject", mine, SHOP, role(SHOP, "shop", region="eu-west-1")) == ALLOW
    assert ask(bucket, "s3:GetObject", state_key(space_unit("shop", "dev", "eu-central-1")), SHOP, role(SHOP, "shop")) == ALLOW
    denied = [
        ("s3:PutObject", state_key(space_unit("shop", "dev", "eu-central-1")), SHOP, role(SHOP, "shop")),  # the space: read only
        ("s3:PutObject", state_key(service_unit("blog", "api", "dev", "eu-central-1")), SHOP, role(SHOP, "shop")),  # other team
        ("s3:GetObject", state_key(service_unit("shop", "api", "prod", "eu-central-1")), SHOP, role(SHOP, "shop")),  # other env
        ("s3:GetObject", state_key(service_unit("shop", "api", "dev", "us-east-1")), SHOP, role(SHOP, "shop")),  # other region
        ("s3:PutObject", mine, SHOP, f"arn:aws:iam::{SHOP}:role/someone-else"),  # another role of the account
        ("s3:PutObject", mine, BLOG, role(BLOG, "shop", region="eu-west-1")),  # shop's role name, in blog's account
        ("s3:PutObject", state_key(service_unit("shop", "api", "dev", "eu-central-1")), BLOG, role(BLOG, "blog")),
        ("s3:DeleteBucket", f"arn:aws:s3:::{BUCKET}", SHOP, role(SHOP, "shop")),
    ]
    for action, resource, account, principal in denied:
        assert ask(bucket, action, resource, account, principal) != ALLOW, (action, resource, account, principal)
    # listing: the team's own projects' folders only, never the folder of every team's project names
    assert ask(bucket, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", SHOP, role(SHOP, "shop"),
               **{"s3:prefix": ".pulumi/stacks/service.shop.api/"}) == ALLOW
    assert ask(bucket, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", SHOP, role(SHOP, "shop"), **{"s3:prefix": ".pulumi/stacks/"}) != ALLOW
    assert ask(bucket, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", SHOP, role(SHOP, "shop"), **{"s3:prefix": "other/"}) != ALLOW


def test_the_key_only_with_the_teams_encryption_context_and_the_table_only_with_its_keys():
    key, table = policies()["key"], policies()["table"]
    assert ask(key, "kms:Decrypt", KEY, SHOP, role(SHOP, "shop"), **{"kms:EncryptionContext:platform-team": "shop"}) == ALLOW
    assert ask(key, "kms:Decrypt", KEY, SHOP, role(SHOP, "shop"), **{"kms:EncryptionContext:platform-team": "blog"}) != ALLOW
    assert ask(key, "kms:Decrypt", KEY, BLOG, role(BLOG, "blog"), **{"kms:EncryptionContext:platform-team": "shop"}) != ALLOW
    assert ask(key, "kms:Decrypt", KEY, SHOP, role(SHOP, "shop")) != ALLOW  # no context: not the team's secrets
    assert ask(key, "kms:ScheduleKeyDeletion", KEY, SHOP, role(SHOP, "shop"),
               **{"kms:EncryptionContext:platform-team": "shop"}) != ALLOW
    via_s3 = {"kms:ViaService": "s3.eu-central-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}
    assert ask(key, "kms:GenerateDataKey", KEY, SHOP, role(SHOP, "shop"), **via_s3) == ALLOW
    assert ask(key, "kms:GenerateDataKey", KEY, SHOP, role(SHOP, "shop"),
               **{**via_s3, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other"}) != ALLOW
    assert ask(table, "dynamodb:PutItem", TABLE, SHOP, role(SHOP, "shop"), **{"dynamodb:LeadingKeys": ["team#shop"]}) == ALLOW
    assert ask(table, "dynamodb:PutItem", TABLE, SHOP, role(SHOP, "shop"), **{"dynamodb:LeadingKeys": ["lock#shop/dev"]}) == ALLOW
    assert ask(table, "dynamodb:PutItem", TABLE, SHOP, role(SHOP, "shop"), **{"dynamodb:LeadingKeys": ["team#blog"]}) != ALLOW
    assert ask(table, "dynamodb:Query", TABLE, SHOP, role(SHOP, "shop")) != ALLOW  # no key: not only the team's items
    assert ask(table, "dynamodb:Scan", TABLE, SHOP, role(SHOP, "shop"), **{"dynamodb:LeadingKeys": ["team#shop"]}) != ALLOW
    assert ask(table, "dynamodb:PutItem", TABLE, BLOG, role(BLOG, "blog"), **{"dynamodb:LeadingKeys": ["team#shop"]}) != ALLOW


def test_only_the_platforms_statements_are_replaced_and_none_without_vended_accounts():
    tls = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    first = merged_policy({"Version": "2012-10-17", "Statement": [tls]}, policies()["bucket"]["Statement"])
    assert first["Statement"][0] == tls and all(s["Sid"].startswith(SID_PREFIX) for s in first["Statement"][1:])
    only_blog = merged_policy(first, policies(VENDED[1:])["bucket"]["Statement"])
    assert only_blog["Statement"][0] == tls and SHOP not in str(only_blog) and BLOG in str(only_blog)
    assert merged_policy(first, [])["Statement"] == [tls]
    assert policies([]) == {k: {"Version": "2012-10-17", "Statement": []} for k in ("bucket", "key", "table")}
    sids = [s["Sid"] for p in policies().values() for s in p["Statement"]]
    assert len(sids) == len(set(sids))
