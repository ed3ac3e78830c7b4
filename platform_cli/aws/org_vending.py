"""Vending one environment's account at Organizations: found, adopted, resumed or created, and placed in its OU.

Every step is idempotent and resumable, as an account factory's steps are. :func:`vend_account`:

- finds the environment's account: by its email anywhere in the organization (AWS keeps an email to one account),
  else an active account of its OU tagged with its space and environment. An account found by its email is adopted
  only when it is the environment's: it carries the space's tags (``platform:space``, ``platform:env``,
  ``platform:org``, ``platform:managed-by``, which vending gives every account it creates) and sits in the
  environment's OU or in the root (where CreateAccount leaves a new account until it is moved). Any other account
  with that email is refused (ConflictError), never moved or recorded;
- else resumes a creation request still in progress (by the account name), else calls CreateAccount; then polls
  DescribeCreateAccountStatus with a progress line until the account exists, fails, or the workspace's timeout
  passes. A timeout leaves the request running at AWS: the next call finds it and waits again;
- when the creation fails with ``EMAIL_ALREADY_EXISTS`` (another AWS account has the email) or
  ``CONCURRENT_ACCOUNT_MODIFICATION`` (a request with the same information was submitted), another machine vended
  the same environment at the same moment: the account it made is looked for again (by email, then its creation
  request) and adopted by the same rules; when no account of the organization has the email, the email belongs to
  an account outside it (or a closed one) and the creation is refused with that reason.

So two `space apply` of one environment on two machines (each with its own workspace lock) converge on one account.
The ``FailureReason`` values are those of Organizations' CreateAccountStatus (API reference).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import CloudError, ConflictError
from ..planning import names
from .organizations import _call, _pages, place_account

SPACE_TAG = "platform:space"
ENV_TAG = "platform:env"
MANAGED_TAG = "platform:managed-by"
ORG_TAG = "platform:org"
ACCOUNT_NAME_MAX = 50  # Organizations' limit on an account name
POLL_SECONDS = 5.0
RACE_REASONS = ("EMAIL_ALREADY_EXISTS", "CONCURRENT_ACCOUNT_MODIFICATION")
"""CreateAccountStatus FailureReasons that mean the account may exist already (made by a vending elsewhere)."""

Progress = Callable[[str], None]


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
        return {SPACE_TAG: self.team, ENV_TAG: self.env, MANAGED_TAG: names.MANAGED_BY, ORG_TAG: self.org}


@dataclass
class VendResult:
    account_id: str
    email: str
    status: str  # found | adopted | created | resumed
    ou_id: str
    moved: bool = False
    request_id: str | None = None
    details: list[str] = field(default_factory=list)


def _tags_of(orgs, resource_id: str) -> dict[str, str]:
    tags = _pages(orgs, "list_tags_for_resource", "Tags", f"reading the tags of account {resource_id}", ResourceId=resource_id)
    return {t["Key"]: t["Value"] for t in tags}


def _adoptable(orgs, account: dict, req: AccountRequest, ou_id: str, root: str | None) -> dict:
    """ACCOUNT (found by REQ's email) when it is REQ's environment's: its tags and place; else ConflictError."""
    tags = _tags_of(orgs, account["Id"])
    owner = (tags.get(SPACE_TAG), tags.get(ENV_TAG))
    if tags.get(SPACE_TAG) and owner != (req.team, req.env):
        raise ConflictError(
            f"the account with email {req.email} ({account['Id']}) belongs to {owner[0]}/{owner[1]}, not "
            f"{req.team}/{req.env}; nothing was recorded",
            hint="the organization.account_email pattern gives two environments one address: separate "
                 "{team} and {env} with a character names cannot hold, e.g. aws+{org}.{team}.{env}@example.com")
    problems = [f"tag {k} is {tags[k]!r}, expected {v!r}" if k in tags else f"it lacks the tag {k}={v}"
                for k, v in req.tags.items() if tags.get(k) != v]
    parents = _call(f"reading the parent of account {account['Id']}", orgs.list_parents, ChildId=account["Id"])["Parents"]
    parent = parents[0]["Id"] if parents else None
    if parent not in (ou_id, root):
        problems.append(f"it is in {parent or 'no parent'}, not in OU {req.ou} ({ou_id}) nor in the root")
    if problems:
        raise ConflictError(
            f"the organization has an account with email {req.email} ({account['Id']}, {account.get('Name', '')!r}) "
            f"that is not the account vending makes for {req.team}/{req.env}: {'; '.join(problems)}; it was not "
            "adopted, moved or recorded",
            hint=f"if it is {req.team}/{req.env}'s, tag it with {', '.join(f'{k}={v}' for k, v in req.tags.items())} and "
                 f"move it into OU {req.ou}, then run the same command again; otherwise give the environment another "
                 "address through organization.account_email")
    return account


def find_account(orgs, req: AccountRequest, ou_id: str, root: str | None = None) -> dict | None:
    """The account of REQ: by its email anywhere in the organization (adopted only when it is REQ's, see the module
    doc), else an active account of its OU tagged with its space and environment. Closed (suspended) accounts are
    skipped."""
    email = req.email.lower()
    for a in _pages(orgs, "list_accounts", "Accounts", "listing the organization's accounts"):
        if a.get("Email", "").lower() == email and a.get("Status") != "SUSPENDED":
            return _adoptable(orgs, a, req, ou_id, root)
    for a in _pages(orgs, "list_accounts_for_parent", "Accounts", f"listing the accounts of OU {req.ou}", ParentId=ou_id):
        if a.get("Status") == "SUSPENDED":
            continue
        tags = _tags_of(orgs, a["Id"])
        if tags.get(SPACE_TAG) == req.team and tags.get(ENV_TAG) == req.env and tags.get(ORG_TAG, req.org) == req.org:
            return a
    return None


def pending_request(orgs, req: AccountRequest) -> dict | None:
    """A creation request of REQ's account that Organizations is still working on."""
    statuses = _pages(orgs, "list_create_account_status", "CreateAccountStatuses",
                      "listing account creation requests", States=["IN_PROGRESS"])
    return next((s for s in statuses if s.get("AccountName") == req.name), None)


class _Failed(Exception):
    """A creation request that Organizations answered FAILED, with its FailureReason."""

    def __init__(self, reason: str, request_id: str):
        super().__init__(reason)
        self.reason, self.request_id = reason, request_id


def _poll(orgs, request_id: str, req: AccountRequest, *, progress: Progress, sleep, clock, poll_seconds: float) -> str:
    """The account id of a creation request once it succeeds; _Failed with its reason; CloudError on timeout."""
    started = clock()
    while True:
        status = _call(f"reading account creation request {request_id}", orgs.describe_create_account_status,
                       CreateAccountRequestId=request_id)["CreateAccountStatus"]
        state = status.get("State")
        waited = clock() - started
        if state == "SUCCEEDED":
            return status["AccountId"]
        if state == "FAILED":
            raise _Failed(status.get("FailureReason", "no reason given"), request_id)
        if waited >= req.timeout_seconds:
            raise CloudError(
                f"the account of {req.team}/{req.env} is still being created after {int(waited)}s "
                f"(request {request_id}, state {state}); nothing was recorded in the space file",
                hint="run the same command again later: it finds this request (or the account it became) and "
                     "continues, it never creates a second account; organization.create_timeout_seconds in "
                     "platform.yaml sets how long to wait")
        progress(f"account {req.name}: {state.lower().replace('_', ' ')} ({int(waited)}s of at most {req.timeout_seconds}s)")
        sleep(poll_seconds)


def _creation_failed(req: AccountRequest, failed: _Failed, extra: str = "") -> CloudError:
    return CloudError(
        f"Organizations could not create the account of {req.team}/{req.env} ({req.email}): {failed.reason} "
        f"(request {failed.request_id}){extra}; nothing was recorded in the space file",
        hint=_failure_hint(failed.reason))


def wait_for_account(orgs, request_id: str, req: AccountRequest, *, progress: Progress,
                     sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                     poll_seconds: float = POLL_SECONDS) -> str:
    """Poll a creation request until it succeeds (its account id), fails or times out (a CloudError each)."""
    try:
        return _poll(orgs, request_id, req, progress=progress, sleep=sleep, clock=clock, poll_seconds=poll_seconds)
    except _Failed as failed:
        raise _creation_failed(req, failed) from None


def _failure_hint(reason: str) -> str:
    hints = {
        "EMAIL_ALREADY_EXISTS": "another AWS account uses this email; change organization.account_email in platform.yaml "
                                "so that every environment gets an address of its own",
        "ACCOUNT_LIMIT_EXCEEDED": "the organization has as many accounts as its quota allows; ask AWS Support to raise it",
        "CONCURRENT_ACCOUNT_MODIFICATION": "another account change was in progress; run the same command again",
    }
    return hints.get(reason, "see the reason above; fix it, then run the same command again (it creates the account then)")


def vend_account(orgs, req: AccountRequest, ou_id: str, *, root: str | None = None, progress: Progress = lambda _m: None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 poll_seconds: float = POLL_SECONDS) -> VendResult:
    """The account of REQ, found, adopted, resumed or created, and placed in its OU. See the module doc."""
    waiting = {"progress": progress, "sleep": sleep, "clock": clock, "poll_seconds": poll_seconds}
    found = find_account(orgs, req, ou_id, root)
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
    try:
        account_id = _poll(orgs, request_id, req, **waiting)
    except _Failed as failed:
        if failed.reason not in RACE_REASONS:
            raise _creation_failed(req, failed) from None
        return _adopt_after(orgs, req, ou_id, root, failed, waiting)
    moved = place_account(orgs, account_id, ou_id, req.ou)
    return VendResult(account_id, req.email, status, ou_id, moved, request_id)


def _adopt_after(orgs, req: AccountRequest, ou_id: str, root: str | None, failed: _Failed, waiting: dict) -> VendResult:
    """After a creation refused for a reason that says another vending got there first: its account, adopted."""
    waiting["progress"](f"account {req.name}: creation refused ({failed.reason}); looking for the account another "
                        "vending made")
    found = find_account(orgs, req, ou_id, root)
    other = None
    if found is None:
        other = pending_request(orgs, req)
        if other is None:
            raise _creation_failed(req, failed, ", and no account of the organization has this email: it belongs to an "
                                                "AWS account outside the organization or to a closed one")
        try:
            found = {"Id": _poll(orgs, other["Id"], req, **waiting)}
        except _Failed as theirs:
            raise _creation_failed(req, theirs) from None
        found = _adoptable(orgs, found, req, ou_id, root)
    moved = place_account(orgs, found["Id"], ou_id, req.ou)
    details = [f"creation request {failed.request_id} was refused ({failed.reason}): the account "
               + (f"of creation request {other['Id']}" if other else "with this email") + " was adopted"]
    return VendResult(found["Id"], req.email, "adopted", ou_id, moved, failed.request_id, details)
