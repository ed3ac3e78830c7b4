"""The reserved tag of the platform's shared resources (state bucket, KMS key, history table, OIDC providers).

Every shared resource carries ``platform:space = platform:shared`` (:data:`platform_cli.planning.tags.SHARED_SPACE`),
a value no space can have, so no grant that selects a space's resources by their tag reaches it. Bootstrap tags what it
creates; for what it finds, the tags missing are added and no tag is removed or changed.
"""

from __future__ import annotations

from typing import Any

from ..planning.tags import SHARED_SPACE

SHARED_TAGS_KEY = "platform:space"


def shared_tags(base: dict[str, str]) -> dict[str, str]:
    """BASE with the reserved space tag."""
    return {**base, SHARED_TAGS_KEY: SHARED_SPACE}


def _missing(have: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in wanted.items() if k not in have}


def tag_kms_key(kms, key_id: str, tags: dict[str, str], call) -> list[str]:
    have = {t["TagKey"]: t["TagValue"] for t in call("reading the KMS key's tags", kms.list_resource_tags,
                                                   KeyId=key_id).get("Tags", [])}
    add = _missing(have, tags)
    if add:
        call("tagging the KMS key", kms.tag_resource, KeyId=key_id,
             Tags=[{"TagKey": k, "TagValue": v} for k, v in add.items()])
    return _changes(add)


def tag_bucket(s3, bucket: str, tags: dict[str, str], call) -> list[str]:
    from botocore.exceptions import ClientError

    try:
        have = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":
            raise
        have = {}
    add = _missing(have, tags)
    if add:
        call(f"tagging bucket {bucket}", s3.put_bucket_tagging, Bucket=bucket,
             Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in {**have, **add}.items()]})
    return _changes(add)


def tag_table(ddb, table: str, tags: dict[str, str], call) -> list[str]:
    arn = call(f"reading table {table}", ddb.describe_table, TableName=table)["Table"]["TableArn"]
    have = {t["Key"]: t["Value"] for t in call(f"reading the tags of {table}", ddb.list_tags_of_resource,
                                               ResourceArn=arn).get("Tags", [])}
    add = _missing(have, tags)
    if add:
        call(f"tagging table {table}", ddb.tag_resource, ResourceArn=arn,
             Tags=[{"Key": k, "Value": v} for k, v in add.items()])
    return _changes(add)


def tag_oidc_provider(iam, arn: str, tags: dict[str, str], call) -> list[str]:
    have = {t["Key"]: t["Value"] for t in call("reading the OIDC provider's tags", iam.list_open_id_connect_provider_tags,
                                               OpenIDConnectProviderArn=arn).get("Tags", [])}
    add = _missing(have, tags)
    if add:
        call("tagging the OIDC provider", iam.tag_open_id_connect_provider, OpenIDConnectProviderArn=arn,
             Tags=[{"Key": k, "Value": v} for k, v in add.items()])
    return _changes(add)


def _changes(added: dict[str, Any]) -> list[str]:
    return [f"tag {k}={v} added" for k, v in added.items()]
