"""Security-service guardrails follow each space's own blueprint, against moto's server: every account carries one SCP
of the platform's with its blueprint's regions and protected services, the OUs' SCPs hold nothing a blueprint chooses,
a blueprint upgrade moves the account to its new SCP, and Organizations' limit of five SCPs on one target is kept at
its boundary (moto 5.2.5 enforces neither that limit nor the 5,120-character one: the product checks both itself).

The SCPs are read back from moto and decided with the project's evaluator (moto stores SCPs, it does not enforce them).
"""

from __future__ import annotations

import itertools
import json
import re

import pytest

from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.organizations import SCP_TYPE, find_ou, policies_of, root_id
from platform_cli.errors import CloudError
from platform_cli.fleet.upgrade import UpgradeRequest, upgrade_fleet
from platform_cli.planning.guardrails import SCP_MAX_PER_TARGET, account_policy_name
from platform_cli.workspace import WorkspaceContext
from platform_cli.yamlio import RoundTrip

from tests.iameval import ALLOW, EXPLICIT_DENY, Request, decide
from tests.aws.orgs import ADMIN, bootstrap_json as _bootstrap, orgs_client as _orgs, two_vended

REGIONS = ["eu-central-1", "eu-west-1"]
CHANGES = {"cloudtrail": "cloudtrail:StopLogging", "guardduty": "guardduty:DeleteDetector",
           "config": "config:StopConfigurationRecorder"}


def _docs(orgs, *targets):
    return [json.loads(orgs.describe_policy(PolicyId=p["Id"])["Policy"]["Content"])
            for t in targets for p in orgs.list_policies_for_target(TargetId=t, Filter=SCP_TYPE)["Policies"]]


