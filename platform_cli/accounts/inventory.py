"""Where a space's tagged resources are looked for (`space status`'s orphans).

A shared space's resources are in the platform account. An account-isolated space's are in each environment's own
account: that account is scanned through the platform role (assumed from the management account, as everything the
platform does in a vended account), and the platform account is scanned as well, since resources a space left there
(before it moved to account isolation, say) are its orphans too. An environment with no account vended yet has
nothing in an account of its own; a closed account is not scanned (AWS suspends it).
"""

from __future__ import annotations

from collections.abc import Mapping


def space_accounts_to_scan(ws, space, env: str | None) -> list[tuple[str, str]]:
    """(environment, account id) of every active vended account of SPACE (in ENV) whose blueprint is account-isolated."""
    if ws.catalog.blueprint(space.blueprint).isolation != "account":
        return []
    envs = [env] if env else list(space.environments)
    return [(a.env, a.account_id) for a in space.accounts if a.state == "active" and a.env in envs]


def space_inventory(ws, space, env: str | None, regions: list[str], tags: Mapping[str, str], *, clients=None) -> list:
    """Every resource carrying TAGS in the platform account and in the space's vended accounts (``CloudResource``s)."""
    from ..aws.inventory import tagged_resources

    if clients is None:
        from ..rollout.gates import client_provider

        clients = client_provider(ws)
    found = {r.arn: r for r in tagged_resources(clients, regions, tags)}
    scan = space_accounts_to_scan(ws, space, env)
    if scan:
        from ..aws.management import management_clients
        from ..aws.organizations import assumed

        cfg = ws.config.organization
        if cfg is None:
            from ..errors import UsageError

            raise UsageError(f"space {space.team} records vended accounts, but platform.yaml has no organization to "
                             "reach them through", hint="add organization: to platform.yaml (see the README's Isolation)")
        partition = ws.catalog.partition(ws.config.cloud.default_region)
        managing = management_clients(clients, cfg, partition)
        for acct_env, account_id in scan:
            inside = assumed(managing, account_id, cfg.platform_role, partition=partition,
                             session_name=f"platform-inventory-{space.team}")
            env_regions = [r for r in regions if env or r in space.environments[acct_env].regions] or regions
            for r in tagged_resources(inside, env_regions, {**tags, "platform:env": acct_env}):
                found.setdefault(r.arn, r)
    return sorted(found.values(), key=lambda r: (r.region, r.arn))
