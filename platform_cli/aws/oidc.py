"""IAM OIDC providers that CI deploy roles trust, created or completed (never narrowed), and the item
every bootstrap step reports. Which providers, with which issuer and audiences, comes from
:func:`platform_cli.planning.ci_hosts.oidc_host` (platform.yaml ``ci.hosts``), for the platform account
(:mod:`.bootstrap`) and for every vended account (:mod:`.org_bootstrap`) alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CloudError
from ..planning.ci_hosts import GITHUB_AUDIENCE, GITHUB_COM_ISSUER as GITHUB_ISSUER  # noqa: F401 (this module's API)
from .clients import translate
from .shared_tags import mark_tagged, tag_oidc_provider
MAX_CLIENT_IDS = 100  # IAM's limit of client ids per OIDC provider


@dataclass
class BootstrapItem:
    kind: str  # state-bucket | kms-key | history-table | oidc-provider | organization | scp | organizational-unit ...
    name: str
    status: str  # created | found | updated
    details: list[str] = field(default_factory=list)



def _call(action: str, fn, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action) from exc


def ensure_oidc_provider(iam, issuer: str, audiences: list[str], account: str, partition: str,
                          tags: dict[str, str]) -> BootstrapItem:
    """Create the provider with these client ids, or add the missing ones; never remove one."""
    host_path = issuer.removeprefix("https://").rstrip("/")
    arn = f"arn:{partition}:iam::{account}:oidc-provider/{host_path}"

    def check_limit(total: list[str]) -> None:
        if len(total) > MAX_CLIENT_IDS:
            raise CloudError(
                f"OIDC provider {host_path} would need {len(total)} client ids (audiences), but IAM allows at most "
                f"{MAX_CLIENT_IDS}; nothing was added",
                hint="remove unused environments from the team spaces, or remove client ids no space uses any more "
                     "from the provider (aws iam remove-client-id-from-open-id-connect-provider), then run "
                     "`platform bootstrap` again")

    existing = {p["Arn"] for p in _call("listing OIDC providers", iam.list_open_id_connect_providers)
                .get("OpenIDConnectProviderList", [])}
    if arn not in existing:
        check_limit(audiences)
        # No thumbprint: IAM verifies these issuers through its own library of trusted root CAs.
        _call(f"creating OIDC provider {host_path}", iam.create_open_id_connect_provider,
              Url=issuer, ClientIDList=list(audiences), Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return BootstrapItem("oidc-provider", host_path, "created", [f"audience {a}" for a in audiences])
    desc = _call(f"reading OIDC provider {host_path}", iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)
    have = list(desc.get("ClientIDList", []))
    missing = [a for a in audiences if a not in have]
    tagged = tag_oidc_provider(iam, arn, tags, _call)
    if not missing:
        item = BootstrapItem("oidc-provider", host_path, "found", [f"audience {a}" for a in audiences])
        return mark_tagged(item, tagged)
    check_limit(have + missing)
    for audience in missing:
        _call(f"adding audience {audience} to {host_path}", iam.add_client_id_to_open_id_connect_provider,
              OpenIDConnectProviderArn=arn, ClientID=audience)
    return BootstrapItem("oidc-provider", host_path, "updated", [f"audience {a} added" for a in missing] + tagged)
