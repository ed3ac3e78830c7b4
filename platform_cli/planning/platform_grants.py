"""What the CI of a vended account may reach in the platform account (pure: no AWS call).

A space with ``isolation: account`` deploys from its own account, but its units' Pulumi state, the
secrets key and the history table stay in the platform account. A cross-account request needs
both sides to allow it: the CI deploy role's own policy (rendered with the space) and the
resource's policy here. These statements are that second side, and they admit exactly what the
role's own policy asks for, for that team only:

- state bucket: the team's stacks of that environment's regions (the object keys the engine's
  naming functions give, as :func:`stacks.iam.ci_grants.state_backend_statements` computes them);
- secrets key: encrypt and decrypt only with the team's encryption context, and S3's use of the
  key for the state objects of this bucket;
- history table: only the items whose partition key is the team's (``team#TEAM``, ``lock#TEAM/...``).

The principal is the vended account (``arn:...:iam::ACCOUNT:root``, which always exists: S3, KMS
and DynamoDB refuse a policy naming a role that does not exist yet), narrowed by
``aws:PrincipalArn`` to the CI deploy roles of that environment, named as the space stack names them.
Every statement's Sid starts with :data:`SID_PREFIX`; bootstrap replaces those and keeps the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from . import names

SID_PREFIX = "PlatformCi"


@dataclass(frozen=True)
class VendedCi:
    """The CI of one environment of an account-isolated space."""

    team: str
    env: str
    regions: tuple[str, ...]
    account_id: str


def ci_role_name(team: str, env: str, region: str) -> str:
    """The CI deploy role of a space unit, as the space stack names it."""
    return names.resource_name(names.space_prefix(team, env, region), "ci-deploy", max_len=64)


def ci_role_arns(partition: str, ci: VendedCi) -> list[str]:
    return [f"arn:{partition}:iam::{ci.account_id}:role/{ci_role_name(ci.team, ci.env, r)}" for r in ci.regions]


def _sid(kind: str, ci: VendedCi) -> str:
    digest = hashlib.sha256(f"{ci.team}/{ci.env}".encode()).hexdigest()[:10]
    return f"{SID_PREFIX}{kind}{digest}"


def _admit(statement: dict[str, Any], ci: VendedCi, partition: str, *, resource: Any = None) -> dict[str, Any]:
    st = {k: v for k, v in statement.items() if k != "Sid"}
    st["Sid"] = _sid(statement["Sid"], ci)
    st["Principal"] = {"AWS": f"arn:{partition}:iam::{ci.account_id}:root"}
    if resource is not None:
        st["Resource"] = resource
    condition = {op: dict(block) for op, block in (st.get("Condition") or {}).items()}
    condition.setdefault("ArnEquals", {})["aws:PrincipalArn"] = ci_role_arns(partition, ci)
    st["Condition"] = condition
    return {"Sid": st.pop("Sid"), **st}


def _merged(per_region: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The statements of several regions, one per Sid with the union of their resources (conditions are equal)."""
    out: dict[str, dict[str, Any]] = {}
    for statements in per_region:
        for st in statements:
            have = out.setdefault(st["Sid"], {**st, "Resource": []})
            for r in st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]:
                if r not in have["Resource"]:
                    have["Resource"].append(r)
    return list(out.values())


def platform_statements(partition: str, *, state_bucket: str | None, state_prefix: str, key_arn: str | None,
                        table_arn: str | None, vended: list[VendedCi]) -> dict[str, list[dict[str, Any]]]:
    """Statements to add to the state bucket's, the secrets key's and the history table's policies."""
    from stacks.iam.ci_grants import history_statements, state_backend_statements

    out: dict[str, list[dict[str, Any]]] = {"bucket": [], "key": [], "table": []}
    for ci in vended:
        merged = _merged([state_backend_statements(partition, ci.team, ci.env, r, state_bucket, state_prefix, key_arn)
                          for r in ci.regions])
        for st in merged:
            if st["Sid"].startswith("State") and st["Sid"].endswith("Key"):
                out["key"].append(_admit(st, ci, partition, resource="*"))  # a key policy governs its own key
            else:
                out["bucket"].append(_admit(st, ci, partition))
        out["table"] += [_admit(st, ci, partition) for st in history_statements(table_arn, ci.team)]
    return out


def merged_policy(current: dict[str, Any] | None, platform: list[dict[str, Any]]) -> dict[str, Any]:
    """CURRENT with the platform's CI statements replaced by PLATFORM (every other statement kept, in order)."""
    kept = [st for st in (current or {}).get("Statement", []) if not str(st.get("Sid", "")).startswith(SID_PREFIX)]
    return {"Version": (current or {}).get("Version", "2012-10-17"), "Statement": [*kept, *platform]}
