"""The management account's side, against moto's server: Organizations calls run as organization.management_role
when platform.yaml names one, else only with the management account's own credentials (checked with STS, refused
with exit 7 before anything is created or recorded); and the cost allocation tags (Cost Explorer), which moto lacks.

moto 5.2.5 implements no Cost Explorer cost allocation tag call (ListCostAllocationTags and
UpdateCostAllocationTagsStatus answer HTTP 500 there): the product makes both real calls, and the test answers them
at the client (a botocore ``before-call`` handler that records the request), never in the product. On the local
cloud bootstrap reports the step "skipped" and says why.
"""

from __future__ import annotations

import json

import pytest

from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.management import COST_TAGS, activate_cost_tags, management_clients
from platform_cli.aws.organizations import assumed
from platform_cli.errors import CloudError
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext
from platform_cli.yamlio import RoundTrip

MANAGEMENT = "123456789012"
OTHER = "222222222222"


def _as_other_account(endpoint):
    """A client provider whose credentials belong to account OTHER (a role assumed there), not the management account."""
    provider = assumed(ClientProvider.local(endpoint), OTHER, "platform-deployer")
    assert provider("sts").get_caller_identity()["Account"] == OTHER
    return provider


def _space(run_cli, org_ws):
    r = run_cli("-w", str(org_ws.root), "bootstrap")
    assert r.exit_code == 0, r.stderr
    create_space(org_ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    return WorkspaceContext.open(org_ws.root)


def _accounts(endpoint):
    return ClientProvider.local(endpoint)("organizations", "us-east-1").list_accounts()["Accounts"]


def test_another_accounts_credentials_without_a_management_role_are_refused_before_anything(run_cli, org_ws, fresh_cloud):
    ws = _space(run_cli, org_ws)
    before, count = (ws.root / "spaces" / "shop.yaml").read_text(), len(_accounts(fresh_cloud))
    with pytest.raises(CloudError) as err:
        ensure_account(ws, "shop", "dev", clients=_as_other_account(fresh_cloud))
    assert err.value.exit_code == 7
    assert f"credentials belong to account {OTHER}" in err.value.message
    assert f"not to the organization's management account {MANAGEMENT}" in err.value.message
    assert "nothing was created or recorded" in err.value.message and "organization.management_role" in err.value.hint
    assert (ws.root / "spaces" / "shop.yaml").read_text() == before and len(_accounts(fresh_cloud)) == count
    # the CLI says the same with exit 7 (the management account named in platform.yaml is not the caller's)
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["organization"]["management_account_id"] = "999999999999"
    r = run_cli("-w", str(ws.root), "space", "apply", "shop", "--env", "dev", "--yes")
    assert r.exit_code == 7 and "not to the organization's management account 999999999999" in r.stderr
    assert (ws.root / "spaces" / "shop.yaml").read_text() == before and len(_accounts(fresh_cloud)) == count


def test_with_a_management_role_vending_runs_as_that_role_in_the_management_account(run_cli, org_ws, fresh_cloud):
    ws = _space(run_cli, org_ws)
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["organization"]["management_role"] = "platform-organizations"
    ws = WorkspaceContext.open(ws.root)
    assert ws.config.organization.management_role == "platform-organizations"
    other = _as_other_account(fresh_cloud)
    asked: list[str] = []
    other("sts").meta.events.register("provide-client-params.sts.AssumeRole", lambda params, **_kw: asked.append(params["RoleArn"]))
    got = ensure_account(ws, "shop", "dev", clients=other)
    assert asked == [f"arn:aws:iam::{MANAGEMENT}:role/platform-organizations"]
    # the account is in the management account's organization (account OTHER has none: moto keeps one per account)
    assert got.account_id in {a["Id"] for a in _accounts(fresh_cloud)}
    assert WorkspaceContext.open(ws.root).space("shop").account("dev").account_id == got.account_id
    managing = management_clients(other, ws.config.organization)
    assert managing("sts").get_caller_identity()["Arn"].startswith(
        f"arn:aws:sts::{MANAGEMENT}:assumed-role/platform-organizations/platform-organizations")


def test_the_schema_describes_the_management_role():
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "platform.schema.json").read_text())
    org = schema["$defs"]["Organization"]["properties"]
    assert "management_role" in org and "sts:AssumeRole" in org["management_role"]["description"]


def _ok():
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://ce.us-east-1.amazonaws.com/", 200, {}, None)


