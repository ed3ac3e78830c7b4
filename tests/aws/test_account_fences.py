"""Each vended account fenced to ITS blueprint's regions, against moto's server: the SCPs attached to the account and
its OU are read back from moto and evaluated with the project's IAM/SCP evaluator (moto stores SCPs, it does not
enforce them); a blueprint change moves the account to its new fence and the stale one goes; a vending that would
leave an account unfenced records nothing."""

from __future__ import annotations

import json

import pytest

from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.organizations import SCP_TYPE, find_ou, policies_of, root_id
from platform_cli.errors import CloudError
from platform_cli.planning.guardrails import account_policy_name
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext
from platform_cli.yamlio import RoundTrip

from tests.iameval import ALLOW, EXPLICIT_DENY, Request, decide
from tests.aws.orgs import ADMIN, bootstrap_json as _bootstrap, orgs_client as _orgs, two_vended

SERVICES = ["cloudtrail", "guardduty"]  # what tests.isolation's blueprints protect


def _effective(orgs, account_id):
    """Every SCP document that applies to ACCOUNT_ID as moto stores them: its own and its OU's (the root's FullAWSAccess
    and the account's default one only allow)."""
    ou = orgs.list_parents(ChildId=account_id)["Parents"][0]["Id"]
    docs = []
    for target in (account_id, ou):
        for p in orgs.list_policies_for_target(TargetId=target, Filter=SCP_TYPE)["Policies"]:
            docs.append(json.loads(orgs.describe_policy(PolicyId=p["Id"])["Policy"]["Content"]))
    return docs


def _may(docs, region, action="ec2:RunInstances"):
    return decide(Request(action, "*", {"aws:RequestedRegion": region,
                                        "aws:PrincipalARN": "arn:aws:iam::210987654321:role/app"}), [ADMIN, *docs])


def _two_blueprints(run_cli, org_ws):
    return two_vended(run_cli, org_ws, "narrow", regions=("eu-central-1",))


def test_each_account_carries_its_own_blueprints_region_scp(run_cli, org_ws, fresh_cloud):
    ws, shop, blog = _two_blueprints(run_cli, org_ws)
    orgs = _orgs(fresh_cloud)
    wide, narrow = account_policy_name("acme", ["eu-central-1", "eu-west-1"], SERVICES), account_policy_name("acme", ["eu-central-1"], SERVICES)
    assert wide in policies_of(orgs, shop) and narrow not in policies_of(orgs, shop)
    assert narrow in policies_of(orgs, blog) and wide not in policies_of(orgs, blog)
    # both sit in the same OU, whose own region SCP is the union: only the account's own SCP tells them apart
    ou = find_ou(orgs, root_id(orgs), "platform-workloads")
    assert {p["Id"] for p in orgs.list_parents(ChildId=shop)["Parents"]} == {ou} == {
        p["Id"] for p in orgs.list_parents(ChildId=blog)["Parents"]}
    in_shop, in_blog = _effective(orgs, shop), _effective(orgs, blog)
    assert _may(in_shop, "eu-central-1") == ALLOW and _may(in_blog, "eu-central-1") == ALLOW
    assert _may(in_shop, "eu-west-1") == ALLOW
    assert _may(in_blog, "eu-west-1") == EXPLICIT_DENY  # the union on the OU would allow it
    for docs in (in_shop, in_blog):
        assert _may(docs, "us-east-1") == EXPLICIT_DENY
        assert _may(docs, "us-east-1", "iam:CreateRole") == ALLOW  # a global service
        assert _may(docs, "eu-central-1", "organizations:LeaveOrganization") == EXPLICIT_DENY


