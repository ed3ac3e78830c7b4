"""Vending and closing the AWS account of one environment of a space (blueprints with isolation: account).

The account is a request that becomes an account in steps, each idempotent (see
:mod:`platform_cli.aws.organizations`): found or created at Organizations, placed in its OU, fenced
with its own SCP (:mod:`platform_cli.aws.org_fence`), checked to be in its OU with every SCP
it should carry, then its id recorded in ``spaces/TEAM.yaml`` like a CIDR block, never moved.
Everything the step needs is checked before any call, the management account's credentials first
(:func:`platform_cli.aws.management.management_clients`). Vending holds a lock per space and
environment (a file in the workspace's ``.platform/locks``) from before it looks for the account
until the record is written, and reads the space file after taking it: of two `space apply` of one
environment side by side, the second waits and then finds the first one's record. Between machines (two workspace
folders, two locks) creation is idempotent by email and tags (:mod:`platform_cli.aws.org_vending`): the second
finds, or after AWS refuses its creation adopts, the account the first made. The record is
written under the workspace lock, with the space file read after that lock is taken and checked
again. A creation that fails or outlasts the timeout records nothing and is resumed by the next call.
An account already recorded is fenced again on every apply (its blueprint may have changed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import ConflictError, NotFoundError, UsageError

CLOSED_RETENTION_DAYS = 90
"""AWS keeps a closed account suspended this long (it can be reopened through AWS Support), then deletes it."""


@dataclass
class AccountOutcome:
    team: str
    env: str
    account_id: str
    email: str
    status: str  # recorded | found | adopted | created | resumed | closed | already closed
    ou: str | None = None

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def isolated(ws, team: str) -> bool:
    """Whether TEAM's space is account-isolated (its blueprint says isolation: account)."""
    return ws.catalog.blueprint(ws.space(team).blueprint).isolation == "account"


def _request(ws, team: str, env: str):
    from ..aws.org_vending import AccountRequest

    space = ws.space(team)
    if env not in space.environments:
        raise NotFoundError(f"space {team} has no environment {env!r} (environments: {', '.join(space.environments)})")
    org = ws.config.organization
    if org is None:
        raise UsageError(f"space {team} uses blueprint {space.blueprint} (isolation: account), but platform.yaml has no "
                         "organization; nothing was created",
                         hint="add organization: {management_account_id: ..., account_email: 'aws+{org}-{team}-{env}@...'} "
                              "to platform.yaml, then run `platform bootstrap`")
    return space, org, AccountRequest(org=ws.config.org, team=team, env=env, email=org.email_for(ws.config.org, team, env),
                                      ou=org.ou_for(space.environments[env].protected), role_name=org.platform_role,
                                      timeout_seconds=org.create_timeout_seconds)


def organizations_client(ws, clients=None):
    """(client provider acting in the management account, its Organizations client); refused (CloudError) when the
    credentials are not the management account's and no organization.management_role is configured."""
    from ..aws.bootstrap import clients_for
    from ..aws.management import management_clients
    from ..aws.organizations import org_region

    if clients is None:
        clients, _ = clients_for(ws)
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    managing = management_clients(clients, ws.config.organization, partition)
    return managing, managing("organizations", org_region(partition))


def fence_and_verify(orgs, account_id: str, label: str, ou_id: str, ou_name: str, fence, tags) -> None:
    """The account placed in its OU (moved there from wherever it is), its own SCP attached and stale ones detached,
    then everything read back and checked (CloudError when anything is missing)."""
    from ..aws.org_fence import fence_account, verify_fenced
    from ..aws.organizations import place_account

    place_account(orgs, account_id, ou_id, ou_name)
    fence_account(orgs, account_id, label, fence, tags)
    verify_fenced(orgs, account_id, label, ou_id, ou_name, fence)


def _vending_lock(ws, team: str, env: str):
    from ..files.safe import file_lock

    return file_lock(ws.local_dir / "locks" / f"account.{team}.{env}.lock")


def ensure_account(ws, team: str, env: str, *, clients=None, progress=lambda _m: None, **waiting) -> AccountOutcome | None:
    """The account of TEAM's ENV, vended when the space has none, fenced, and recorded in its space file.
    None when the space's blueprint is not account-isolated (nothing to do)."""
    from ..aws.org_fence import fence_for
    from ..aws.org_vending import vend_account
    from ..aws.organizations import find_ou, root_id
    from ..aws.platform_role import platform_may_assume, require_engine_role
    from ..aws.shared_tags import shared_tags
    from ..planning import names

    if not isolated(ws, team):
        return None
    space, _org, req = _request(ws, team, env)
    fence = fence_for(ws.config, ws.catalog.blueprint(space.blueprint))  # rendered and checked before any call
    _closed_refused(team, env, space.account(env))
    if space.account(env) is None:
        _email_is_free(ws, req)
    if clients is None:
        from ..aws.bootstrap import clients_for

        clients, _ = clients_for(ws)
    platform_clients = clients
    clients, orgs = organizations_client(ws, clients)
    require_engine_role(ws, platform_clients)  # vended accounts trust it alone: checked before anything is created
    root = root_id(orgs)
    tags = shared_tags({"platform:managed-by": names.MANAGED_BY, "platform:org": ws.config.org})
    label = f"the account of {team}/{env}"
    with _vending_lock(ws, team, env):
        ws.forget_space(team)  # everything read again after the lock is taken: a vending that held it has recorded
        space, _org, req = _request(ws, team, env)  # its account; the blueprint or protection may have changed
        fence = fence_for(ws.config, ws.catalog.blueprint(space.blueprint))
        have = space.account(env)
        _closed_refused(team, env, have)
        ou_id = find_ou(orgs, root, req.ou)
        if ou_id is None:
            raise NotFoundError(f"the organization has no OU {req.ou!r} under its root; nothing was created",
                                hint="run `platform bootstrap` first: it creates the OUs and their service control policies")
        if have is not None:
            fence_and_verify(orgs, have.account_id, f"{label} ({have.account_id})", ou_id, req.ou, fence, tags)
            platform_may_assume(ws, clients, have.account_id, f"{team}/{env}")
            return AccountOutcome(team, env, have.account_id, have.email, "recorded", req.ou)
        vended = vend_account(orgs, req, ou_id, root=root, progress=progress, **waiting)
        fence_and_verify(orgs, vended.account_id, f"{label} ({vended.account_id})", ou_id, req.ou, fence, tags)
        platform_may_assume(ws, clients, vended.account_id, f"{team}/{env}")
        record(ws, team, env, vended.account_id, vended.email)
    return AccountOutcome(team, env, vended.account_id, vended.email, vended.status, req.ou)


