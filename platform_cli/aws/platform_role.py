"""The platform role of a vended account trusts the platform account too, when that is not the management account.

Organizations creates ``organization.platform_role`` in a new account trusting the management account alone. The
region units' providers assume it with the engine's credentials, which are the platform account's
(``cloud.account_id``); when that is another account (``organization.management_role`` is how the platform reaches the
management account then), the role must trust the platform account as well. The statement is added by the platform
role itself (the ``protect-platform-role`` guardrail lets only that role change its trust), once, beside every
statement already there.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from .oidc import BootstrapItem, _call

SID = "PlatformAccountDeploys"


def platform_trust_statement(partition: str, platform_account_id: str) -> dict:
    return {"Sid": SID, "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{platform_account_id}:root"},
            "Action": "sts:AssumeRole"}


def trusted_document(current: dict, statement: dict) -> dict | None:
    """CURRENT with STATEMENT in place of the platform's earlier one (same Sid); None when it is there already."""
    kept = [st for st in current.get("Statement", []) if st.get("Sid") != SID]
    if len(kept) < len(current.get("Statement", [])) and statement in current.get("Statement", []):
        return None
    return {"Version": current.get("Version", "2012-10-17"), "Statement": [*kept, statement]}


def ensure_platform_trust(iam, role_name: str, label: str, partition: str, platform_account_id: str) -> BootstrapItem:
    """IAM (acting as the platform role in a vended account): the role trusts PLATFORM_ACCOUNT_ID as well."""
    role = _call(f"reading role {role_name} of {label}", iam.get_role, RoleName=role_name)["Role"]
    doc = role["AssumeRolePolicyDocument"]
    if isinstance(doc, str):
        doc = json.loads(unquote(doc))
    wanted = trusted_document(doc, platform_trust_statement(partition, platform_account_id))
    name = f"{role_name} in {label}"
    if wanted is None:
        return BootstrapItem("platform-role-trust", name, "found", [f"trusts the platform account {platform_account_id}"])
    _call(f"letting the platform account {platform_account_id} assume {role_name} in {label}",
          iam.update_assume_role_policy, RoleName=role_name, PolicyDocument=json.dumps(wanted))
    return BootstrapItem("platform-role-trust", name, "updated", [f"trusts the platform account {platform_account_id}"])


def platform_may_assume(ws, managing, account_id: str, label: str) -> BootstrapItem | None:
    """When the platform account is not the management account, the vended account's platform role trusts it too
    (MANAGING: the management account's client provider). None when they are one account."""
    from .organizations import assumed

    cfg = ws.config.organization
    if ws.config.cloud.account_id == cfg.management_account_id:
        return None
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    iam = assumed(managing, account_id, cfg.platform_role, partition=partition, session_name="platform-vending")("iam")
    return ensure_platform_trust(iam, cfg.platform_role, f"{account_id} ({label})", partition, ws.config.cloud.account_id)