class _Ce:
    """A Cost Explorer client on moto whose two missing calls are answered here (the request is kept)."""

    def __init__(self, endpoint, active=(), refused=()):
        self.client = ClientProvider.local(endpoint)("ce", "us-east-1")
        self.active, self.refused, self.calls, self._params = set(active), set(refused), [], {}
        for op, answer in (("ListCostAllocationTags", self._list), ("UpdateCostAllocationTagsStatus", self._update)):
            self.client.meta.events.register(f"provide-client-params.ce.{op}", self._keep)
            self.client.meta.events.register(f"before-call.ce.{op}", answer)

    def _keep(self, params, **_kw):
        self._params = dict(params)  # the API parameters the product passed

    def _list(self, **_kw):
        params = self._params
        self.calls.append(("list", params))
        return _ok(), {"CostAllocationTags": [
            {"TagKey": k, "Type": "UserDefined", "Status": "Active" if k in self.active else "Inactive"}
            for k in params["TagKeys"]]}

    def _update(self, **_kw):
        params = self._params
        self.calls.append(("update", params))
        errors = [{"TagKey": e["TagKey"], "Code": "TagKeysNotFoundException", "Message": "Failed to update tag key"}
                  for e in params["CostAllocationTagsStatus"] if e["TagKey"] in self.refused]
        self.active |= {e["TagKey"] for e in params["CostAllocationTagsStatus"] if e["TagKey"] not in self.refused}
        return _ok(), {"Errors": errors}


def test_cost_tags_are_activated_once_and_a_key_aws_has_not_seen_is_reported(fresh_cloud):
    ce = _Ce(fresh_cloud, active={"platform:team"}, refused={"cost-center"})
    item = activate_cost_tags(ce.client)
    assert ce.calls[1] == ("update", {"CostAllocationTagsStatus": [
        {"TagKey": k, "Status": "Active"} for k in ("platform:env", "platform:space", "cost-center")]})
    assert item.status == "incomplete" and "platform:team: active" in item.details
    assert "platform:space: activated" in item.details
    assert any(d.startswith("cost-center: not activated (TagKeysNotFoundException") and "billing data" in d
               for d in item.details)
    ce.refused.clear()
    assert activate_cost_tags(ce.client).status == "updated"
    calls = len(ce.calls)
    found = activate_cost_tags(ce.client)
    assert found.status == "found" and len(ce.calls) == calls + 1  # only the listing, no update
    assert ce.calls[-1][1]["TagKeys"] == list(COST_TAGS)


def test_moto_lacks_the_cost_allocation_tag_calls_and_local_bootstrap_says_it_skipped_them(run_cli, org_ws, fresh_cloud):
    from botocore.exceptions import ClientError

    ce = ClientProvider(default_region="us-east-1", endpoint_url=fresh_cloud, max_attempts=1)("ce", "us-east-1")
    with pytest.raises(ClientError):  # if moto gains it, this test must be revisited
        ce.update_cost_allocation_tags_status(CostAllocationTagsStatus=[{"TagKey": "platform:team", "Status": "Active"}])
    r = run_cli("-w", str(org_ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    [item] = [i for i in json.loads(r.stdout)["items"] if i["kind"] == "cost-allocation-tags"]
    assert item["status"] == "skipped" and "UpdateCostAllocationTagsStatus" in item["details"][0]


ENGINE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}]}


def _apart(ws):
    """WS with the platform account (state, engine) OTHER apart from the management account."""
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["organization"]["management_role"] = "platform-organizations"
        doc["cloud"]["account_id"] = OTHER
    return WorkspaceContext.open(ws.root)


