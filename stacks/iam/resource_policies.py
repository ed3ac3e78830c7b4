"""Resource policies: documents attached to the space's resources (its KMS key; every bucket, queue and topic)."""

from __future__ import annotations

from typing import Any

from .documents import dns_suffix, doc


def kms_key_policy(partition: str, region: str, account: str) -> dict[str, Any]:
    """Key policy: the account administers the key; CloudWatch Logs of this region may use it."""
    return doc(
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
         "Action": ["kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
                    "kms:DescribeKey", "kms:DisableKey", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt",
                    "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
                    "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy",
                    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
                    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
                    "kms:UpdateKeyDescription"],
         "Resource": "*"},
        {"Sid": "CloudWatchLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.{dns_suffix(partition)}"},
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ReEncryptFrom",
                    "kms:ReEncryptTo"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:*"}}},
    )




TRANSPORT_SERVICES = ("s3", "sqs", "sns")


def deny_insecure_transport(service: str, resources: list[str]) -> dict[str, Any]:
    """Resource policy of a bucket, queue or topic: every request not sent over TLS is denied
    (``aws:SecureTransport`` is ``false``), whoever sends it. Access itself comes from identity policies."""
    if service not in TRANSPORT_SERVICES:
        raise ValueError(f"no transport policy for {service!r}")
    return doc({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": f"{service}:*",
                "Resource": list(resources), "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
