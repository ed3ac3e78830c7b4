"""The platform account's side of vended accounts' CI: the state bucket's, secrets key's and history
table's resource policies admit each vended environment's CI deploy roles for that team only.

The statements come from :func:`platform_cli.planning.platform_grants.platform_statements`; here they
replace the platform's earlier ones in each policy (every statement of another author is kept), and a
policy is written only when it changed. Part of `platform bootstrap`.
"""

from __future__ import annotations

import json

from ..planning.platform_grants import VendedCi, merged_policy, platform_statements
from .clients import ClientProvider, translate
from .oidc import BootstrapItem, _call


def vended_ci(ws) -> list[VendedCi]:
    """The CI of every active vended account of every readable, account-isolated space."""
    from .org_bootstrap import vended_accounts

    return [VendedCi(space.team, acct.env, tuple(space.environments[acct.env].regions), acct.account_id)
            for space, acct, _bp in vended_accounts(ws)]


def _same(a: dict | None, b: dict) -> bool:
    return a is not None and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def ensure_vended_ci_access(ws, clients: ClientProvider, names, key_arn: str, partition: str) -> list[BootstrapItem]:
    """Write the three resource policies when the vended CI they admit changed."""
    from botocore.exceptions import ClientError

    vended = vended_ci(ws)
    ddb = clients("dynamodb", names.region)
    table_arn = _call("reading the history table", ddb.describe_table, TableName=names.history_table)["Table"]["TableArn"]
    wanted = platform_statements(partition, state_bucket=names.state_bucket, state_prefix=names.state_prefix,
                                 key_arn=key_arn, table_arn=table_arn, vended=vended)
    who = [f"{c.team}/{c.env} ({c.account_id})" for c in vended]
    items = []

    s3 = clients("s3", names.region)
    try:
        current = json.loads(s3.get_bucket_policy(Bucket=names.state_bucket)["Policy"])
    except ClientError as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            raise translate(exc, f"reading the policy of {names.state_bucket}") from exc
        current = None
    policy = merged_policy(current, wanted["bucket"])
    items.append(_write("state-bucket-access", names.state_bucket, current, policy, who, lambda: _call(
        f"setting the policy of {names.state_bucket}", s3.put_bucket_policy, Bucket=names.state_bucket,
        Policy=json.dumps(policy))))

    kms = clients("kms", names.kms_region)
    key_current = json.loads(_call("reading the key policy", kms.get_key_policy, KeyId=key_arn, PolicyName="default")["Policy"])
    key_policy = merged_policy(key_current, wanted["key"])
    items.append(_write("kms-key-access", key_arn.rsplit("/", 1)[-1], key_current, key_policy, who, lambda: _call(
        "setting the key policy", kms.put_key_policy, KeyId=key_arn, PolicyName="default", Policy=json.dumps(key_policy))))

    try:
        table_current = json.loads(ddb.get_resource_policy(ResourceArn=table_arn)["Policy"])
    except ClientError as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") not in ("PolicyNotFoundException", "ResourceNotFoundException"):
            raise translate(exc, "reading the history table's policy") from exc
        table_current = None
    table_policy = merged_policy(table_current, wanted["table"])
    if table_current is None and not wanted["table"]:
        items.append(BootstrapItem("history-table-access", names.history_table, "found", ["no vended account"]))
    elif not table_policy["Statement"]:
        items.append(_write("history-table-access", names.history_table, table_current, table_policy, who, lambda: _call(
            "removing the history table's policy", ddb.delete_resource_policy, ResourceArn=table_arn)))
    else:
        items.append(_write("history-table-access", names.history_table, table_current, table_policy, who, lambda: _call(
            "setting the history table's policy", ddb.put_resource_policy, ResourceArn=table_arn,
            Policy=json.dumps(table_policy))))
    return items


def _write(kind: str, name: str, current: dict | None, wanted: dict, who: list[str], put) -> BootstrapItem:
    details = [f"CI of {w}" for w in who] or ["no vended account"]
    if _same(current, wanted) or (current is None and not wanted["Statement"]):
        return BootstrapItem(kind, name, "found", details)
    put()
    return BootstrapItem(kind, name, "updated", details)