def _engine(endpoint, name="platform-engine"):
    """The engine role created in the platform account OTHER, and a client provider acting as it."""
    admin = assumed(ClientProvider.local(endpoint), OTHER, "admin")
    admin("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ENGINE_TRUST))
    engine = assumed(ClientProvider.local(endpoint), OTHER, name, session_name="engine")
    assert engine("sts").get_caller_identity()["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/{name}/engine"
    return engine


def test_a_platform_account_apart_from_the_management_account_trusts_only_its_engine_role(run_cli, org_ws, fresh_cloud):
    from platform_cli.aws.management import management_clients
    from platform_cli.aws.org_bootstrap import vended_account_providers
    from platform_cli.aws.platform_role import SID, ensure_platform_trust, platform_trust_statement
    from tests.iameval import may_assume

    ws = _apart(_space(run_cli, org_ws))
    assert ws.config.organization.engine_role == "platform-engine"  # the default
    engine = _engine(fresh_cloud)
    got = ensure_account(ws, "shop", "dev", clients=engine)
    iam = assumed(ClientProvider.local(fresh_cloud), got.account_id, "OrganizationAccountAccessRole")("iam")
    trust = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]["AssumeRolePolicyDocument"]
    arn = f"arn:aws:iam::{OTHER}:role/platform-engine"
    [ours] = [st for st in trust["Statement"] if st.get("Sid") == SID]
    assert ours["Principal"] == {"AWS": arn} and ours["Condition"] == {"ArnEquals": {"aws:PrincipalArn": arn}}
    assert f"arn:aws:iam::{OTHER}:root" not in json.dumps(trust)  # no other principal of the platform account
    assert any(MANAGEMENT in json.dumps(st["Principal"]) for st in trust["Statement"])  # Organizations' own stays
    # the trust as IAM stores it, decided: the engine role may assume the role, a team's CI role of the same account not
    role = f"arn:aws:iam::{got.account_id}:role/OrganizationAccountAccessRole"
    for who, ok in ((arn, True), (f"arn:aws:iam::{OTHER}:role/shop--dev--euc1--ci-deploy", False)):
        assert may_assume(trust, {"AWS": who}, "sts:AssumeRole", {"aws:PrincipalArn": who}, role) is ok
    # and the engine gets in through its own session (moto does not enforce trust policies: the evaluator does above)
    inside = assumed(engine, got.account_id, "OrganizationAccountAccessRole", session_name="platform-space-shop-dev")
    assert inside("sts").get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{got.account_id}:assumed-role/OrganizationAccountAccessRole/platform-space-shop-dev")
    again = ensure_platform_trust(iam, "OrganizationAccountAccessRole", got.account_id,
                                  platform_trust_statement("aws", OTHER, "platform-engine"))
    assert again.status == "found"
    assert [st.get("Sid") for st in iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"][
        "AssumeRolePolicyDocument"]["Statement"]].count(SID) == 1
    # an account whose statement still trusts the platform account's root (written earlier) is narrowed by bootstrap
    stale = {"Version": "2012-10-17", "Statement": [st for st in trust["Statement"] if st.get("Sid") != SID] + [
        {"Sid": SID, "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}]}
    iam.update_assume_role_policy(RoleName="OrganizationAccountAccessRole", PolicyDocument=json.dumps(stale))
    items = vended_account_providers(WorkspaceContext.open(ws.root), management_clients(engine, ws.config.organization),
                                     "aws", {})
    assert [(i.kind, i.status) for i in items if i.kind == "platform-role-trust"] == [("platform-role-trust", "updated")]
    now = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]["AssumeRolePolicyDocument"]
    assert f"arn:aws:iam::{OTHER}:root" not in json.dumps(now) and arn in json.dumps(now)


def test_without_the_engine_role_vending_and_bootstrap_refuse_before_anything(run_cli, org_ws, fresh_cloud):
    ws = _apart(_space(run_cli, org_ws))
    caller = _as_other_account(fresh_cloud)
    before, count = (ws.root / "spaces" / "shop.yaml").read_text(), len(_accounts(fresh_cloud))
    with pytest.raises(CloudError) as err:
        ensure_account(ws, "shop", "dev", clients=caller)
    assert err.value.exit_code == 7
    assert f"the platform account {OTHER} has no role platform-engine (organization.engine_role)" in err.value.message
    assert f"trusts only arn:aws:iam::{OTHER}:role/platform-engine" in err.value.message
    assert "nothing was created or recorded" in err.value.message and "organization.engine_role" in err.value.hint
    assert (ws.root / "spaces" / "shop.yaml").read_text() == before and len(_accounts(fresh_cloud)) == count
    from platform_cli.aws.org_bootstrap import bootstrap_organization

    with pytest.raises(CloudError, match=f"the platform account {OTHER} has no role platform-engine") as err:
        bootstrap_organization(ws, caller, {})  # the organization part of `platform bootstrap`
    assert err.value.exit_code == 7
    # another name in platform.yaml is the role looked for; once it exists, vending goes on
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["organization"]["engine_role"] = "deployer"
    with pytest.raises(CloudError, match="has no role deployer"):
        ensure_account(WorkspaceContext.open(ws.root), "shop", "dev", clients=caller)
    got = ensure_account(WorkspaceContext.open(ws.root), "shop", "dev", clients=_engine(fresh_cloud, "deployer"))
    assert got.status == "created"


def test_with_one_account_for_both_the_trust_is_left_as_organizations_made_it(run_cli, org_ws, fresh_cloud):
    from platform_cli.aws.platform_role import SID

    ws = _space(run_cli, org_ws)
    got = ensure_account(ws, "shop", "dev")  # no engine role exists: none is needed
    plain = assumed(ClientProvider.local(fresh_cloud), got.account_id, "OrganizationAccountAccessRole")("iam").get_role(
        RoleName="OrganizationAccountAccessRole")["Role"]["AssumeRolePolicyDocument"]
    assert SID not in json.dumps(plain)


def test_the_schema_describes_the_engine_role():
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "platform.schema.json").read_text())
    role = schema["$defs"]["Organization"]["properties"]["engine_role"]
    assert role["default"] == "platform-engine" and "aws:PrincipalArn" in role["description"]
