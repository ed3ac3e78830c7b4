"""The organization part of `platform bootstrap` (workspaces whose platform.yaml has ``organization``).

- the organization itself (found; on the local cloud created when there is none), with service
  control policies enabled on its root;
- the two OUs under the root (protected and unprotected environments);
- the SCPs :mod:`platform_cli.planning.guardrails` renders for the OUs, attached to both, and one
  account SCP per distinct (allowed regions, protected services) of the account-isolated blueprints;
- every vended account (active accounts recorded in readable space files) in its OU with its own
  blueprint's account SCP attached and any stale one detached, checked before anything is created
  in it; account SCPs no blueprint uses and nothing is attached to are deleted;
- in every vended account, the IAM OIDC providers its CI needs, and only those: the GitHub host's
  (platform.yaml ``ci.hosts``) when the space has a GitHub repository in ``ci_repos`` and its
  blueprint trusts GitHub, the GitLab instance's when it has a GitLab repository and the blueprint
  enables GitLab (with the audience of that environment); the hosts come from the one lookup the
  trust policies use (:func:`~platform_cli.planning.ci_hosts.oidc_host`);
- the platform's cost allocation tags activated (:mod:`.management`; the local cloud lacks
  Cost Explorer's calls, so there it is reported skipped).

Organizations, Cost Explorer and the roles into vended accounts run as the management account
(``organization.management_role``, or the caller when it is the management account).

Idempotent like the rest of bootstrap: found, updated (drift repaired), created or attached.
"""

from __future__ import annotations

from .oidc import BootstrapItem, ensure_oidc_provider
from .clients import ClientProvider
from .management import activate_cost_tags, ce_region, management_clients
from .org_fence import unused_account_policies
from .platform_role import require_engine_role
from .organizations import (OrgItem, assumed, ensure_attached, ensure_ou, ensure_policy, ensure_scp_type, org_region,
                            organization, root_id)


def _item(o: OrgItem) -> BootstrapItem:
    return BootstrapItem(o.kind, o.name, o.status, list(o.details) + ([f"id {o.id}"] if o.id and o.status != "found" else []))


def ci_issuers(ws, space, env: str) -> list[tuple[str, list[str]]]:
    """(issuer, audiences) of the OIDC providers one environment's account needs for the space's ci_repos."""
    from ..planning.ci_hosts import oidc_host
    from ..planning.ci_repos import PROVIDERS, repos_on

    bp = ws.catalog.blueprint(space.blueprint)
    out: list[tuple[str, list[str]]] = []
    for provider in PROVIDERS:
        host = oidc_host(ws.config.ci.hosts, provider, bp)
        if host is not None and repos_on(space.ci_repos, provider):
            out.append((host.issuer, host.audiences([env])))
    return out