def _closed_refused(team: str, env: str, have) -> None:
    if have is not None and have.state != "active":
        raise ConflictError(
            f"the account of {team}/{env} ({have.account_id}) was closed on {have.closed_at}; a space keeps one account "
            "per environment and its id never moves",
            hint=f"AWS keeps a closed account suspended for {CLOSED_RETENTION_DAYS} days: ask AWS Support to reopen it, "
                 "or give the environment another name")


def ensure_account_announced(ws, team: str, env: str, *, clients=None) -> AccountOutcome | None:
    """:func:`ensure_account` with its progress and outcome on stderr (for `space apply`)."""
    import sys

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    got = ensure_account(ws, team, env, clients=clients, progress=say)
    if got is not None:
        say(f"account {team}/{env}: {got.account_id} ({got.status}, OU {got.ou})")
    return got


def _email_is_free(ws, req) -> None:
    """No other environment of the workspace records an account with this email (a pattern such as
    aws+{org}-{team}-{env} gives team a-b/env c and team a/env b-c the same address)."""
    spaces, _unreadable = ws.spaces()
    for space in spaces:
        for acct in space.accounts:
            if acct.email.lower() == req.email.lower() and (space.team, acct.env) != (req.team, req.env):
                raise ConflictError(
                    f"{req.team}/{req.env} would get the email {req.email}, which {space.team}/{acct.env} already has "
                    f"(account {acct.account_id}); nothing was created",
                    hint="separate {team} and {env} in organization.account_email with a character names cannot hold, "
                         "e.g. aws+{org}.{team}.{env}@example.com")


def record(ws, team: str, env: str, account_id: str, email: str) -> None:
    """Record ACCOUNT_ID as ENV's account: under the lock, the file read then, checked, then written."""
    with ws.editing_space_yaml(team) as doc:
        space = ws.space(team)  # read inside the lock
        if env not in space.environments:
            raise ConflictError(f"environment {env!r} left space {team} while its account {account_id} was vended; "
                                "nothing was recorded",
                                hint=f"the account stays in the organization: close it, or add {env} back and apply again")
        have = space.account(env)
        if have is not None:
            if have.account_id == account_id and have.state == "active":
                return
            raise ConflictError(f"space {team} already records account {have.account_id} for {env}; account {account_id} "
                                "was not recorded", hint="a space keeps one account per environment; look at both accounts")
        accounts = doc.get("accounts")
        if accounts is None:
            doc["accounts"] = accounts = []
        accounts.append({"env": env, "account_id": account_id, "email": email, "state": "active", "created_at": _now()})


def closable(ws, team: str, env: str):
    """The account record of TEAM's ENV, which `--close-account` would close; refused before anything is
    destroyed when the space is not account-isolated or records no account for ENV."""
    space = ws.space(team)
    if not isolated(ws, team):
        raise UsageError(f"space {team} uses blueprint {space.blueprint} (isolation: shared): it has no account of its own "
                         "to close; nothing was destroyed", hint=f"run `platform space destroy {team} --env {env}` without --close-account")
    have = space.account(env)
    if have is None:
        raise NotFoundError(f"space {team} records no account for {env!r}; nothing to close, nothing was destroyed",
                            hint=f"run `platform space destroy {team} --env {env}` without --close-account")
    return have


def close_env_account(ws, team: str, env: str, *, clients=None) -> AccountOutcome:
    """Close the account recorded for TEAM's ENV and record its closing (the id and date stay)."""
    from ..aws.organizations import close_account

    have = closable(ws, team, env)
    if have.state == "closed":
        return AccountOutcome(team, env, have.account_id, have.email, "already closed")
    _clients, orgs = organizations_client(ws, clients)
    status = close_account(orgs, have.account_id)
    mark_closed(ws, team, env, have.account_id)
    return AccountOutcome(team, env, have.account_id, have.email, status)


def mark_closed(ws, team: str, env: str, account_id: str) -> None:
    with ws.editing_space_yaml(team) as doc:
        for entry in doc.get("accounts") or []:
            if entry.get("env") == env and entry.get("account_id") == account_id:
                entry["state"] = "closed"
                entry["closed_at"] = _now()
                return
        raise ConflictError(f"space {team} no longer records account {account_id} for {env}; it was closed at AWS "
                            "but its closing is not recorded")


def space_accounts(ws, team: str) -> list[dict[str, Any]]:
    """The accounts a space records, for listings (delete, status, quickstart)."""
    return [a.to_data() for a in ws.space(team).accounts]
