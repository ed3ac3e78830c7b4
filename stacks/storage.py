"""A private, encrypted S3 bucket: shared by the space's artifact bucket and the bucket offering."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from . import iam


@dataclass
class SecureBucketArgs:
    bucket_name: str
    kms_key_arn: pulumi.Input[str]
    tags: dict[str, str]
    versioning: bool = True
    noncurrent_expiry_days: int = 30
    intelligent_tiering: bool = False
    force_destroy: bool = False
    extra: dict = field(default_factory=dict)


class SecureBucket(pulumi.ComponentResource):
    """Bucket with versioning, SSE-KMS, public access block, owner-enforced ownership, a lifecycle and a policy
    denying every request not sent over TLS."""

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket_name, force_destroy=args.force_destroy,
                                    tags=args.tags, opts=child)
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-pab", bucket=self.bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        self.ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=self.bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": args.kms_key_arn},
                    "bucket_key_enabled": True}], opts=child)
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled" if args.versioning else "Suspended"}, opts=child)
        rule: dict = {"id": "expire-noncurrent", "status": "Enabled", "filter": {},
                      "noncurrent_version_expiration": {"noncurrent_days": args.noncurrent_expiry_days},
                      "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}
        if args.intelligent_tiering:
            rule["transitions"] = [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}]
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=self.bucket.id, rules=[rule],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]))
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy", bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda a: iam.to_json(iam.deny_insecure_transport("s3", [a, f"{a}/*"]))),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]))
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
