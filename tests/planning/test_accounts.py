"""Which account a unit deploys into and how its provider gets there (pure)."""

from __future__ import annotations

import pytest

from platform_cli.model.space import AccountRecord
from platform_cli.planning.accounts import ACCOUNT_PLACEHOLDER, DEFAULT_PLATFORM_ROLE, assumed_role, unit_account
from stacks.provider import provider_args, session_name

PLATFORM = "210987654321"


def record(env: str, account: str, **extra) -> AccountRecord:
    return AccountRecord(env=env, account_id=account, email=f"{env}@example.com", created_at="2026-12-01T00:00:00Z",
                         **extra)


def account(isolation: str, env: str, accounts: list, role: str | None = "platform-deploy", partition: str = "aws"):
    return unit_account(isolation=isolation, env=env, platform_account_id=PLATFORM, partition=partition,
                        accounts=accounts, platform_role=role)


def test_shared_isolation_is_the_platform_account_and_assumes_nothing():
    got = account("shared", "dev", [record("dev", "222222222222")])  # a record alone does not move a shared space
    assert (got.account_id, got.platform_role_arn, got.pending) == (PLATFORM, None, False)


def test_account_isolation_is_the_environments_vended_account():
    accounts = [record("dev", "222222222222"), record("prod", "333333333333")]
    got = account("account", "prod", accounts)
    assert got.account_id == "333333333333" and got.platform_account_id == PLATFORM and not got.pending
    assert got.platform_role_arn == "arn:aws:iam::333333333333:role/platform-deploy"
    assert account("account", "prod", accounts, partition="aws-cn").platform_role_arn.startswith("arn:aws-cn:iam::")


def test_before_vending_and_after_closing_the_account_is_assigned_at_apply():
    for accounts in ([], [record("dev", "222222222222")],
                     [record("prod", "333333333333", state="closed", closed_at="2026-12-02T00:00:00Z")]):
        got = account("account", "prod", accounts)
        assert got.pending and got.account_id == ACCOUNT_PLACEHOLDER
        assert got.platform_role_arn == f"arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/platform-deploy"
    assert not ACCOUNT_PLACEHOLDER.isdigit() and len(ACCOUNT_PLACEHOLDER) != 12
    assert account("account", "prod", [], role=None).platform_role_arn.endswith(f":role/{DEFAULT_PLATFORM_ROLE}")
    with pytest.raises(ValueError, match="isolation 'vpc'"):
        account("vpc", "prod", [])


def test_space_units_assume_the_platform_role_service_units_only_on_the_local_cloud():
    role = "arn:aws:iam::222222222222:role/platform-deploy"
    assert assumed_role("space", role, local=False) == role
    assert assumed_role("service", role, local=False) is None  # CI's deploy role, by OIDC
    assert assumed_role("service", role, local=True) == role  # the local cloud has no CI
    assert assumed_role("space", None, local=False) is None and assumed_role("service", None, local=True) is None


def test_provider_args_pin_the_account_and_assume_the_role():
    args = provider_args("eu-west-1", account_id="222222222222", assume_role_arn="arn:aws:iam::222222222222:role/r",
                         session="platform-space-shop-dev-eu-west-1")
    assert args == {"region": "eu-west-1", "allowed_account_ids": ["222222222222"],
                    "assume_roles": [{"role_arn": "arn:aws:iam::222222222222:role/r",
                                      "session_name": "platform-space-shop-dev-eu-west-1"}]}
    assert provider_args("eu-west-1", account_id=PLATFORM) == {"region": "eu-west-1", "allowed_account_ids": [PLATFORM]}
    local = provider_args("eu-west-1", account_id="222222222222", local_endpoint="http://127.0.0.1:5000",
                          assume_role_arn="arn:aws:iam::222222222222:role/r")
    assert local["assume_roles"][0]["role_arn"] == "arn:aws:iam::222222222222:role/r"
    assert "allowed_account_ids" not in local and local["skip_requesting_account_id"] is True


def test_session_names_fit_sts():
    import re

    long = "service/" + "a" * 30 + "/" + "b" * 30 + "/prod/ap-southeast-3"
    for unit in ("space/shop/dev/eu-central-1", long):
        name = session_name(unit)
        assert re.fullmatch(r"[\w+=,.@-]{2,64}", name), name
    assert session_name("space/shop/dev/eu-central-1") == "platform-space-shop-dev-eu-central-1"
    assert session_name(long) != session_name(long.replace("prod", "dev1"))
