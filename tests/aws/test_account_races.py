"""Vending between machines, against moto's server: account creation is idempotent by email and tags, so two
`space apply` of one environment from two workspace folders (two machines: each has its own vending lock) converge
on one account; an account with the email that is not the environment's is refused, never adopted or moved.

What moto 5.2.5 does with a duplicate email: CreateAccount succeeds and makes a second account with the same email
(AWS refuses it: the request FAILs with FailureReason EMAIL_ALREADY_EXISTS; ``test_moto_accepts_a_duplicate_email``
keeps that on record). So the lost race is reproduced at the client: a botocore ``before-call`` handler makes the
other machine's account out of band with boto3 (the winner of the race), then answers this machine's CreateAccount
and DescribeCreateAccountStatus the way AWS does for the loser. The product makes the real calls throughout.
"""

from __future__ import annotations

import shutil

import pytest

from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.org_vending import AccountRequest
from platform_cli.aws.organizations import SCP_TYPE, find_ou, root_id
from platform_cli.errors import CloudError, ConflictError
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

from tests.aws.orgs import bootstrap_json, orgs_client

EMAIL = "aws+acme-shop-dev@example.com"
NAME = "acme/shop/dev"
TAGS = {"platform:space": "shop", "platform:env": "dev", "platform:managed-by": "platform", "platform:org": "acme"}


