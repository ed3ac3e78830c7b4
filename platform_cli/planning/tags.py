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
