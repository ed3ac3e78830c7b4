"""AWS Organizations: the OUs and SCPs of vended accounts, vending, assuming the platform role, closing.

Every step is idempotent and resumable, as an account factory's steps are:

- :func:`ensure_ou` finds an OU by name under a parent or creates it;
- :func:`ensure_policy` finds an SCP by name, repairs its content when it drifted, or creates it;
  :func:`ensure_attached` attaches it to a target once;
- :func:`vend_account` finds the environment's account (by its email, then by its
  ``platform:space``/``platform:env`` tags among the accounts of its OU), else resumes a creation
  request still in progress (by the account name), else calls CreateAccount; it then polls
  DescribeCreateAccountStatus with a progress line until the account exists, fails, or the
  workspace's timeout passes, and moves the account from the root into its OU. A timeout leaves
  the request running at AWS: the next call finds it and waits again, it never creates a second;
- :func:`assumed` gives a client provider with the platform role's credentials in an account;
- :func:`close_account` closes an account (AWS keeps it suspended for 90 days).

Organizations is a global service: its endpoint is in us-east-1 (aws-cn: cn-northwest-1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CloudError
from ..planning import names
from .clients import ClientProvider, translate

SCP_TYPE = "SERVICE_CONTROL_POLICY"
SPACE_TAG = "platform:space"
ENV_TAG = "platform:env"
MANAGED_TAG = "platform:managed-by"
ACCOUNT_NAME_MAX = 50  # Organizations' limit on an account name
POLL_SECONDS = 5.0

Progress = Callable[[str], None]


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


# ---------------------------------------------------------------------------- vending
@dataclass(frozen=True)
class AccountRequest:
    """What identifies the account of one environment of a space."""

    org: str
    team: str
    env: str
    email: str
    ou: str  # OU name
    role_name: str
    timeout_seconds: int

    @property
    def name(self) -> str:
        """Account name: ORG/TEAM/ENV ('/' cannot occur in those names, so it is injective), shortened with a hash."""
        return names.shorten(f"{self.org}/{self.team}/{self.env}", ACCOUNT_NAME_MAX)

    @property
    def tags(self) -> dict[str, str]:
        return {SPACE_TAG: self.team, ENV_TAG: self.env, MANAGED_TAG: names.MANAGED_BY, "platform:org": self.org}


@dataclass
class VendResult:
    account_id: str
    email: str
    status: str  # found | created | resumed
    ou_id: str
    moved: bool = False
    request_id: str | None = None
    details: list[str] = field(default_factory=list)


def _tags_of(orgs, resource_id: str) -> dict[str, str]:
    tags = _pages(orgs, "list_tags_for_resource", "Tags", f"reading the tags of account {resource_id}", ResourceId=resource_id)
    return {t["Key"]: t["Value"] for t in tags}


def find_account(orgs, req: AccountRequest, ou_id: str) -> dict | None:
    """The account of REQ: by its email anywhere in the organization (emails are unique at AWS), else an
    active account of its OU tagged with its space and environment. Closed (suspended) accounts are skipped."""
    accounts = _pages(orgs, "list_accounts", "Accounts", "listing the organization's accounts")
    email = req.email.lower()
    for a in accounts:
        if a.get("Email", "").lower() == email and a.get("Status") != "SUSPENDED":
            tags = _tags_of(orgs, a["Id"])
            owner = (tags.get(SPACE_TAG), tags.get(ENV_TAG))
            if tags.get(SPACE_TAG) and owner != (req.team, req.env):
                from ..errors import ConflictError

                raise ConflictError(
                    f"the account with email {req.email} ({a['Id']}) belongs to {owner[0]}/{owner[1]}, not "
                    f"{req.team}/{req.env}; nothing was recorded",
                    hint="the organization.account_email pattern gives two environments one address: separate "
                         "{team} and {env} with a character names cannot hold, e.g. aws+{org}.{team}.{env}@example.com")
            return a
    for a in _pages(orgs, "list_accounts_for_parent", "Accounts", f"listing the accounts of OU {req.ou}", ParentId=ou_id):
        if a.get("Status") == "SUSPENDED":
            continue
        tags = _tags_of(orgs, a["Id"])
        if tags.get(SPACE_TAG) == req.team and tags.get(ENV_TAG) == req.env and tags.get("platform:org", req.org) == req.org:
            return a
    return None


def pending_request(orgs, req: AccountRequest) -> dict | None:
    """A creation request of REQ's account that Organizations is still working on."""
    statuses = _pages(orgs, "list_create_account_status", "CreateAccountStatuses",
                      "listing account creation requests", States=["IN_PROGRESS"])
    return next((s for s in statuses if s.get("AccountName") == req.name), None)


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


