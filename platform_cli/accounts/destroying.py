"""How the platform destroys a service unit of an account-isolated environment that CI deployed.

CI deploys a service unit with the credentials of the space's CI deploy role, which lives in the environment's
account (OIDC): the unit's provider, as its state records it, assumes nothing and is pinned to that account
(``allowed_account_ids``). Destroyed from anywhere else (`space delete --with-services` from the platform account,
say), that provider would run with credentials of the wrong account and refuse. So when the caller's credentials are
not in the unit's account, the engine destroys it with ``pulumi destroy --run-program`` and a program that declares
the unit's provider alone, now assuming the platform role in the environment's account (still pinned to it): Pulumi
updates the provider from the program and deletes every resource of the state through it. When the caller is in the
unit's account already (CI destroying a preview), the provider of the state is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def destroy_provider(ws, unit: str, *, local_endpoint: str | None, caller_account: Callable[[], str]) -> dict[str, Any] | None:
    """``stacks.provider.make_provider`` arguments of the provider-only destroy program of UNIT, or None when the state's
    provider serves (a space unit, a shared space, an account not vended, or a caller inside the unit's account).
    CALLER_ACCOUNT() gives the account of the engine's credentials; it is asked only for such a service unit."""
    from ..planning.accounts import env_account
    from ..planning.names import parse_unit
    from stacks.provider import session_name

    p = parse_unit(unit)
    if p["kind"] != "service":
        return None
    space = ws.space(p["team"])
    account = env_account(ws.config, ws.catalog.blueprint(space.blueprint), space, p["env"],
                          ws.catalog.partition(p["region"]))
    if account.isolation != "account" or account.pending or caller_account() == account.account_id:
        return None
    return {"region": p["region"], "account_id": account.account_id, "local_endpoint": local_endpoint,
            "assume_role_arn": account.platform_role_arn, "session": session_name(unit)}


def provider_only_program(args: dict[str, Any]):
    """The Pulumi program that declares nothing but the unit's provider (named ``aws``, as every unit names it)."""

    def program() -> None:
        from stacks.provider import make_provider

        make_provider("aws", **args)

    return program
