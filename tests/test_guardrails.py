"""The SCPs of vended accounts: what each guardrail denies, at its boundary, linted and within the size limit."""

from __future__ import annotations

import json

import pytest

from platform_cli.errors import PolicyError, UsageError
from platform_cli.model.blueprint import Blueprint
from platform_cli.model.workspace import Workspace
from platform_cli.planning.guardrails import (GLOBAL_SERVICE_ACTIONS, SCP_MAX_CHARS, account_policies, account_policy,
                                              account_policy_name, blueprint_regions, environment_guardrails, fence_regions,
                                              service_control_policies)

from tests.iameval import ALLOW, EXPLICIT_DENY, Request, decide
from tests.stacks.test_iam_lint import parliament_findings

ORG = {"management_account_id": "111111111111", "account_email": "aws+{org}-{team}-{env}@example.com",
       "platform_role": "PlatformDeploy"}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ACCOUNT = "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/PlatformDeploy"
CI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop--dev--euc1--ci-deploy"


def ws(**extra):
    return Workspace(org="acme", organization=ORG, **extra)


def bp(name="iso", isolation="account", regions=(), services=()):
    return Blueprint(name=name, version=1, isolation=isolation,
                     guardrails={"allowed_regions": list(regions), "protected_services": list(services)})


def scps(workspace=None, blueprints=None):
    return service_control_policies(workspace or ws(), blueprints if blueprints is not None else
                                    [bp(regions=["eu-central-1", "eu-west-1"], services=["cloudtrail"])])


def verdict(action, resource="*", *, region="eu-central-1", principal=CI_ROLE, policies=None):
    docs = [p.document for p in (policies or scps())]
    return decide(Request(action, resource, {"aws:RequestedRegion": region, "aws:PrincipalARN": principal}), [ADMIN, *docs])


def test_regions_outside_the_blueprints_are_denied_global_services_are_not():
    assert verdict("ec2:RunInstances", region="eu-central-1") == ALLOW
    assert verdict("ec2:RunInstances", region="eu-west-1") == ALLOW
    assert verdict("ec2:RunInstances", region="us-east-1") == EXPLICIT_DENY
    assert verdict("s3:PutObject", region="eu-west-2") == EXPLICIT_DENY
    # global services answer in us-east-1: AWS's documented exemptions stay usable
    assert verdict("iam:CreateRole", "arn:aws:iam::222222222222:role/x", region="us-east-1") == ALLOW
    assert verdict("sts:AssumeRole", region="us-east-1") == ALLOW
    assert verdict("ec2:DescribeRegions", region="us-east-1") == ALLOW
    assert verdict("ec2:DescribeInstances", region="us-east-1") == EXPLICIT_DENY  # only DescribeRegions of ec2
    assert "cloudfront:*" in GLOBAL_SERVICE_ACTIONS and "route53:*" in GLOBAL_SERVICE_ACTIONS


def test_the_fence_is_the_union_of_account_blueprints_narrowed_to_the_workspace():
    w = ws(allowed_regions=["eu-central-1", "eu-west-1", "us-east-1"])
    assert fence_regions(w, [bp(regions=["eu-west-1"]), bp("bb", regions=["us-east-1", "ap-south-1"])]) == ["eu-west-1", "us-east-1"]
    assert fence_regions(w, [bp(regions=["eu-west-1"]), bp("open")]) == ["eu-central-1", "eu-west-1", "us-east-1"]
    # shared blueprints do not widen the fence; without any account blueprint it is the workspace's list
    assert fence_regions(w, [bp(regions=["eu-west-1"]), bp("ss", isolation="shared", regions=["us-east-1"])]) == ["eu-west-1"]
    assert fence_regions(w, [bp("ss", isolation="shared")]) == ["eu-central-1", "eu-west-1", "us-east-1"]


def test_leaving_the_organization_and_iam_users_and_keys_are_denied_to_everyone():
    for principal in (CI_ROLE, ROLE):
        assert verdict("organizations:LeaveOrganization", principal=principal) == EXPLICIT_DENY
        for action in ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"):
            assert verdict(action, f"arn:aws:iam::{ACCOUNT}:user/u", region="us-east-1", principal=principal) == EXPLICIT_DENY
    assert verdict("organizations:DescribeOrganization") == ALLOW
    assert verdict("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/app", region="us-east-1") == ALLOW


def test_only_the_platform_role_changes_itself():
    for action in ("iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy"):
        assert verdict(action, ROLE, region="us-east-1", principal=CI_ROLE) == EXPLICIT_DENY
        assert verdict(action, ROLE, region="us-east-1", principal=ROLE) == ALLOW
        # another role of the account is not protected by this guardrail
        assert verdict(action, CI_ROLE, region="us-east-1", principal=CI_ROLE) == ALLOW
    assert verdict("iam:GetRole", ROLE, region="us-east-1", principal=CI_ROLE) == ALLOW


