"""The explicit AWS provider of a unit: region, the one account it may touch, the role it assumes there (an
account of the space's own), and the local cloud's endpoints when asked."""

from __future__ import annotations

from typing import Any

ENDPOINT_SERVICES = (
    "applicationautoscaling", "budgets", "cloudwatch", "cloudwatchlogs", "dynamodb", "ec2", "ecr", "ecs", "elasticache",
    "elbv2", "iam", "kms", "rds", "s3", "secretsmanager", "sns", "sqs", "sts",
)
"""Every AWS service the platform's programs call; all of them point at the local cloud."""

LOCAL_CREDENTIAL = "testing"
SESSION_PREFIX = "platform"


def session_name(unit: str) -> str:
    """The STS session name of a unit's provider (CloudTrail shows it): ``platform-space-TEAM-ENV-REGION``,
    within STS's 64 characters of ``[\\w+=,.@-]``."""
    from platform_cli.planning.names import shorten

    return shorten(f"{SESSION_PREFIX}-{unit}".replace("/", "-"), 64, sep="-")


def provider_args(region: str, *, account_id: str, local_endpoint: str | None = None,
                  assume_role_arn: str | None = None, session: str | None = None) -> dict[str, Any]:
    """Keyword arguments of ``aws.Provider`` for a unit (pure)."""
    args: dict[str, Any] = {"region": region}
    if assume_role_arn:
        args["assume_roles"] = [{"role_arn": assume_role_arn, "session_name": session or SESSION_PREFIX}]
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


def make_provider(name: str, region: str, *, account_id: str, local_endpoint: str | None = None,
                  assume_role_arn: str | None = None, session: str | None = None):
    import pulumi
    import pulumi_aws as aws

    args = provider_args(region, account_id=account_id, local_endpoint=local_endpoint, assume_role_arn=assume_role_arn,
                         session=session)
    if "secret_key" in args:
        args["secret_key"] = pulumi.Output.secret(args["secret_key"])
    return aws.Provider(name, **args)
