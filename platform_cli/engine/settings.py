"""Pure helpers of the engine: what one unit's Pulumi stack is (project, stack, backend,
secrets provider, config, environment). No pulumi import, no I/O: tested on their own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from ..aws.clients import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY
from ..planning import names
from ..planning.tags import SECRETS_CONTEXT_KEY
from ..units import UnitTarget

ACTIONS = ("up", "preview", "refresh", "destroy", "outputs", "unlock", "drift", "export", "remove")
READS_EXISTING = ("drift", "export", "remove")
"""Actions on a stack that must already exist: they never create one (a missing stack has no state)."""

LOCAL_SERVICES = (
    "acm", "appautoscaling", "applicationautoscaling", "autoscaling", "budgets", "cloudtrail", "cloudwatch",
    "cloudwatchlogs", "dynamodb", "ec2", "ecr", "ecs", "elasticache", "elb", "elbv2", "events", "iam", "kms",
    "lambda", "logs", "rds", "resourcegroupstaggingapi", "route53", "s3", "s3control", "secretsmanager",
    "servicediscovery", "sns", "sqs", "ssm", "sts", "wafv2",
)
"""Every AWS service the stacks use, pointed at the local cloud when the target is local."""


@dataclass
class UnitJob:
    """Everything a worker process needs to run one action on one unit (picklable, plain data)."""

    root: str
    unit: str
    action: str
    project: str
    stack: str
    work_dir: str
    backend_url: str
    secrets_provider: str
    region: str
    release: str | None = None
    service_file: str | None = None
    local_endpoint: str | None = None
    config: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    message: str = ""
    destroy_provider: dict | None = None  # destroy with a provider-only program (accounts.destroying), or the state's

    def to_dict(self) -> dict:
        return asdict(self)


def backend_url(state_url: str, local_endpoint: str | None) -> str:
    """The Pulumi backend URL; an s3:// backend on the local cloud is pointed at its endpoint."""
    if not (local_endpoint and state_url.startswith("s3://")) or "?" in state_url:
        return state_url
    parsed = urlparse(local_endpoint)
    query = urlencode({"endpoint": parsed.netloc, "disableSSL": "true", "s3ForcePathStyle": "true"})
    return f"{state_url}?{query}"


def secrets_provider(provider: str, team: str) -> str:
    """Pulumi's --secrets-provider value of a unit of TEAM: 'passphrase', or the awskms:// URL with the team as
    KMS encryption context (``context_platform-team=TEAM``), so the shared key decrypts a team's stack secrets
    only for the roles granted that context (the team's CI deploy role, see ``stacks.iam.state_backend_statements``).

    Stacks created before the context was added were encrypted without it: ``pulumi stack change-secrets-provider``
    with this URL re-encrypts them."""
    if provider == "passphrase":
        return "passphrase"
    parsed = urlparse(provider)
    query = [(k, v) for k, v in parse_qsl(parsed.query) if k != f"context_{SECRETS_CONTEXT_KEY}"]
    query.append((f"context_{SECRETS_CONTEXT_KEY}", team))
    return urlunparse(parsed._replace(query=urlencode(query)))


def stack_config(region: str, local_endpoint: str | None, *, unit: str, release: str | None) -> dict[str, str]:
    """Stack config (keys in Pulumi's --path form): the region, and for the local cloud the
    endpoints of every service, path-style S3 and no credential, account or metadata checks."""
    config = {"aws:region": region, "platform:unit": unit}
    if release:
        config["platform:release"] = release
    if local_endpoint:
        config.update({
            "aws:skipCredentialsValidation": "true",
            "aws:skipRequestingAccountId": "true",
            "aws:skipMetadataApiCheck": "true",
            "aws:skipRegionValidation": "true",
            "aws:s3UsePathStyle": "true",
        })
        for service in LOCAL_SERVICES:
            config[f"aws:endpoints[0].{service}"] = local_endpoint
    return config


def stale_config_keys(current: list[str], wanted: dict[str, str]) -> list[str]:
    """Keys set by an earlier run that this run does not set (e.g. local endpoints after a
    switch to AWS): they are removed so that nothing stale reaches the provider."""
    wanted_roots = {k.split("[")[0].split(".")[0] for k in wanted}
    return sorted(k for k in current if k.startswith(("aws:", "platform:")) and k not in wanted_roots)


def unit_env(*, passphrase_file: str | None, region: str, local_endpoint: str | None,
             backend: str) -> dict[str, str]:
    """Environment of every pulumi command of a unit. Credentials for AWS are inherited from
    the caller's environment; for the local cloud they are moto's fixed test values."""
    env = {"PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_BACKEND_URL": backend}
    if passphrase_file:
        env["PULUMI_CONFIG_PASSPHRASE_FILE"] = passphrase_file
    if local_endpoint:
        env.update({
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": local_endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        })
    return env


def project_settings(project: str, backend: str, work_dir: str) -> dict:
    """Pulumi.yaml of a unit's project: inline Python program, the workspace's backend."""
    return {"name": project, "runtime": "python", "main": work_dir,
            "description": f"platform: {project}", "backend": {"url": backend}}


def work_dir_for(local_dir: Path, unit: str) -> Path:
    """Per-unit folder holding Pulumi.yaml and Pulumi.<stack>.yaml (its config and encryption salt)."""
    return local_dir / "engine" / names.pulumi_project(unit) / names.pulumi_stack(unit)


def build_job(ws, target: UnitTarget, action: str, *, local_endpoint: str | None) -> UnitJob:
    """The job of one action on one unit of workspace ``ws``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown engine action {action!r}")
    region = names.parse_unit(target.unit)["region"]
    backend = backend_url(ws.state_url(), local_endpoint)
    provider = ws.config.secrets.provider
    passphrase = str(ws.passphrase_path()) if provider == "passphrase" else None
    work_dir = work_dir_for(ws.local_dir, target.unit)
    return UnitJob(
        root=str(ws.root), unit=target.unit, action=action,
        project=names.pulumi_project(target.unit), stack=names.pulumi_stack(target.unit),
        work_dir=str(work_dir), backend_url=backend, secrets_provider=secrets_provider(provider, names.parse_unit(target.unit)["team"]), region=region,
        release=target.release, service_file=target.service_file, local_endpoint=local_endpoint,
        config=stack_config(region, local_endpoint, unit=target.unit, release=target.release),
        env=unit_env(passphrase_file=passphrase, region=region, local_endpoint=local_endpoint, backend=backend),
        message=f"platform {action} {target.unit}" + (f" {target.release}" if target.release else ""),
    )