def test_security_services_are_protected_only_in_the_accounts_of_a_blueprint_that_enables_them():
    trail = f"arn:aws:cloudtrail:eu-central-1:{ACCOUNT}:trail/org"
    trails, both = bp(regions=["eu-central-1"], services=["cloudtrail"]), bp("bb", services=["guardduty", "config"])
    ou = scps(blueprints=[trails, both])
    in_trails, in_both = [*ou, account_policy(ws(), trails)], [*ou, account_policy(ws(), both)]
    assert verdict("cloudtrail:StopLogging", trail, policies=in_trails) == EXPLICIT_DENY
    assert verdict("cloudtrail:StopLogging", trail, principal=ROLE, policies=in_trails) == ALLOW
    assert verdict("cloudtrail:LookupEvents", trail, policies=in_trails) == ALLOW
    # another blueprint's services do not fence this account, nor this one's the other's
    assert verdict("guardduty:DeleteDetector", policies=in_trails) == ALLOW
    assert verdict("config:StopConfigurationRecorder", policies=in_trails) == ALLOW
    assert verdict("guardduty:DeleteDetector", policies=in_both) == EXPLICIT_DENY
    assert verdict("config:StopConfigurationRecorder", policies=in_both) == EXPLICIT_DENY
    assert verdict("config:StopConfigurationRecorder", principal=ROLE, policies=in_both) == ALLOW
    assert verdict("cloudtrail:StopLogging", trail, policies=in_both) == ALLOW
    # the OUs carry nothing a single blueprint chooses: without its own SCP no service is protected by the platform
    for action in ("cloudtrail:StopLogging", "guardduty:DeleteDetector", "config:StopConfigurationRecorder"):
        assert verdict(action, trail, policies=ou) == ALLOW
    assert not [st for p in ou for st in p.document["Statement"] if st["Sid"].startswith("Protect") and
                st["Sid"] != "ProtectPlatformRole"]
    assert [g.id for p in ou for g in p.guardrails] == ["deny-regions-ou", "deny-leave-organization",
                                                         "protect-platform-role", "deny-iam-users"]
    assert [g.id for g in account_policy(ws(), both).guardrails] == ["deny-regions", "protect-guardduty", "protect-config"]
    assert [g.id for g in account_policy(ws(), bp("none")).guardrails] == ["deny-regions"]


def test_scps_pass_parliament_and_the_lint_still_finds_a_typo():
    every = bp(regions=["eu-central-1"], services=["cloudtrail", "guardduty", "config"])
    policies = scps(blueprints=[every])
    for p in [*policies, account_policy(ws(), every)]:
        assert parliament_findings(p.text, "identity") == [], p.name
    broken = json.loads(policies[1].text)
    broken["Statement"][0]["Action"] = "organizations:LeaveOrganisation"
    assert any(f.startswith("UNKNOWN_ACTION") for f in parliament_findings(json.dumps(broken), "identity"))


def _padded(base, length, total):
    """BASE and one more region whose name makes a policy of LENGTH characters (with BASE) exactly TOTAL."""
    name_len = total - length - 3  # quotes and comma
    return base + ["zz-" + "q" * (name_len - 5) + "-1"]


FAKE_REGIONS = [f"{a}{b}-fake-{i}" for a in "abcdefgh" for b in "abcdefgh" for i in range(1, 5)]


def test_scps_stay_under_the_size_limit_and_a_larger_one_is_refused():
    every = ws()  # the workspace's full default region list, every protected service
    full = bp(services=["cloudtrail", "guardduty", "config"])
    for p in [*service_control_policies(every, [full]), account_policy(every, full)]:
        assert len(p.text) <= SCP_MAX_CHARS, (p.name, len(p.text))
    length = len(service_control_policies(ws(allowed_regions=FAKE_REGIONS), [bp()])[0].text)
    at_limit = _padded(FAKE_REGIONS, length, SCP_MAX_CHARS)
    assert len(service_control_policies(ws(allowed_regions=at_limit), [bp()])[0].text) == SCP_MAX_CHARS
    with pytest.raises(PolicyError, match=r"regions would be 5121 characters; Organizations allows at most 5120"):
        service_control_policies(ws(allowed_regions=_padded(FAKE_REGIONS, length, SCP_MAX_CHARS + 1)), [bp()])


def test_an_account_scp_with_every_protected_service_is_held_to_the_size_limit_at_its_boundary():
    full = bp(services=["cloudtrail", "guardduty", "config"])
    base = FAKE_REGIONS[:150]  # the three services' statements take the room of the rest
    length = len(account_policy(ws(allowed_regions=base), full).text)
    at_limit = account_policy(ws(allowed_regions=_padded(base, length, SCP_MAX_CHARS)), full)
    assert len(at_limit.text) == SCP_MAX_CHARS
    assert [g.id for g in at_limit.guardrails] == ["deny-regions", "protect-cloudtrail", "protect-guardduty", "protect-config"]
    over = ws(allowed_regions=_padded(base, length, SCP_MAX_CHARS + 1))
    with pytest.raises(PolicyError, match=r"acme--platform--account--[0-9a-f]{8} would be 5121 characters"):
        account_policy(over, full)
    # the same regions without the services fit: the services' statements are what crossed the limit
    assert len(account_policy(over, bp()).text) < SCP_MAX_CHARS