def test_a_blueprint_change_moves_the_account_to_its_new_fence_and_the_stale_scp_goes(run_cli, org_ws, fresh_cloud):
    ws, shop, blog = _two_blueprints(run_cli, org_ws)
    orgs = _orgs(fresh_cloud)
    wide, narrow = account_policy_name("acme", ["eu-central-1", "eu-west-1"], SERVICES), account_policy_name("acme", ["eu-central-1"], SERVICES)
    with RoundTrip(ws.root / "spaces" / "blog.yaml") as doc:
        doc["blueprint"] = "isolated@1"
    # the next apply fences the recorded account again: the new SCP attached, the stale one detached
    again = ensure_account(WorkspaceContext.open(ws.root), "blog", "dev")
    assert again.status == "recorded" and again.account_id == blog
    assert wide in policies_of(orgs, blog) and narrow not in policies_of(orgs, blog)
    assert _may(_effective(orgs, blog), "eu-west-1") == ALLOW
    # bootstrap does the same and deletes an account SCP once no blueprint has its regions and nothing holds it
    with RoundTrip(ws.root / "spaces" / "blog.yaml") as doc:
        doc["blueprint"] = "narrow@1"
    first = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    moves = {(i["name"], i["status"]) for i in first["items"] if i["kind"] == "scp-attachment" and "blog/dev" in i["name"]}
    assert (f"{wide} -> the account of blog/dev ({blog})", "detached") in moves
    assert (f"{narrow} -> the account of blog/dev ({blog})", "attached") in moves
    assert narrow in policies_of(orgs, blog) and wide not in policies_of(orgs, blog)
    names = {p["Name"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"]}
    assert {wide, narrow} <= names  # both still used by a blueprint
    (ws.root / "blueprints" / "narrow" / "1.yaml").unlink()
    with RoundTrip(ws.root / "spaces" / "blog.yaml") as doc:
        doc["blueprint"] = "isolated@1"
    report = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    assert (narrow, "deleted") in {(i["name"], i["status"]) for i in report["items"] if i["kind"] == "scp"}
    names = {p["Name"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"]}
    assert narrow not in names and wide in names
    assert _bootstrap(run_cli, WorkspaceContext.open(ws.root))["changed"] is False


def test_a_recorded_account_outside_its_ou_is_moved_back_before_anything_else(run_cli, org_ws, fresh_cloud):
    ws, shop, _blog = _two_blueprints(run_cli, org_ws)
    orgs = _orgs(fresh_cloud)
    root, ou = root_id(orgs), find_ou(orgs, root_id(orgs), "platform-workloads")
    orgs.move_account(AccountId=shop, SourceParentId=ou, DestinationParentId=root)
    got = ensure_account(WorkspaceContext.open(ws.root), "shop", "dev")
    assert got.status == "recorded" and orgs.list_parents(ChildId=shop)["Parents"][0]["Id"] == ou
    # bootstrap moves it back too, and says so
    orgs.move_account(AccountId=shop, SourceParentId=ou, DestinationParentId=root)
    report = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    assert [i["details"] for i in report["items"] if i["kind"] == "account"] == [["moved into OU platform-workloads"]]
    assert orgs.list_parents(ChildId=shop)["Parents"][0]["Id"] == ou


def test_an_ou_without_its_scps_refuses_to_record_the_account(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    create_space(org_ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    orgs = _orgs(fresh_cloud)
    ou = find_ou(orgs, root_id(orgs), "platform-workloads")
    baseline = next(p["Id"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"] if p["Name"] == "acme--platform--baseline")
    orgs.detach_policy(PolicyId=baseline, TargetId=ou)
    before = (org_ws.root / "spaces" / "shop.yaml").read_text()
    with pytest.raises(CloudError, match="OU platform-workloads lacks SCP acme--platform--baseline") as err:
        ensure_account(WorkspaceContext.open(org_ws.root), "shop", "dev")
    assert "not recorded as ready" in err.value.message and "platform bootstrap" in err.value.hint
    assert (org_ws.root / "spaces" / "shop.yaml").read_text() == before
    # bootstrap attaches it again; the next apply finds the account it made (by its email) and records it
    _bootstrap(run_cli, org_ws)
    count = len(orgs.list_accounts()["Accounts"])
    got = ensure_account(WorkspaceContext.open(org_ws.root), "shop", "dev")
    assert got.status == "found" and len(orgs.list_accounts()["Accounts"]) == count
    assert WorkspaceContext.open(org_ws.root).space("shop").account("dev").account_id == got.account_id


def _parallel_vend(ws, endpoint, n=2):
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    start = str(time.time() + 4.0)  # every process has imported and opened the workspace by then
    procs = [subprocess.Popen([sys.executable, "-m", "tests.aws.vend_worker", str(ws.root), endpoint, "shop", "dev", start],
                              cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * n, [o[1][-2000:] for o in outs]
    return [json.loads(o[0]) for o in outs]


def test_two_parallel_vendings_of_one_environment_make_one_account(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    create_space(org_ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    got = _parallel_vend(org_ws, fresh_cloud)
    assert sorted(g["status"] for g in got) == ["created", "recorded"]  # the second waited, then read the record
    assert got[0]["account_id"] == got[1]["account_id"]
    emails = [a["Email"] for a in _orgs(fresh_cloud).list_accounts()["Accounts"]]
    assert emails.count("aws+acme-shop-dev@example.com") == 1
    space = WorkspaceContext.open(org_ws.root).space("shop")
    assert [(a.env, a.account_id) for a in space.accounts] == [("dev", got[0]["account_id"])]
