"""`platform space destroy --close-account`: an environment's units destroyed, then its account closed."""

from __future__ import annotations

from typing import Any

from .vending import AccountOutcome, closable, close_env_account


def destroy_and_close(ws, team: str, env: str, *, clients=None, **destroying) -> tuple[Any, AccountOutcome]:
    """`space destroy --close-account`: ENV's units destroyed (reverse rollout order, journalled), then its
    account closed. Everything is checked first: a space without an account to close destroys nothing."""
    from ..deploy import destroy_space

    closable(ws, team, env)
    outcome = destroy_space(ws, team, env, clients=clients, **destroying)
    return outcome, close_env_account(ws, team, env, clients=clients)