def _protected(orgs, account_id):
    """The security services nobody but the platform role may change in ACCOUNT_ID (its own SCPs and its OU's)."""
    ou = orgs.list_parents(ChildId=account_id)["Parents"][0]["Id"]
    docs = _docs(orgs, account_id, ou)
    out = set()
    for service, action in CHANGES.items():
        ctx = {"aws:RequestedRegion": "eu-central-1", "aws:PrincipalARN": f"arn:aws:iam::{account_id}:role/app"}
        if decide(Request(action, "*", ctx), [ADMIN, *docs]) == EXPLICIT_DENY:
            out.add(service)
        platform = {**ctx, "aws:PrincipalARN": f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"}
        assert decide(Request(action, "*", platform), [ADMIN, *docs]) == ALLOW  # the platform role keeps them running
    return out


def _version_two(ws, name, services):
    src = (ws.root / "blueprints" / name / "1.yaml").read_text()
    head, _, rest = src.partition("protected_services: [")
    (ws.root / "blueprints" / name / "2.yaml").write_text(
        re.sub(r"(?m)^version: 1$", "version: 2", head) + f"protected_services: [{', '.join(services)}]" + rest.partition("]")[2])


@pytest.fixture
def two(run_cli, org_ws):
    """shop on isolated@1 (CloudTrail, GuardDuty), blog on audited@1 (Config), both vended."""
    return two_vended(run_cli, org_ws, "audited", protected_services=("config",))


def test_two_spaces_on_blueprints_with_other_services_get_other_guardrails(two, fresh_cloud):
    ws, shop, blog = two
    orgs = _orgs(fresh_cloud)
    own_shop = account_policy_name("acme", REGIONS, ["cloudtrail", "guardduty"])
    own_blog = account_policy_name("acme", REGIONS, ["config"])
    assert own_shop in policies_of(orgs, shop) and own_blog not in policies_of(orgs, shop)
    assert own_blog in policies_of(orgs, blog) and own_shop not in policies_of(orgs, blog)
    assert _protected(orgs, shop) == {"cloudtrail", "guardduty"}
    assert _protected(orgs, blog) == {"config"}
    # the OUs' SCPs carry no blueprint's services: an account of the OU without its own SCP has none protected
    ou = find_ou(orgs, root_id(orgs), "platform-workloads")
    ou_docs = _docs(orgs, ou)
    sids = {st.get("Sid") for d in ou_docs for st in d["Statement"]}  # FullAWSAccess has none
    assert not sids & {"ProtectCloudTrail", "ProtectGuardDuty", "ProtectAWSConfig"}
    assert {"DenyLeavingOrganization", "ProtectPlatformRole", "DenyIamUsersAndAccessKeys"} <= sids
    for action in CHANGES.values():
        assert decide(Request(action, "*", {"aws:RequestedRegion": "eu-central-1",
                                            "aws:PrincipalARN": "arn:aws:iam::1:role/app"}), [ADMIN, *ou_docs]) == ALLOW


def test_an_upgrade_to_a_version_with_other_services_moves_the_account_to_its_new_guardrails(run_cli, two, fresh_cloud):
    ws, shop, blog = two
    orgs = _orgs(fresh_cloud)
    _version_two(ws, "audited", ["cloudtrail", "config"])
    ws = WorkspaceContext.open(ws.root)
    result = upgrade_fleet(ws, UpgradeRequest(to="audited@2", cohort=1, impact=False))
    assert [c.team for c in result.upgraded] == ["blog"]
    assert result.next_commands == ["platform space apply blog --env dev"]
    # the upgrade rewrote the space file only: the account keeps its fence until the space is applied
    assert _protected(orgs, blog) == {"config"}
    again = ensure_account(WorkspaceContext.open(ws.root), "blog", "dev")  # the first step of `space apply`
    assert again.status == "recorded" and again.account_id == blog
    new, old = account_policy_name("acme", REGIONS, ["cloudtrail", "config"]), account_policy_name("acme", REGIONS, ["config"])
    assert new in policies_of(orgs, blog) and old not in policies_of(orgs, blog)
    assert _protected(orgs, blog) == {"cloudtrail", "config"}
    assert _protected(orgs, shop) == {"cloudtrail", "guardduty"}  # the other space's account is untouched
    # bootstrap agrees, changes nothing more, and deletes the SCP that no blueprint's account uses any more
    report = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    assert (old, "deleted") not in {(i["name"], i["status"]) for i in report["items"]}  # audited@1 still exists
    (ws.root / "blueprints" / "audited" / "1.yaml").unlink()
    report = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    assert (old, "deleted") in {(i["name"], i["status"]) for i in report["items"] if i["kind"] == "scp"}
    assert _bootstrap(run_cli, WorkspaceContext.open(ws.root))["changed"] is False


def _foreign(orgs, n, target, *, name=None):
    """N SCPs of another author attached to TARGET (the organization's own guardrails, say)."""
    ids = []
    for i in range(n):
        number = next(_NUMBERS)
        doc = {"Version": "2012-10-17", "Statement": [{"Sid": f"Other{number}", "Effect": "Deny",
                                                       "Action": f"lightsail:Op{number}", "Resource": "*"}]}
        pid = orgs.create_policy(Name=name or f"security-team-{number}", Description="not the platform's", Type=SCP_TYPE,
                                 Content=json.dumps(doc))["Policy"]["PolicySummary"]["Id"]
        orgs.attach_policy(PolicyId=pid, TargetId=target)
        ids.append(pid)
    return ids


_NUMBERS = itertools.count()


def _attached(orgs, target):
    return orgs.list_policies_for_target(TargetId=target, Filter=SCP_TYPE)["Policies"]


def test_an_account_takes_its_scp_as_the_fifth_and_is_refused_a_sixth(two, fresh_cloud):
    ws, shop, _blog = two
    orgs = _orgs(fresh_cloud)
    own = account_policy_name("acme", REGIONS, ["cloudtrail", "guardduty"])
    own_id = next(p["Id"] for p in _attached(orgs, shop) if p["Name"] == own)
    assert [p["Name"] for p in _attached(orgs, shop)].count("FullAWSAccess") == 1
    _foreign(orgs, SCP_MAX_PER_TARGET - 2, shop)  # FullAWSAccess, the platform's, three others: five
    orgs.detach_policy(PolicyId=own_id, TargetId=shop)  # its own SCP gone (out of band): four
    assert len(_attached(orgs, shop)) == SCP_MAX_PER_TARGET - 1
    assert ensure_account(WorkspaceContext.open(ws.root), "shop", "dev").status == "recorded"
    assert len(_attached(orgs, shop)) == SCP_MAX_PER_TARGET and own in policies_of(orgs, shop)
    # at the limit without its own SCP: refused, naming what the account carries; nothing is detached to make room
    orgs.detach_policy(PolicyId=own_id, TargetId=shop)
    _foreign(orgs, 1, shop, name="security-team-extra")
    before = sorted(p["Name"] for p in _attached(orgs, shop))
    assert len(before) == SCP_MAX_PER_TARGET and own not in before
    with pytest.raises(CloudError) as err:
        ensure_account(WorkspaceContext.open(ws.root), "shop", "dev")
    assert err.value.exit_code == 7
    assert f"carries {SCP_MAX_PER_TARGET} service control policies" in err.value.message
    assert "security-team-extra" in err.value.message and f"SCP {own} was not attached" in err.value.message
    assert "detach one of the SCPs that are not the platform's" in err.value.hint
    assert sorted(p["Name"] for p in _attached(orgs, shop)) == before


def test_at_the_limit_an_upgrade_swaps_the_stale_scp_for_the_new_one(two, fresh_cloud):
    ws, _shop, blog = two
    orgs = _orgs(fresh_cloud)
    _foreign(orgs, SCP_MAX_PER_TARGET - 2, blog)
    assert len(_attached(orgs, blog)) == SCP_MAX_PER_TARGET
    with RoundTrip(ws.root / "spaces" / "blog.yaml") as doc:
        doc["blueprint"] = "isolated@1"
    assert ensure_account(WorkspaceContext.open(ws.root), "blog", "dev").status == "recorded"
    names = [p["Name"] for p in _attached(orgs, blog)]
    assert len(names) == SCP_MAX_PER_TARGET
    assert account_policy_name("acme", REGIONS, ["cloudtrail", "guardduty"]) in names
    assert account_policy_name("acme", REGIONS, ["config"]) not in names
    assert sum(n.startswith("security-team-") for n in names) == SCP_MAX_PER_TARGET - 2  # others' SCPs kept
    assert _protected(orgs, blog) == {"cloudtrail", "guardduty"}


def test_bootstrap_attaches_an_ous_scp_as_its_fifth_and_refuses_a_sixth(run_cli, org_ws, fresh_cloud):
    orgs = _orgs(fresh_cloud)
    orgs.create_organization(FeatureSet="ALL")
    root = root_id(orgs)
    orgs.enable_policy_type(RootId=root, PolicyType=SCP_TYPE)
    ou = orgs.create_organizational_unit(ParentId=root, Name="platform-workloads")["OrganizationalUnit"]["Id"]
    _foreign(orgs, SCP_MAX_PER_TARGET - 3, ou)  # FullAWSAccess and two others: the first platform SCP is the fourth,
    report = _bootstrap(run_cli, org_ws)  # the second the fifth
    assert len(_attached(orgs, ou)) == SCP_MAX_PER_TARGET
    assert {"acme--platform--regions", "acme--platform--baseline"} <= set(policies_of(orgs, ou))
    assert report["changed"] is True
    baseline = next(p["Id"] for p in _attached(orgs, ou) if p["Name"] == "acme--platform--baseline")
    orgs.detach_policy(PolicyId=baseline, TargetId=ou)
    _foreign(orgs, 1, ou)
    r = run_cli("-w", str(org_ws.root), "bootstrap")
    assert r.exit_code == 7, r.stderr
    assert f"OU platform-workloads carries {SCP_MAX_PER_TARGET} service control policies" in r.stderr
    assert "SCP acme--platform--baseline was not attached" in r.stderr
    assert "acme--platform--baseline" not in policies_of(orgs, ou)


def test_an_earlier_region_only_account_scp_is_detached_then_deleted(run_cli, two, fresh_cloud):
    ws, shop, _blog = two
    orgs = _orgs(fresh_cloud)
    _foreign(orgs, 1, shop, name="acme--platform--regions--0123abcd")  # the name the earlier region-only SCPs had
    _foreign(orgs, 1, shop, name="globex--platform--regions--0123abcd")  # another workspace's: not this one's to touch
    ensure_account(WorkspaceContext.open(ws.root), "shop", "dev")
    names = policies_of(orgs, shop)
    assert "acme--platform--regions--0123abcd" not in names and "globex--platform--regions--0123abcd" in names
    report = _bootstrap(run_cli, WorkspaceContext.open(ws.root))
    assert ("acme--platform--regions--0123abcd", "deleted") in {(i["name"], i["status"]) for i in report["items"]}
    left = {p["Name"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"]}
    assert "acme--platform--regions--0123abcd" not in left and "globex--platform--regions--0123abcd" in left
