"""Which AWS account a unit deploys into, and how the platform gets there: one pure function.

``isolation: shared`` (the blueprint's default): every unit deploys into the platform account
(``platform.yaml`` ``cloud.account_id``) with the credentials the engine runs with.

``isolation: account``: each environment of a space has an account of its own, vended by
``space apply`` and recorded in the space file (``Space.accounts``). Its region units' provider
assumes the organization's platform role in that account; service units deploy into the same
account with the credentials of the space's CI deploy role, which lives there and which CI
assumes through OIDC. Every provider is pinned to the one account (``allowed_account_ids``).

Before the environment's account is vended its id is :data:`ACCOUNT_PLACEHOLDER`: plans render
with it and say "assigned at apply"; it is no account id at all (AWS's are 12 digits), so no ARN
of a plan can be mistaken for a real one, and the engine refuses to deploy with it.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT_PLACEHOLDER = "assigned-at-apply"
"""The account id of an environment whose account is not vended yet (in ARNs: ``arn:aws:iam::assigned-at-apply:...``)."""

ASSIGNED_AT_APPLY = "assigned at apply"
"""How plans print :data:`ACCOUNT_PLACEHOLDER`."""

DEFAULT_PLATFORM_ROLE = "OrganizationAccountAccessRole"
"""The role Organizations creates in an account it vends (``organization.platform_role`` when platform.yaml has none)."""


@dataclass(frozen=True)
class UnitAccount:
    """Where one environment of a space deploys."""

    isolation: str  # shared | account
    account_id: str  # the account's id, or ACCOUNT_PLACEHOLDER before it is vended
    platform_account_id: str  # the platform's own account: state bucket, secrets key, history table
    platform_role_arn: str | None  # the role region units assume in the account (isolation: account)

    @property
    def pending(self) -> bool:
        """The account is not vended yet: its id is the placeholder."""
        return self.account_id == ACCOUNT_PLACEHOLDER


def assumed_role(kind: str, platform_role_arn: str | None, *, local: bool) -> str | None:
    """The role a unit's provider assumes: in a space's own account (``platform_role_arn`` set), the space's units
    assume the platform role; service units run with the CI deploy role's credentials that CI assumed through OIDC in
    that account, and assume nothing (the deploy role must not reach the platform role). The local cloud has no CI:
    there every unit assumes the platform role, which is how it reaches the vended account."""
    if platform_role_arn is None:
        return None
    return platform_role_arn if kind == "space" or local else None


def platform_role_arn(partition: str, account_id: str, role: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role}"


def unit_account(*, isolation: str, env: str, platform_account_id: str, partition: str,
                 accounts: list, platform_role: str | None) -> UnitAccount:
    """The account of environment ENV of a space (pure).

    ``accounts`` are the space's :class:`~platform_cli.model.space.AccountRecord` entries; a closed account is never
    deployed into, so an environment whose account is closed is pending again. ``platform_role`` is
    ``organization.platform_role`` (None: no organization in platform.yaml yet, the Organizations default)."""
    if isolation == "shared":
        return UnitAccount("shared", platform_account_id, platform_account_id, None)
    if isolation != "account":
        raise ValueError(f"isolation {isolation!r}: expected 'shared' or 'account'")
    record = next((a for a in accounts if a.env == env and a.state == "active"), None)
    account_id = record.account_id if record is not None else ACCOUNT_PLACEHOLDER
    return UnitAccount("account", account_id, platform_account_id,
                       platform_role_arn(partition, account_id, platform_role or DEFAULT_PLATFORM_ROLE))


def workspace_account(config, isolation: str, env: str, partition: str, accounts) -> UnitAccount:
    """:func:`unit_account` with the platform account and role of ``platform.yaml`` (CONFIG, a ``Workspace``)."""
    org = config.organization
    return unit_account(isolation=isolation, env=env, platform_account_id=config.cloud.account_id, partition=partition,
                        accounts=list(accounts), platform_role=org.platform_role if org is not None else None)


def env_account(config, blueprint, space, env: str, partition: str) -> UnitAccount:
    """Where environment ENV of SPACE deploys (models: ``Workspace``, ``Blueprint``, ``Space``)."""
    return workspace_account(config, blueprint.isolation, env, partition, space.accounts)


def vended_account_id(config, blueprint, space, env: str, partition: str) -> str:
    """The account ENV deploys into, which must exist: a pipeline or a role ARN cannot be written for an account that
    has no id yet (NotFoundError naming the command that vends it)."""
    from ..errors import NotFoundError

    account = env_account(config, blueprint, space, env, partition)
    if account.pending:
        raise NotFoundError(f"space {space.team}: environment {env} has no AWS account yet (blueprint {blueprint.ref} "
                            "gives each environment an account of its own)",
                            hint=f"`platform space apply {space.team} --env {env}` vends it; then run this again")
    return account.account_id
