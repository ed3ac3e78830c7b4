"""The explicit AWS provider of a unit: region, and the local cloud's endpoints when asked."""

from __future__ import annotations

from typing import Any

ENDPOINT_SERVICES = (
    "applicationautoscaling", "budgets", "cloudwatch", "cloudwatchlogs", "dynamodb", "ec2", "ecr", "ecs", "elasticache",
    "elbv2", "iam", "kms", "rds", "s3", "secretsmanager", "sns", "sqs", "sts",
)
"""Every AWS service the platform's programs call; all of them point at the local cloud."""

LOCAL_CREDENTIAL = "testing"


def provider_args(region: str, *, account_id: str, local_endpoint: str | None = None) -> dict[str, Any]:
    """Keyword arguments of ``aws.Provider`` for a unit (pure)."""
    args: dict[str, Any] = {"region": region}
    if not local_endpoint:
        args["allowed_account_ids"] = [account_id]  # never touch another account by mistake
    else:
        args.update(
            endpoints=[{s: local_endpoint for s in ENDPOINT_SERVICES}],
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
            s3_use_path_style=True,
            access_key=LOCAL_CREDENTIAL,
            secret_key=LOCAL_CREDENTIAL,
        )
    return args


def make_provider(name: str, region: str, *, account_id: str, local_endpoint: str | None = None):
    import pulumi
    import pulumi_aws as aws

    args = provider_args(region, account_id=account_id, local_endpoint=local_endpoint)
    if "secret_key" in args:
        args["secret_key"] = pulumi.Output.secret(args["secret_key"])
    return aws.Provider(name, **args)
