"""Guardrails of vended accounts as service control policies (pure: no AWS call).

A blueprint with ``isolation: account`` gives every environment of a space an AWS account of
its own, placed in one of the organization's two OUs (protected or unprotected environments).
The fences are SCPs, on the OUs (so an account is fenced from the moment it is moved into its
OU) and on the account itself (everything that follows its own blueprint):

- on the account, one SCP per distinct (regions, protected services) of the account-isolated
  blueprints (``ORG--platform--account--HASH``), attached by vending and kept current by vending
  and bootstrap when the space's blueprint changes:
  - ``deny-regions``: every action outside the blueprint's allowed regions is denied, except the
    actions of global services whose endpoint lives in one region (the exemption list of AWS's
    example SCP "Deny access to AWS based on the requested AWS Region",
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html);
  - ``protect-cloudtrail`` / ``protect-guardduty`` / ``protect-config``: where the blueprint lists
    the service in ``guardrails.protected_services``, nobody but the platform role stops, deletes
    or reconfigures it;
- ``deny-regions-ou`` (on both OUs): the region fence with the union of every account-isolated
  blueprint's regions, the widest any account of the OU may have; it holds while an account sits
  in its OU without its own fence yet;
- ``deny-leave-organization`` (OUs): an account cannot leave the organization;
- ``protect-platform-role`` (OUs): nobody but the platform role itself changes, deletes or
  re-trusts the role the platform assumes (``organization.platform_role``);
- ``deny-iam-users`` (OUs): no IAM user, login profile or access key is created (people sign in
  through the team roles, CI through OIDC): no long-lived key exists in a vended account.

The OUs' SCPs hold nothing a blueprint chooses, so one blueprint's protected services never fence
another blueprint's accounts. SCPs combine as an intersection (a deny in any of them wins), so an
account may use exactly its own blueprint's regions (each narrowed to the workspace's list). Each
SCP stays under Organizations' size limit of 5,120 characters (checked on render), and an account
carries one SCP of the platform's (with AWS's ``FullAWSAccess``, two of the five a target may hold).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from . import names

SCP_MAX_CHARS = 5120
"""Organizations' limit on a service control policy document (every character counts)."""

SCP_MAX_PER_TARGET = 5
"""Organizations' limit on the SCPs attached directly to one root, OU or account (AWS's FullAWSAccess counts)."""

GLOBAL_SERVICE_ACTIONS = (
    "a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*", "budgets:*", "ce:*",
    "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*", "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*", "globalaccelerator:*", "health:*", "iam:*",
    "importexport:*", "kms:*", "mobileanalytics:*", "networkmanager:*", "organizations:*", "pricing:*", "route53:*",
    "route53domains:*", "route53-recovery-cluster:*", "route53-recovery-control-config:*",
    "route53-recovery-readiness:*", "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*", "shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*",
    "wafv2:*", "wellarchitected:*",
)
"""Actions the region fence lets through: AWS's documented exemptions for global services."""

PLATFORM_ROLE_ACTIONS = (
    "iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
)

SECURITY_SERVICE_ACTIONS = {
    "cloudtrail": ("cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
                   "cloudtrail:StopLogging", "cloudtrail:UpdateTrail"),
    "guardduty": ("guardduty:DeleteDetector", "guardduty:DeleteMembers", "guardduty:DisassociateFromAdministratorAccount",
                  "guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateMembers",
                  "guardduty:StopMonitoringMembers", "guardduty:UpdateDetector"),
    "config": ("config:DeleteConfigRule", "config:DeleteConfigurationAggregator", "config:DeleteConfigurationRecorder",
               "config:DeleteDeliveryChannel", "config:DeleteEvaluationResults", "config:DeleteRetentionConfiguration",
               "config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StopConfigurationRecorder"),
}
SECURITY_SERVICE_TITLES = {"cloudtrail": "CloudTrail", "guardduty": "GuardDuty", "config": "AWS Config"}

IAM_USER_ACTIONS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateUser")


@dataclass(frozen=True)
class Guardrail:
    """One fence: its id, what it denies, and the SCP that carries it."""

    id: str
    denies: str
    policy: str
    target: str = "ou"  # ou (both OUs of the organization) | account (the environment's own account)

    def to_data(self) -> dict[str, str]:
        return {"id": self.id, "denies": self.denies, "policy": self.policy, "attached_to": self.target}


