"""AWS Organizations: the OUs and SCPs of vended accounts, placing, assuming the platform role, closing.

Every step is idempotent and resumable, as an account factory's steps are:

- :func:`ensure_ou` finds an OU by name under a parent or creates it;
- :func:`ensure_policy` finds an SCP by name, repairs its content when it drifted, or creates it;
  :func:`ensure_attached` attaches it to a target once;
- :func:`place_account` moves an account into its OU (vending itself is :mod:`.org_vending`);
- :func:`assumed` gives a client provider with the platform role's credentials in an account;
- :func:`close_account` closes an account (AWS keeps it suspended for 90 days).

Organizations is a global service: its endpoint is in us-east-1 (aws-cn: cn-northwest-1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import CloudError
from .clients import ClientProvider, translate

SCP_TYPE = "SERVICE_CONTROL_POLICY"


def org_region(partition: str = "aws") -> str:
    return {"aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}.get(partition, "us-east-1")


def _call(action: str, fn, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action) from exc


def _code(exc: BaseException | None) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "") if exc is not None else ""


def _pages(client, operation: str, key: str, action: str, **kwargs) -> list[dict]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action) from exc


@dataclass
class OrgItem:
    kind: str  # organization | organizational-unit | scp | scp-attachment | account
    name: str
    status: str  # created | found | updated | attached
    details: list[str] = field(default_factory=list)
    id: str = ""


# ---------------------------------------------------------------------------- organization, root, OUs
def organization(orgs, *, create: bool = False) -> tuple[dict, bool]:
    """The organization the credentials' account belongs to, and whether it was created now.
    ``create`` (the local cloud only) creates one with all features when there is none."""
    from botocore.exceptions import ClientError

    try:
        return orgs.describe_organization()["Organization"], False
    except ClientError as exc:
        if _code(exc) != "AWSOrganizationsNotInUseException":
            raise translate(exc, "reading the organization (organizations describe-organization)") from exc
        if not create:
            raise CloudError("the account is not in an AWS organization; nothing was created",
                             hint="create the organization in the management account (AWS console > Organizations, "
                                  "all features), then run `platform bootstrap` again") from None
    created = _call("creating the organization", orgs.create_organization, FeatureSet="ALL")
    return created["Organization"], True


def root_id(orgs) -> str:
    roots = _pages(orgs, "list_roots", "Roots", "listing the organization's roots")
    if not roots:
        raise CloudError("the organization has no root; expected one (organizations list-roots)")
    return roots[0]["Id"]


def ensure_scp_type(orgs, root: str) -> OrgItem:
    """Service control policies enabled on the root (they are off in a new organization)."""
    roots = _pages(orgs, "list_roots", "Roots", "listing the organization's roots")
    types = next((r.get("PolicyTypes", []) for r in roots if r["Id"] == root), [])
    if any(t["Type"] == SCP_TYPE and t["Status"] == "ENABLED" for t in types):
        return OrgItem("policy-type", SCP_TYPE, "found", id=root)
    _call("enabling service control policies on the root", orgs.enable_policy_type, RootId=root, PolicyType=SCP_TYPE)
    return OrgItem("policy-type", SCP_TYPE, "created", ["enabled on the root"], id=root)


def ensure_ou(orgs, parent: str, name: str, tags: dict[str, str]) -> OrgItem:
    """The OU NAME directly under PARENT: found by name, else created (tagged)."""
    for ou in _pages(orgs, "list_organizational_units_for_parent", "OrganizationalUnits",
                     f"listing the OUs under {parent}", ParentId=parent):
        if ou["Name"] == name:
            return OrgItem("organizational-unit", name, "found", id=ou["Id"])
    ou = _call(f"creating OU {name}", orgs.create_organizational_unit, ParentId=parent, Name=name,
               Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["OrganizationalUnit"]
    return OrgItem("organizational-unit", name, "created", [f"under {parent}"], id=ou["Id"])


def find_ou(orgs, parent: str, name: str) -> str | None:
    return next((ou["Id"] for ou in _pages(orgs, "list_organizational_units_for_parent", "OrganizationalUnits",
                                           f"listing the OUs under {parent}", ParentId=parent) if ou["Name"] == name), None)


# ---------------------------------------------------------------------------- SCPs
def _same_document(a: str, b: str) -> bool:
    import json

    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return False


def ensure_policy(orgs, name: str, description: str, content: str, tags: dict[str, str]) -> OrgItem:
    """The SCP NAME with exactly CONTENT: found, repaired ("updated") when its document drifted, or created."""
    for p in _pages(orgs, "list_policies", "Policies", "listing service control policies", Filter=SCP_TYPE):
        if p["Name"] != name:
            continue
        have = _call(f"reading SCP {name}", orgs.describe_policy, PolicyId=p["Id"])["Policy"]["Content"]
        if _same_document(have, content):
            return OrgItem("scp", name, "found", [f"{len(content)} characters"], id=p["Id"])
        _call(f"updating SCP {name}", orgs.update_policy, PolicyId=p["Id"], Content=content, Description=description)
        return OrgItem("scp", name, "updated", ["document repaired to the rendered one"], id=p["Id"])
    created = _call(f"creating SCP {name}", orgs.create_policy, Name=name, Description=description, Content=content,
                    Type=SCP_TYPE, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Policy"]["PolicySummary"]
    return OrgItem("scp", name, "created", [f"{len(content)} characters"], id=created["Id"])


def ensure_attached(orgs, policy_id: str, policy_name: str, target_id: str, target_name: str) -> OrgItem:
    """POLICY_ID attached to TARGET_ID once; refused (CloudError, nothing attached) when the target already carries as
    many SCPs as Organizations allows on one target."""
    from ..planning.guardrails import SCP_MAX_PER_TARGET

    attached = _pages(orgs, "list_policies_for_target", "Policies", f"listing the SCPs of {target_name}",
                      TargetId=target_id, Filter=SCP_TYPE)
    label = f"{policy_name} -> {target_name}"
    if policy_id in {p["Id"] for p in attached}:
        return OrgItem("scp-attachment", label, "found")
    if len(attached) >= SCP_MAX_PER_TARGET:
        held = ", ".join(sorted(p["Name"] for p in attached))
        ou = target_id.startswith("ou-")
        raise CloudError(
            f"{'OU ' if ou else ''}{target_name} carries {len(attached)} service control policies ({held}), the most "
            f"Organizations allows on one target; SCP {policy_name} was not attached and nothing was recorded",
            hint=f"detach one of the SCPs that are not the platform's from {target_id} ("
                 + ("or attach it to the root or a parent OU instead" if ou else "or attach it to its OU instead")
                 + "), then run the same command again")
    _call(f"attaching SCP {policy_name} to {target_name}", orgs.attach_policy, PolicyId=policy_id, TargetId=target_id)
    return OrgItem("scp-attachment", label, "attached")


def policies_of(orgs, target_id: str) -> list[str]:
    """Names of the SCPs attached directly to a target (OU or account)."""
    return sorted(p["Name"] for p in _pages(orgs, "list_policies_for_target", "Policies", f"listing the SCPs of {target_id}",
                                           TargetId=target_id, Filter=SCP_TYPE))


# ---------------------------------------------------------------------------- placing an account
def _parent_of(orgs, account_id: str) -> str:
    parents = _call(f"reading the parent of account {account_id}", orgs.list_parents, ChildId=account_id)["Parents"]
    if not parents:
        raise CloudError(f"account {account_id} has no parent in the organization")
    return parents[0]["Id"]


def place_account(orgs, account_id: str, ou_id: str, ou_name: str) -> bool:
    """Move the account into its OU unless it is there; True when it moved."""
    parent = _parent_of(orgs, account_id)
    if parent == ou_id:
        return False
    _call(f"moving account {account_id} into OU {ou_name}", orgs.move_account, AccountId=account_id,
          SourceParentId=parent, DestinationParentId=ou_id)
    return True


# ---------------------------------------------------------------------------- into a vended account
def role_arn(account_id: str, role_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def assumed(clients: ClientProvider, account_id: str, role_name: str, *, partition: str = "aws",
            session_name: str = "platform") -> ClientProvider:
    """A client provider acting as ROLE_NAME in ACCOUNT_ID (sts:AssumeRole with the caller's credentials)."""
    import boto3

    arn = role_arn(account_id, role_name, partition)
    creds = _call(f"assuming {arn}", clients("sts").assume_role, RoleArn=arn, RoleSessionName=session_name,
                  DurationSeconds=3600)["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=clients.default_region)
    return ClientProvider(default_region=clients.default_region, endpoint_url=clients.endpoint_url,
                          max_attempts=clients.max_attempts, _session=session)


def close_account(orgs, account_id: str) -> str:
    """Close ACCOUNT_ID; 'closed', or 'already closed' when AWS says so. AWS keeps it suspended for 90 days."""
    from botocore.exceptions import ClientError

    try:
        orgs.close_account(AccountId=account_id)
    except ClientError as exc:
        if _code(exc) == "AccountAlreadyClosedException":
            return "already closed"
        raise translate(exc, f"closing account {account_id}") from exc
    return "closed"


def account_status(orgs, account_id: str) -> str:
    return _call(f"reading account {account_id}", orgs.describe_account, AccountId=account_id)["Account"].get("Status", "")


def describe_accounts(orgs) -> list[dict[str, Any]]:
    return _pages(orgs, "list_accounts", "Accounts", "listing the organization's accounts")
