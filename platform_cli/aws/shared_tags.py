"""The reserved tag of the platform's shared resources (state bucket, KMS key, history table, OIDC providers).

Every shared resource carries ``platform:space = platform:shared`` (:data:`platform_cli.planning.tags.SHARED_SPACE`),
a value no space can have, so no grant that selects a space's resources by their tag reaches it. Bootstrap tags what it
creates; for what it finds, the tags missing are added and no tag is removed or changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..planning.tags import SHARED_SPACE

SHARED_TAGS_KEY = "platform:space"


def shared_tags(base: dict[str, str]) -> dict[str, str]:
    """BASE with the reserved space tag."""
    return {**base, SHARED_TAGS_KEY: SHARED_SPACE}


def _add_missing(have: dict[str, str], wanted: dict[str, str], write: Callable[[dict[str, str]], Any]) -> list[str]:
    """Write the WANTED tags not in HAVE (never changing one there); what was added, as report lines."""
    add = {k: v for k, v in wanted.items() if k not in have}
    if add:
        write(add)
    return [f"tag {k}={v} added" for k, v in add.items()]


def _pairs(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def tag_kms_key(kms, key_id: str, tags: dict[str, str], call) -> list[str]:
    listed = call("reading the KMS key's tags", kms.list_resource_tags, KeyId=key_id).get("Tags", [])
    return _add_missing({t["TagKey"]: t["TagValue"] for t in listed}, tags, lambda add: call(
        "tagging the KMS key", kms.tag_resource, KeyId=key_id, Tags=_pairs(add, "TagKey", "TagValue")))


def tag_bucket(s3, bucket: str, tags: dict[str, str], call) -> list[str]:
    from botocore.exceptions import ClientError

    try:
        have = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":
            raise
        have = {}
    return _add_missing(have, tags, lambda add: call(  # S3 replaces the whole tag set: keep what is there
        f"tagging bucket {bucket}", s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": _pairs({**have, **add})}))


def tag_table(ddb, table: str, tags: dict[str, str], call) -> list[str]:
    arn = call(f"reading table {table}", ddb.describe_table, TableName=table)["Table"]["TableArn"]
    listed = call(f"reading the tags of {table}", ddb.list_tags_of_resource, ResourceArn=arn).get("Tags", [])
    return _add_missing({t["Key"]: t["Value"] for t in listed}, tags, lambda add: call(
        f"tagging table {table}", ddb.tag_resource, ResourceArn=arn, Tags=_pairs(add)))


def tag_oidc_provider(iam, arn: str, tags: dict[str, str], call) -> list[str]:
    listed = call("reading the OIDC provider's tags", iam.list_open_id_connect_provider_tags,
                  OpenIDConnectProviderArn=arn).get("Tags", [])
    return _add_missing({t["Key"]: t["Value"] for t in listed}, tags, lambda add: call(
        "tagging the OIDC provider", iam.tag_open_id_connect_provider, OpenIDConnectProviderArn=arn, Tags=_pairs(add)))


def mark_tagged(item, changes: list[str]):
    """Record tag changes on a found resource's bootstrap item (it is then updated)."""
    if changes:
        item.details += changes
        item.status = "updated" if item.status == "found" else item.status
    return item