def wait_for_account(orgs, request_id: str, req: AccountRequest, *, progress: Progress,
                     sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                     poll_seconds: float = POLL_SECONDS) -> str:
    """Poll a creation request until it succeeds (its account id), fails or times out (a CloudError each)."""
    started = clock()
    while True:
        status = _call(f"reading account creation request {request_id}", orgs.describe_create_account_status,
                       CreateAccountRequestId=request_id)["CreateAccountStatus"]
        state = status.get("State")
        waited = clock() - started
        if state == "SUCCEEDED":
            return status["AccountId"]
        if state == "FAILED":
            reason = status.get("FailureReason", "no reason given")
            raise CloudError(
                f"Organizations could not create the account of {req.team}/{req.env} ({req.email}): {reason} "
                f"(request {request_id}); nothing was recorded in the space file",
                hint=_failure_hint(reason))
        if waited >= req.timeout_seconds:
            raise CloudError(
                f"the account of {req.team}/{req.env} is still being created after {int(waited)}s "
                f"(request {request_id}, state {state}); nothing was recorded in the space file",
                hint="run the same command again later: it finds this request (or the account it became) and "
                     "continues, it never creates a second account; organization.create_timeout_seconds in "
                     "platform.yaml sets how long to wait")
        progress(f"account {req.name}: {state.lower().replace('_', ' ')} ({int(waited)}s of at most {req.timeout_seconds}s)")
        sleep(poll_seconds)


def _failure_hint(reason: str) -> str:
    hints = {
        "EMAIL_ALREADY_EXISTS": "another AWS account uses this email; change organization.account_email in platform.yaml "
                                "so that every environment gets an address of its own",
        "ACCOUNT_LIMIT_EXCEEDED": "the organization has as many accounts as its quota allows; ask AWS Support to raise it",
        "CONCURRENT_ACCOUNT_MODIFICATION": "another account change was in progress; run the same command again",
    }
    return hints.get(reason, "see the reason above; fix it, then run the same command again (it creates the account then)")


def vend_account(orgs, req: AccountRequest, ou_id: str, *, progress: Progress = lambda _m: None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 poll_seconds: float = POLL_SECONDS) -> VendResult:
    """The account of REQ, found, resumed or created, and placed in its OU. See the module doc."""
    found = find_account(orgs, req, ou_id)
    if found is not None:
        moved = place_account(orgs, found["Id"], ou_id, req.ou)
        return VendResult(found["Id"], found.get("Email", req.email), "found", ou_id, moved)
    pending = pending_request(orgs, req)
    if pending is not None:
        request_id, status = pending["Id"], "resumed"
        progress(f"account {req.name}: resuming creation request {request_id}")
    else:
        progress(f"account {req.name}: creating ({req.email}) ...")
        created = _call(f"creating the account of {req.team}/{req.env}", orgs.create_account,
                        Email=req.email, AccountName=req.name, RoleName=req.role_name, IamUserAccessToBilling="DENY",
                        Tags=[{"Key": k, "Value": v} for k, v in req.tags.items()])["CreateAccountStatus"]
        request_id, status = created["Id"], "created"
    account_id = wait_for_account(orgs, request_id, req, progress=progress, sleep=sleep, clock=clock,
                                  poll_seconds=poll_seconds)
    moved = place_account(orgs, account_id, ou_id, req.ou)
    return VendResult(account_id, req.email, status, ou_id, moved, request_id)


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
