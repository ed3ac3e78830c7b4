"""The organization part of `platform bootstrap` (workspaces whose platform.yaml has ``organization``).

- the organization itself (found; on the local cloud created when there is none), with service
  control policies enabled on its root;
- the two OUs under the root (protected and unprotected environments);
- the SCPs :mod:`platform_cli.planning.guardrails` renders, attached to both OUs;
- in every vended account (active accounts recorded in readable space files), the IAM OIDC
  providers its CI needs, and only those: GitHub's when the space has a GitHub repository in
  ``ci_repos`` and its blueprint trusts GitHub, the blueprint's GitLab instance when it has a
  GitLab repository and the blueprint enables GitLab (with the audience of that environment).

Idempotent like the rest of bootstrap: found, updated (drift repaired), created or attached.
"""

from __future__ import annotations

from .oidc import GITHUB_AUDIENCE, GITHUB_ISSUER, BootstrapItem, ensure_oidc_provider
from .clients import ClientProvider
from .organizations import (OrgItem, assumed, ensure_attached, ensure_ou, ensure_policy, ensure_scp_type, org_region,
                            organization, root_id)


def _item(o: OrgItem) -> BootstrapItem:
    return BootstrapItem(o.kind, o.name, o.status, list(o.details) + ([f"id {o.id}"] if o.id and o.status != "found" else []))


def ci_issuers(ws, space, env: str) -> list[tuple[str, list[str]]]:
    """(issuer, audiences) of the OIDC providers one environment's account needs for the space's ci_repos."""
    from ..planning import names
    from ..planning.ci_repos import repos_on

    bp = ws.catalog.blueprint(space.blueprint)
    out: list[tuple[str, list[str]]] = []
    if bp.access.github_oidc and repos_on(space.ci_repos, "github"):
        out.append((GITHUB_ISSUER, [GITHUB_AUDIENCE]))
    if bp.access.gitlab.enabled and repos_on(space.ci_repos, "gitlab"):
        url = bp.access.gitlab.url.rstrip("/")
        out.append((url, [url, names.ci_audience(url, env)]))
    return out


def bootstrap_organization(ws, clients: ClientProvider, tags: dict[str, str]) -> list[BootstrapItem]:
    """Create or verify the OUs, SCPs and attachments, then the OIDC providers of vended accounts."""
    from ..errors import CloudError
    from ..planning.guardrails import service_control_policies

    cfg = ws.config.organization
    if cfg is None:
        return []
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    policies = service_control_policies(ws.config, ws.catalog.blueprints())  # rendered and checked before any call
    orgs = clients("organizations", org_region(partition))
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
    for ou_name in dict.fromkeys((cfg.protected_ou, cfg.unprotected_ou)):
        ou = ensure_ou(orgs, root, ou_name, tags)
        items.append(_item(ou))
        for pid, pname in policy_ids:
            items.append(_item(ensure_attached(orgs, pid, pname, ou.id, ou_name)))
    items += vended_account_providers(ws, clients, partition, tags)
    return items


def vended_account_providers(ws, clients: ClientProvider, partition: str, tags: dict[str, str]) -> list[BootstrapItem]:
    """The OIDC providers in every active vended account of every readable space."""
    cfg = ws.config.organization
    spaces, _unreadable = ws.spaces()
    items: list[BootstrapItem] = []
    for space in spaces:
        for acct in space.accounts:
            if acct.state != "active" or acct.env not in space.environments:
                continue
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