@pytest.fixture
def shop(run_cli, org_ws):
    bootstrap_json(run_cli, org_ws)
    create_space(org_ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    return WorkspaceContext.open(org_ws.root)


def _accounts_with(orgs, email=EMAIL):
    return [a["Id"] for a in orgs.list_accounts()["Accounts"] if a["Email"] == email]


def _out_of_band(orgs, tags=TAGS, email=EMAIL):
    """An account made with boto3 outside this workspace (another machine's vending, or someone by hand)."""
    status = orgs.create_account(Email=email, AccountName=NAME, RoleName="OrganizationAccountAccessRole",
                                 Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["CreateAccountStatus"]
    return orgs.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]


def test_moto_accepts_a_duplicate_email(fresh_cloud):
    orgs = orgs_client(fresh_cloud)
    orgs.create_organization(FeatureSet="ALL")
    first, second = _out_of_band(orgs), _out_of_band(orgs)
    assert first != second and len(_accounts_with(orgs)) == 2  # AWS would fail the second: EMAIL_ALREADY_EXISTS


def test_two_machines_vending_one_environment_record_the_same_account(shop, tmp_path, fresh_cloud):
    other_machine = tmp_path / "other"
    shutil.copytree(shop.root, other_machine)  # the same repository checked out elsewhere, before either applied
    first = ensure_account(WorkspaceContext.open(shop.root), "shop", "dev")
    second = ensure_account(WorkspaceContext.open(other_machine), "shop", "dev")
    assert (first.status, second.status) == ("created", "found") and first.account_id == second.account_id
    assert _accounts_with(orgs_client(fresh_cloud)) == [first.account_id]
    for root in (shop.root, other_machine):
        assert WorkspaceContext.open(root).space("shop").account("dev").account_id == first.account_id


def test_an_account_made_out_of_band_with_the_email_and_tags_is_adopted_and_moved_into_its_ou(shop, fresh_cloud):
    orgs = orgs_client(fresh_cloud)
    made = _out_of_band(orgs)  # in the root, where CreateAccount leaves every new account
    assert orgs.list_parents(ChildId=made)["Parents"][0]["Id"] == root_id(orgs)
    got = ensure_account(WorkspaceContext.open(shop.root), "shop", "dev")
    assert got.status == "found" and got.account_id == made and _accounts_with(orgs) == [made]
    assert orgs.list_parents(ChildId=made)["Parents"][0]["Id"] == find_ou(orgs, root_id(orgs), "platform-workloads")
    assert WorkspaceContext.open(shop.root).space("shop").account("dev").account_id == made


@pytest.mark.parametrize("tags, why", [
    ({}, "it lacks the tag platform:space=shop"),
    ({**TAGS, "platform:org": "globex"}, "tag platform:org is 'globex', expected 'acme'"),
    ({k: v for k, v in TAGS.items() if k != "platform:managed-by"}, "it lacks the tag platform:managed-by=platform"),
])
def test_an_account_with_the_email_but_not_the_spaces_tags_is_refused(shop, fresh_cloud, tags, why):
    orgs = orgs_client(fresh_cloud)
    made = _out_of_band(orgs, tags=tags)
    before = (shop.root / "spaces" / "shop.yaml").read_text()
    with pytest.raises(ConflictError) as err:
        ensure_account(WorkspaceContext.open(shop.root), "shop", "dev")
    assert f"an account with email {EMAIL} ({made}" in err.value.message and why in err.value.message
    assert "it was not adopted, moved or recorded" in err.value.message
    assert "platform:space=shop" in err.value.hint and "organization.account_email" in err.value.hint
    assert (shop.root / "spaces" / "shop.yaml").read_text() == before
    assert orgs.list_parents(ChildId=made)["Parents"][0]["Id"] == root_id(orgs) and _accounts_with(orgs) == [made]


def test_an_account_with_the_email_and_tags_in_another_ou_is_refused(shop, fresh_cloud):
    orgs = orgs_client(fresh_cloud)
    made = _out_of_band(orgs)
    elsewhere = orgs.create_organizational_unit(ParentId=root_id(orgs), Name="sandbox")["OrganizationalUnit"]["Id"]
    orgs.move_account(AccountId=made, SourceParentId=root_id(orgs), DestinationParentId=elsewhere)
    with pytest.raises(ConflictError, match=rf"it is in {elsewhere}, not in OU platform-workloads \(ou-[^)]+\) nor in "
                                            "the root"):
        ensure_account(WorkspaceContext.open(shop.root), "shop", "dev")
    assert orgs.list_parents(ChildId=made)["Parents"][0]["Id"] == elsewhere
    assert WorkspaceContext.open(shop.root).space("shop").account("dev") is None


class LostRace:
    """This machine's CreateAccount loses the race: the other machine's account is made first (really, on moto), and
    this one's request is answered as AWS answers it: IN_PROGRESS, then FAILED with REASON."""

    REQUEST = "car-lostrace0000000000"

    def __init__(self, provider: ClientProvider, endpoint: str, reason="EMAIL_ALREADY_EXISTS", *, winner=True):
        from botocore.awsrequest import AWSResponse

        self.client, self.reason, self.winner, self.won = provider("organizations", "us-east-1"), reason, winner, None
        self.other = orgs_client(endpoint)  # the other machine, with its own client
        self._ok = AWSResponse("https://organizations.us-east-1.amazonaws.com/", 200, {}, None)
        self._params: dict = {}
        for op in ("CreateAccount", "DescribeCreateAccountStatus"):
            self.client.meta.events.register(f"provide-client-params.organizations.{op}", self._keep)
        self.client.meta.events.register("before-call.organizations.CreateAccount", self._create)
        self.client.meta.events.register("before-call.organizations.DescribeCreateAccountStatus", self._describe)

    def _keep(self, params, **_kw):
        self._params = dict(params)

    def _create(self, **_kw):
        if self.winner:
            tags = {t["Key"]: t["Value"] for t in self._params["Tags"]}
            self.won = _out_of_band(self.other, tags=tags, email=self._params["Email"])
        return self._ok, {"CreateAccountStatus": {"Id": self.REQUEST, "AccountName": self._params["AccountName"],
                                                  "State": "IN_PROGRESS"}}

    def _describe(self, **_kw):
        if self._params.get("CreateAccountRequestId") != self.REQUEST:
            return None  # every other request goes to moto
        return self._ok, {"CreateAccountStatus": {"Id": self.REQUEST, "AccountName": NAME, "State": "FAILED",
                                                  "FailureReason": self.reason}}


@pytest.mark.parametrize("reason", ["EMAIL_ALREADY_EXISTS", "CONCURRENT_ACCOUNT_MODIFICATION"])
def test_a_creation_that_loses_the_race_adopts_the_winners_account(shop, fresh_cloud, reason):
    provider = ClientProvider.local(fresh_cloud)
    race, lines = LostRace(provider, fresh_cloud, reason), []
    got = ensure_account(WorkspaceContext.open(shop.root), "shop", "dev", clients=provider, progress=lines.append)
    assert got.status == "adopted" and got.account_id == race.won
    assert lines[-1] == f"account {NAME}: creation refused ({reason}); looking for the account another vending made"
    orgs = orgs_client(fresh_cloud)
    assert _accounts_with(orgs) == [race.won]  # one account: nothing was created a second time
    assert orgs.list_parents(ChildId=race.won)["Parents"][0]["Id"] == find_ou(orgs, root_id(orgs), "platform-workloads")
    assert any(p["Name"].startswith("acme--platform--account--")
               for p in orgs.list_policies_for_target(TargetId=race.won, Filter=SCP_TYPE)["Policies"])
    assert WorkspaceContext.open(shop.root).space("shop").account("dev").account_id == race.won


def test_an_email_taken_outside_the_organization_is_refused_with_the_reason(shop, fresh_cloud):
    provider = ClientProvider.local(fresh_cloud)
    LostRace(provider, fresh_cloud, winner=False)  # AWS refuses the email, and no account of the organization has it
    before = (shop.root / "spaces" / "shop.yaml").read_text()
    with pytest.raises(CloudError) as err:
        ensure_account(WorkspaceContext.open(shop.root), "shop", "dev", clients=provider)
    assert f"could not create the account of shop/dev ({EMAIL}): EMAIL_ALREADY_EXISTS" in err.value.message
    assert "no account of the organization has this email: it belongs to an AWS account outside the organization" \
           in err.value.message
    assert "organization.account_email" in err.value.hint
    assert (shop.root / "spaces" / "shop.yaml").read_text() == before
    assert _accounts_with(orgs_client(fresh_cloud)) == []


def test_the_tags_vending_gives_an_account_are_the_ones_adoption_asks_for():
    req = AccountRequest(org="acme", team="shop", env="dev", email=EMAIL, ou="platform-workloads",
                         role_name="OrganizationAccountAccessRole", timeout_seconds=900)
    assert req.tags == TAGS and req.name == NAME