@dataclass
class ServiceControlPolicy:
    name: str
    description: str
    document: dict[str, Any]
    guardrails: list[Guardrail] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The document as Organizations stores it here: compact JSON (whitespace counts against the limit)."""
        return json.dumps(self.document, separators=(",", ":"), sort_keys=False)


def fence_regions(ws_config, blueprints: list) -> list[str]:
    """The regions an OU's accounts may use: the union of the account-isolated blueprints' allowed regions
    (a blueprint without a list allows the workspace's), each narrowed to the workspace's list, in the
    workspace's order. Without such a blueprint, the workspace's list."""
    allowed = list(ws_config.allowed_regions)
    isolated = [bp for bp in blueprints if bp.isolation == "account"]
    if not isolated:
        return allowed
    wanted = {r for bp in isolated for r in (bp.guardrails.allowed_regions or allowed)}
    return [r for r in allowed if r in wanted]


def blueprint_regions(ws_config, blueprint) -> list[str]:
    """The regions an account of BLUEPRINT may use: its allowed regions within the workspace's (in the workspace's
    order), or the workspace's when it lists none."""
    allowed = list(ws_config.allowed_regions)
    wanted = set(blueprint.guardrails.allowed_regions or allowed)
    return [r for r in allowed if r in wanted]


def protected_services(blueprints: list) -> list[str]:
    """Security services any of BLUEPRINTS (account-isolated ones) asks to protect, in a fixed order."""
    wanted = {s for bp in blueprints if bp.isolation == "account" for s in bp.guardrails.protected_services}
    return [s for s in SECURITY_SERVICE_ACTIONS if s in wanted]


def policy_names(org: str) -> tuple[str, str]:
    """Names of the two SCPs of the OUs (regions, baseline) of a workspace; unique per workspace org."""
    return names.resource_name(org, "platform", "regions", max_len=128), names.resource_name(org, "platform", "baseline", max_len=128)


def account_policy_prefix(org: str) -> str:
    """What the name of every account's own SCP of the workspace starts with (and no other SCP's)."""
    return names.resource_name(org, "platform", "account", max_len=128) + names.SEP


def account_policy_prefixes(org: str) -> tuple[str, ...]:
    """Every prefix of the workspace's account SCPs: today's, and ``ORG--platform--regions--`` of the earlier
    region-only account SCPs (detached and deleted like any stale one)."""
    return account_policy_prefix(org), names.resource_name(org, "platform", "regions", max_len=128) + names.SEP


def account_policy_name(org: str, regions: list[str], services: list[str] = ()) -> str:
    """The account SCP of one set of allowed regions and protected services: ``ORG--platform--account--HASH``
    (HASH of both sorted sets)."""
    key = ",".join(sorted(regions)) + "|" + ",".join(sorted(services))
    digest = hashlib.sha256(key.encode()).hexdigest()[:names.HASH_LEN]
    return account_policy_prefix(org) + digest


def _checked(policies: list[ServiceControlPolicy]) -> list[ServiceControlPolicy]:
    from ..errors import PolicyError

    for p in policies:
        if len(p.text) > SCP_MAX_CHARS:
            raise PolicyError(f"service control policy {p.name} would be {len(p.text)} characters; Organizations allows "
                              f"at most {SCP_MAX_CHARS}",
                              hint="allow fewer regions in the account-isolated blueprints or platform.yaml's allowed_regions")
    return policies


