"""The records of account isolation: the organization in platform.yaml and the vended accounts in a space file."""

import pytest
from pydantic import ValidationError

from platform_cli.model.blueprint import Blueprint
from platform_cli.model.space import Space
from platform_cli.model.workspace import Organization, Workspace

ORG = {"management_account_id": "111111111111", "account_email": "aws+{org}-{team}-{env}@example.com"}


def space(**extra):
    return Space.model_validate({"team": "shop", "blueprint": "standard@3",
                                 "environments": {"dev": {"regions": ["eu-west-1"]}}, **extra})


def test_blueprints_are_shared_unless_they_say_account():
    assert Blueprint(name="base", version=1).isolation == "shared"
    assert Blueprint(name="base", version=1, isolation="account").isolation == "account"
    with pytest.raises(ValidationError, match="isolation"):
        Blueprint(name="base", version=1, isolation="vpc")


def test_the_email_pattern_names_team_and_env_and_nothing_unknown():
    org = Organization(**ORG)
    assert org.email_for("acme", "shop", "prod") == "aws+acme-shop-prod@example.com"
    assert org.ou_for(True) == "platform-protected" and org.ou_for(False) == "platform-workloads"
    for bad, why in [("aws+{org}-{team}@example.com", "both {team} and {env}"),
                     ("aws+{org}-{env}@example.com", "both {team} and {env}"),
                     ("aws+{team}-{env}-{region}@example.com", "unknown placeholder {region}"),
                     ("{team}-{env}", "account_email")]:
        with pytest.raises(ValidationError, match=why.replace("{", r"\{").replace("}", r"\}")):
            Organization(**{**ORG, "account_email": bad})
    with pytest.raises(ValidationError, match="management_account_id"):
        Organization(**{**ORG, "management_account_id": "11111111111"})
    assert Workspace(org="acme").organization is None
    assert Workspace(org="acme", organization=ORG).organization.platform_role == "OrganizationAccountAccessRole"


def test_a_space_has_one_account_per_environment_and_closed_ones_keep_their_date():
    acct = {"env": "dev", "account_id": "222222222222", "email": "a@b.co", "created_at": "2026-12-01T00:00:00Z"}
    s = space(accounts=[acct])
    assert s.account("dev").account_id == "222222222222" and s.account("prod") is None
    with pytest.raises(ValidationError, match="environment 'dev' has two accounts"):
        space(accounts=[acct, {**acct, "account_id": "333333333333"}])
    with pytest.raises(ValidationError, match="does not have"):
        space(accounts=[{**acct, "env": "prod"}])
    closed = {**acct, "env": "old", "state": "closed", "closed_at": "2026-12-02T00:00:00Z"}
    assert space(accounts=[closed]).account("old").state == "closed"
    with pytest.raises(ValidationError, match="closed_at is set exactly when"):
        space(accounts=[{**acct, "state": "closed"}])
    with pytest.raises(ValidationError, match="closed_at is set exactly when"):
        space(accounts=[{**acct, "closed_at": "2026-12-02T00:00:00Z"}])