def test_a_workspace_without_organization_has_no_scps_and_shared_envs_no_guardrails():
    with pytest.raises(UsageError, match="platform.yaml has no organization"):
        service_control_policies(Workspace(org="acme"), [bp()])
    shared = environment_guardrails(ws(), [bp()], bp("ss", isolation="shared"), protected=True)
    assert shared == {"isolation": "shared", "ou": None, "guardrails": []}
    prod = environment_guardrails(ws(), [bp(services=["config"])], bp(services=["config"]), protected=True)
    assert prod["ou"] == "platform-protected"
    assert environment_guardrails(ws(), [bp()], bp(), protected=False)["ou"] == "platform-workloads"
    assert [g["id"] for g in prod["guardrails"]] == ["deny-regions", "protect-config", "deny-regions-ou",
                                                     "deny-leave-organization", "protect-platform-role", "deny-iam-users"]
    own = account_policy_name("acme", list(Workspace(org="acme").allowed_regions), ["config"])
    assert [g["policy"] for g in prod["guardrails"][:2]] == [own, own]
    assert [g["attached_to"] for g in prod["guardrails"]] == ["account"] * 2 + ["OU platform-protected"] * 4
    assert prod["guardrails"][2]["policy"] == "acme--platform--regions"


def test_each_account_is_fenced_to_its_own_blueprints_regions_not_the_union():
    w = ws(allowed_regions=["eu-central-1", "eu-west-1", "us-east-1"])
    narrow, wide = bp("narrow", regions=["eu-central-1"]), bp("wide", regions=["eu-west-1", "us-east-1", "ap-south-1"])
    ou = service_control_policies(w, [narrow, wide])
    assert ou[0].document["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == [
        "eu-central-1", "eu-west-1", "us-east-1"]  # the OU holds the union: the widest any account of it may have
    in_narrow, in_wide = [*ou, account_policy(w, narrow)], [*ou, account_policy(w, wide)]
    for region, narrow_ok, wide_ok in (("eu-central-1", True, False), ("eu-west-1", False, True),
                                       ("us-east-1", False, True), ("ap-south-1", False, False), ("us-west-2", False, False)):
        assert verdict("ec2:RunInstances", region=region, policies=in_narrow) == (ALLOW if narrow_ok else EXPLICIT_DENY), region
        assert verdict("ec2:RunInstances", region=region, policies=in_wide) == (ALLOW if wide_ok else EXPLICIT_DENY), region
    # without its own SCP an account of the OU may use the union, never more
    assert verdict("ec2:RunInstances", region="eu-west-1", policies=ou) == ALLOW
    assert verdict("ec2:RunInstances", region="ap-south-1", policies=ou) == EXPLICIT_DENY
    # global services stay usable from every account
    assert verdict("iam:CreateRole", "arn:aws:iam::222222222222:role/x", region="us-east-1", policies=in_narrow) == ALLOW


def test_account_scps_are_one_per_distinct_region_and_service_set_linted_and_named_stably():
    w = ws(allowed_regions=["eu-central-1", "eu-west-1", "us-east-1"])
    a, b, c = bp("aa", regions=["eu-west-1", "eu-central-1"]), bp("bb", regions=["eu-central-1", "eu-west-1"]), bp("cc")
    d = bp("dd", regions=["eu-central-1", "eu-west-1"], services=["config", "cloudtrail"])
    e = bp("ee", regions=["eu-west-1", "eu-central-1"], services=["cloudtrail", "config"])
    shared = bp("ss", isolation="shared", regions=["us-east-1"])
    assert blueprint_regions(w, a) == ["eu-central-1", "eu-west-1"] and blueprint_regions(w, c) == list(w.allowed_regions)
    policies = account_policies(w, [a, b, c, d, e, shared])
    # a and b allow the same regions and protect nothing; d and e the same regions and services; c the workspace's
    # regions; shared blueprints have none
    assert len(policies) == 3
    assert account_policy(w, a).name == account_policy(w, b).name == account_policy_name("acme", ["eu-west-1", "eu-central-1"])
    assert account_policy(w, d).name == account_policy(w, e).name == account_policy_name(
        "acme", ["eu-west-1", "eu-central-1"], ["cloudtrail", "config"])
    assert account_policy(w, a).name != account_policy(w, d).name  # same regions, other services: another SCP
    assert account_policy(w, a).name.startswith("acme--platform--account--") and len(account_policy(w, a).name) == 33
    assert account_policy(w, a).name != account_policy(w, c).name
    assert account_policy_name("acme", ["eu-central-1"]) != account_policy_name("globex", ["eu-central-1"])
    for p in policies:
        assert parliament_findings(p.text, "identity") == [], p.name
        assert len(p.text) <= SCP_MAX_CHARS and len(p.description) <= 512
    assert [g.to_data()["attached_to"] for g in account_policy(w, a).guardrails] == ["account"]
    assert [g.to_data()["attached_to"] for g in account_policy(w, d).guardrails] == ["account"] * 3
