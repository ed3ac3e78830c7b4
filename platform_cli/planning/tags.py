"""Tags every resource carries: one pure function."""

from __future__ import annotations

from .names import MANAGED_BY, space_name


def unit_tags(*, team: str, env: str, blueprint: str, cost_center: str, service: str | None = None) -> dict[str, str]:
    """Tags of every resource of a unit: team, env, space, blueprint, managed-by, cost center."""
    tags = {
        "platform:team": team,
        "platform:env": env,
        "platform:space": space_name(team, env),
        "platform:blueprint": blueprint,
        "platform:managed-by": MANAGED_BY,
        "cost-center": cost_center,
    }
    if service:
        tags["platform:service"] = service
    return tags


SHARED_SPACE = "platform:shared"
"""The ``platform:space`` tag of the platform's shared resources (state bucket, KMS key, history table, OIDC
providers): no space is named so (a space name has no ``:``), so no grant selecting a space's tag reaches them."""


SECRETS_CONTEXT_KEY = "platform-team"
"""The KMS encryption context key of a unit's Pulumi secrets (``awskms://...&context_platform-team=TEAM``): the shared
secrets key decrypts a team's stack secrets only for a caller whose grant names that team
(``kms:EncryptionContext:platform-team``)."""