def _region_statement(regions: list[str]) -> dict[str, Any]:
    return {"Sid": "DenyOutsideAllowedRegions", "Effect": "Deny", "NotAction": list(GLOBAL_SERVICE_ACTIONS),
            "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(regions)}}}


def _region_rail(regions: list[str], rail: str, policy: str, target: str) -> Guardrail:
    return Guardrail(rail, f"every region but {', '.join(regions)} (global services excepted)", policy, target)


def _not_platform(ws_config) -> tuple[str, dict[str, Any]]:
    """The platform role's ARN pattern (any account) and the condition that exempts it."""
    org = _organization(ws_config)
    partition = names.partition_of_region(ws_config.cloud.default_region)
    role_arn = f"arn:{partition}:iam::*:role/{org.platform_role}"
    return role_arn, {"ArnNotLike": {"aws:PrincipalARN": role_arn}}


def account_policy(ws_config, blueprint) -> ServiceControlPolicy:
    """The SCP attached to an account of BLUEPRINT itself: every region outside its blueprint's is denied, and so
    is every change to the security services the blueprint protects (except by the platform role)."""
    _role_arn, not_platform = _not_platform(ws_config)
    regions = blueprint_regions(ws_config, blueprint)
    services = protected_services([blueprint]) if blueprint.isolation == "account" else []
    name = account_policy_name(ws_config.org, regions, services)
    statements = [_region_statement(regions)]
    rails = [_region_rail(regions, "deny-regions", name, "account")]
    for service in services:
        title = SECURITY_SERVICE_TITLES[service]
        statements.append({"Sid": f"Protect{title.replace(' ', '')}", "Effect": "Deny",
                           "Action": list(SECURITY_SERVICE_ACTIONS[service]), "Resource": "*", "Condition": not_platform})
        rails.append(Guardrail(f"protect-{service}", f"stopping, deleting or reconfiguring {title} (except the platform role)",
                               name, "account"))
    titles = ", ".join(SECURITY_SERVICE_TITLES[s] for s in services)
    description = f"platform: deny every region but {', '.join(regions)}" + (f"; protect {titles}" if titles else "")
    return _checked([ServiceControlPolicy(name, description[:512], {"Version": "2012-10-17", "Statement": statements},
                                          rails)])[0]


def account_policies(ws_config, blueprints: list) -> list[ServiceControlPolicy]:
    """One account SCP per distinct (regions, protected services) of the account-isolated BLUEPRINTS, by name."""
    out: dict[str, ServiceControlPolicy] = {}
    for bp in blueprints:
        if bp.isolation == "account":
            p = account_policy(ws_config, bp)
            out.setdefault(p.name, p)
    return [out[k] for k in sorted(out)]


def _organization(ws_config):
    from ..errors import UsageError

    org = ws_config.organization
    if org is None:
        raise UsageError("platform.yaml has no organization; expected organization: {management_account_id, account_email, ...} "
                         "for blueprints with isolation: account")
    return org


def service_control_policies(ws_config, blueprints: list) -> list[ServiceControlPolicy]:
    """The SCPs both OUs carry (the regions of every account-isolated blueprint, the baseline), rendered from the
    workspace and its blueprints. Nothing a single blueprint chooses is in them but the regions' union.

    Raises :class:`~platform_cli.errors.PolicyError` when a document would exceed the size limit,
    :class:`~platform_cli.errors.UsageError` when the workspace has no organization."""
    org = _organization(ws_config)
    role_arn, not_platform = _not_platform(ws_config)
    regions = fence_regions(ws_config, blueprints)
    regions_name, baseline_name = policy_names(ws_config.org)
    region_scp = ServiceControlPolicy(
        regions_name, "platform: deny every region outside the blueprints' allowed regions (global services excepted)",
        {"Version": "2012-10-17", "Statement": [_region_statement(regions)]},
        [_region_rail(regions, "deny-regions-ou", regions_name, "ou")])
    statements: list[dict[str, Any]] = [
        {"Sid": "DenyLeavingOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
        {"Sid": "ProtectPlatformRole", "Effect": "Deny", "Action": list(PLATFORM_ROLE_ACTIONS), "Resource": role_arn,
         "Condition": not_platform},
        {"Sid": "DenyIamUsersAndAccessKeys", "Effect": "Deny", "Action": list(IAM_USER_ACTIONS), "Resource": "*"},
    ]
    rails = [Guardrail("deny-leave-organization", "leaving the organization", baseline_name),
             Guardrail("protect-platform-role", f"changing the platform role {org.platform_role} (except by itself)", baseline_name),
             Guardrail("deny-iam-users", "creating IAM users, login profiles and access keys", baseline_name)]
    baseline_scp = ServiceControlPolicy(
        baseline_name, "platform: keep vended accounts in the organization, protect the platform role, no IAM users",
        {"Version": "2012-10-17", "Statement": statements}, rails)
    return _checked([region_scp, baseline_scp])


def environment_guardrails(ws_config, blueprints: list, blueprint, *, protected: bool) -> dict[str, Any]:
    """What fences one environment of a space: its isolation, the OU its account sits in, the guardrails of the
    account's own SCP (its blueprint's regions and protected services) and those of the OU's SCPs (empty for shared
    isolation: the shared account has no SCP of the platform's)."""
    if blueprint.isolation != "account" or ws_config.organization is None:
        return {"isolation": blueprint.isolation, "ou": None, "guardrails": []}
    ou = ws_config.organization.ou_for(protected)
    rails = [*account_policy(ws_config, blueprint).guardrails,
             *(g for p in service_control_policies(ws_config, blueprints) for g in p.guardrails)]
    data = [g.to_data() for g in rails]
    for g in data:
        g["attached_to"] = "account" if g["attached_to"] == "account" else f"OU {ou}"
    return {"isolation": "account", "ou": ou, "guardrails": data}
