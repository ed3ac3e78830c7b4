"""The platform role of a vended account trusts the platform's engine role too, when the platform account is not the
management account.

Organizations creates ``organization.platform_role`` in a new account trusting the management account alone. The
region units' providers assume it with the engine's credentials, which are the platform account's
(``cloud.account_id``); when that is another account (``organization.management_role`` is how the platform reaches the
management account then), the role must trust the engine as well, and nothing else of the platform account: one
statement naming the engine role (``organization.engine_role``) as its principal, with ``aws:PrincipalArn`` matched
exactly against the same ARN, no account root and no wildcard. A team's CI role, a developer's role or any other
principal of the platform account cannot assume it. The statement is added by the platform role itself (the
``protect-platform-role`` guardrail lets only that role change its trust), once, beside every statement already there,
replacing the platform's earlier one (the same Sid), which trusted the platform account's root.

IAM refuses a trust policy naming a role that does not exist, and a role named in one is bound to the role's unique
id: a deleted and re-created engine role is trusted again only once the statement is written anew (the next `platform
bootstrap` or `space apply` finds it changed and writes it). So vending and bootstrap check first that the engine role
exists (:func:`require_engine_role`, exit 7 otherwise, before anything is created or recorded).
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from ..errors import CloudError
from .oidc import BootstrapItem, _call

SID = "PlatformAccountDeploys"


def engine_role_arn(partition: str, platform_account_id: str, engine_role: str) -> str:
    return f"arn:{partition}:iam::{platform_account_id}:role/{engine_role}"


def platform_trust_statement(partition: str, platform_account_id: str, engine_role: str) -> dict:
    """The statement that lets the engine role of the platform account, and it alone, assume the platform role."""
    arn = engine_role_arn(partition, platform_account_id, engine_role)
    return {"Sid": SID, "Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": arn}}}


def trusted_document(current: dict, statement: dict) -> dict | None:
    """CURRENT with STATEMENT in place of the platform's earlier one (same Sid); None when it is there already."""
    kept = [st for st in current.get("Statement", []) if st.get("Sid") != SID]
    if len(kept) < len(current.get("Statement", [])) and statement in current.get("Statement", []):
        return None
    return {"Version": current.get("Version", "2012-10-17"), "Statement": [*kept, statement]}


def ensure_platform_trust(iam, role_name: str, label: str, statement: dict) -> BootstrapItem:
    """IAM (acting as the platform role in a vended account): the role trusts STATEMENT's principal as well."""
    role = _call(f"reading role {role_name} of {label}", iam.get_role, RoleName=role_name)["Role"]
    doc = role["AssumeRolePolicyDocument"]
    if isinstance(doc, str):
        doc = json.loads(unquote(doc))
    wanted = trusted_document(doc, statement)
    name = f"{role_name} in {label}"
    engine = statement["Principal"]["AWS"]
    if wanted is None:
        return BootstrapItem("platform-role-trust", name, "found", [f"trusts the engine role {engine}"])
    _call(f"letting the engine role {engine} assume {role_name} in {label}",
          iam.update_assume_role_policy, RoleName=role_name, PolicyDocument=json.dumps(wanted))
    return BootstrapItem("platform-role-trust", name, "updated", [f"trusts the engine role {engine} (and no other principal "
                                                                 "of the platform account)"])


def apart(ws) -> bool:
    """Whether the platform account (where the engine runs) is not the organization's management account."""
    return ws.config.cloud.account_id != ws.config.organization.management_account_id


def require_engine_role(ws, platform_clients) -> None:
    """Refuse (CloudError, exit 7) unless the platform account has the engine role (PLATFORM_CLIENTS: credentials in the
    platform account). Nothing to check when the platform account is the management account."""
    if not apart(ws):
        return
    from botocore.exceptions import ClientError

    cfg = ws.config.organization
    arn = engine_role_arn(ws.catalog.partition(ws.config.cloud.default_region), ws.config.cloud.account_id, cfg.engine_role)
    try:
        platform_clients("iam").get_role(RoleName=cfg.engine_role)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            from .clients import translate

            raise translate(exc, f"reading the engine role {arn}") from exc
        raise CloudError(
            f"the platform account {ws.config.cloud.account_id} has no role {cfg.engine_role} "
            f"(organization.engine_role): each vended account's {cfg.platform_role} trusts only {arn} from the platform "
            "account, so the engine could not deploy into them; nothing was created or recorded",
            hint=f"create the role {cfg.engine_role} in account {ws.config.cloud.account_id} (assumable by whoever runs "
                 "the platform: its CI's OIDC role, an SSO role) and run the platform with its credentials, or set "
                 "organization.engine_role in platform.yaml to the role the engine runs as") from None


def platform_may_assume(ws, managing, account_id: str, label: str) -> BootstrapItem | None:
    """When the platform account is not the management account, the vended account's platform role trusts the engine
    role too (MANAGING: the management account's client provider). None when they are one account."""
    from .organizations import assumed

    if not apart(ws):
        return None
    cfg = ws.config.organization
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    iam = assumed(managing, account_id, cfg.platform_role, partition=partition, session_name="platform-vending")("iam")
    return ensure_platform_trust(iam, cfg.platform_role, f"{account_id} ({label})",
                                 platform_trust_statement(partition, ws.config.cloud.account_id, cfg.engine_role))