def bootstrap_organization(ws, clients: ClientProvider, tags: dict[str, str]) -> list[BootstrapItem]:
    """Create or verify the OUs, SCPs and attachments, fence every vended account, then their OIDC providers."""
    from ..errors import CloudError
    from ..planning.guardrails import account_policies, account_policy_prefixes, service_control_policies

    cfg = ws.config.organization
    if cfg is None:
        return []
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    blueprints = ws.catalog.blueprints()
    policies = service_control_policies(ws.config, blueprints)  # rendered and checked before any call
    per_account = account_policies(ws.config, blueprints)
    managing = management_clients(clients, cfg, partition)
    require_engine_role(ws, clients)  # vended accounts' platform role trusts it alone: checked before any change
    orgs = managing("organizations", org_region(partition))
    org, created = organization(orgs, create=ws.config.cloud.target == "local")
    if org.get("MasterAccountId") != cfg.management_account_id:
        raise CloudError(
            f"the organization's management account is {org.get('MasterAccountId')}, but platform.yaml says "
            f"organization.management_account_id: {cfg.management_account_id}; no OU or SCP was changed",
            hint="correct organization.management_account_id, or use the management account's credentials")
    items = [BootstrapItem("organization", org["Id"], "created" if created else "found")]
    root = root_id(orgs)
    items.append(_item(ensure_scp_type(orgs, root)))
    policy_ids = []
    for p in policies:
        item = ensure_policy(orgs, p.name, p.description, p.text, tags)
        items.append(_item(item))
        policy_ids.append((item.id, p.name))
    for p in per_account:
        items.append(_item(ensure_policy(orgs, p.name, p.description, p.text, tags)))
    ou_ids = {}
    for ou_name in dict.fromkeys((cfg.protected_ou, cfg.unprotected_ou)):
        ou = ensure_ou(orgs, root, ou_name, tags)
        ou_ids[ou_name] = ou.id
        items.append(_item(ou))
        for pid, pname in policy_ids:
            items.append(_item(ensure_attached(orgs, pid, pname, ou.id, ou_name)))
    items += fence_vended_accounts(ws, orgs, ou_ids, tags)
    items += [_item(i) for i in unused_account_policies(orgs, account_policy_prefixes(ws.config.org), {p.name for p in per_account})]
    items += vended_account_providers(ws, managing, partition, tags)
    if ws.config.cloud.target == "local":
        items.append(BootstrapItem("cost-allocation-tags", "platform tags", "skipped",
                                   ["the local cloud (moto) does not implement Cost Explorer's ListCostAllocationTags and "
                                    "UpdateCostAllocationTagsStatus; against AWS they are activated here"]))
    else:
        items.append(activate_cost_tags(managing("ce", ce_region(partition))))
    return items


def vended_accounts(ws):
    """(space, account record, blueprint) of every active vended account of every readable, account-isolated space."""
    from ..errors import PlatformError

    spaces, _unreadable = ws.spaces()
    for space in spaces:
        try:
            bp = ws.catalog.blueprint(space.blueprint)
        except PlatformError:
            continue
        if bp.isolation != "account":
            continue
        for acct in space.accounts:
            if acct.state == "active" and acct.env in space.environments:
                yield space, acct, bp


def fence_vended_accounts(ws, orgs, ou_ids: dict[str, str], tags: dict[str, str]) -> list[BootstrapItem]:
    """Every vended account in its OU with its blueprint's account SCP (stale ones detached), checked."""
    from .org_fence import fence_account, fence_for, verify_fenced
    from .organizations import place_account

    cfg = ws.config.organization
    items = []
    for space, acct, bp in vended_accounts(ws):
        ou_name = cfg.ou_for(space.environments[acct.env].protected)
        label = f"the account of {space.team}/{acct.env} ({acct.account_id})"
        fence = fence_for(ws.config, bp)
        if place_account(orgs, acct.account_id, ou_ids[ou_name], ou_name):
            items.append(BootstrapItem("account", label, "updated", [f"moved into OU {ou_name}"]))
        items += [_item(i) for i in fence_account(orgs, acct.account_id, label, fence, tags) if i.kind != "scp"]
        verify_fenced(orgs, acct.account_id, label, ou_ids[ou_name], ou_name, fence)
    return items


def vended_account_providers(ws, clients: ClientProvider, partition: str, tags: dict[str, str]) -> list[BootstrapItem]:
    """The OIDC providers in every active vended account of every readable space (CLIENTS: the management account's)."""
    from .platform_role import platform_may_assume

    cfg = ws.config.organization
    items: list[BootstrapItem] = []
    for space, acct, _bp in vended_accounts(ws):
        trust = platform_may_assume(ws, clients, acct.account_id, f"{space.team}/{acct.env}")
        items += [trust] if trust is not None else []
        issuers = ci_issuers(ws, space, acct.env)
        if not issuers:
            continue
        iam = assumed(clients, acct.account_id, cfg.platform_role, partition=partition,
                      session_name=f"platform-bootstrap-{space.team}")("iam")
        for issuer, audiences in issuers:
            item = ensure_oidc_provider(iam, issuer, audiences, acct.account_id, partition, tags)
            item.name = f"{item.name} in {acct.account_id} ({space.team}/{acct.env})"
            items.append(item)
    return items
