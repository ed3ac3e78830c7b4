"""Pure helpers of the engine: names, backend, secrets, config and environment of a unit."""

from __future__ import annotations

from platform_cli.engine.settings import (
    LOCAL_SERVICES, backend_url, build_job, project_settings, stack_config, stale_config_keys, unit_env,
)
from platform_cli.units import UnitTarget
from platform_cli.yamlio import RoundTrip


def test_job_of_a_space_unit_on_the_local_cloud(payments):
    ws = payments
    job = build_job(ws, UnitTarget("space/payments/prod/eu-west-3"), "up", local_endpoint="http://127.0.0.1:5123")
    assert (job.project, job.stack) == ("space.payments", "prod.eu-west-3")
    assert job.backend_url == f"file://{ws.root}/.platform/state"
    assert job.secrets_provider == "passphrase"
    assert job.env["PULUMI_CONFIG_PASSPHRASE_FILE"] == str(ws.root / ".platform" / "passphrase")
    assert job.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5123"
    assert job.env["AWS_ACCESS_KEY_ID"] == "testing" and job.env["AWS_REGION"] == "eu-west-3"
    assert job.config["aws:region"] == "eu-west-3"
    assert job.config["aws:s3UsePathStyle"] == "true"
    assert job.config["aws:skipCredentialsValidation"] == "true"
    assert job.config["aws:endpoints[0].s3"] == "http://127.0.0.1:5123"
    assert job.work_dir == str(ws.root / ".platform" / "engine" / "space.payments" / "prod.eu-west-3")
    # the job crosses a process boundary as plain data
    import pickle

    assert pickle.loads(pickle.dumps(job.to_dict())) == job.to_dict()


def test_job_for_aws_with_shared_backend_and_kms(payments):
    with RoundTrip(payments.root / "platform.yaml") as doc:
        doc["cloud"]["target"] = "aws"
        doc["state"]["url"] = "s3://acme-state/pulumi"
        doc["secrets"]["provider"] = "awskms://alias/acme-platform-secrets?region=eu-central-1"
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(payments.root)
    job = build_job(ws, UnitTarget("service/payments/api/dev/eu-central-1", release="1.2.3",
                                   service_file="svc/service.yaml"), "preview", local_endpoint=None)
    assert (job.project, job.stack) == ("service.payments.api", "dev.eu-central-1")
    assert job.backend_url == "s3://acme-state/pulumi"
    # the team as KMS encryption context: its CI role's grant names it (stacks.iam.state_backend_statements)
    assert job.secrets_provider == "awskms://alias/acme-platform-secrets?region=eu-central-1&context_platform-team=payments"
    assert "PULUMI_CONFIG_PASSPHRASE_FILE" not in job.env
    assert not any(k.startswith("AWS_") for k in job.env)  # real credentials come from the caller's environment
    assert not any(k.startswith("aws:endpoints") or k.startswith("aws:skip") for k in job.config)
    assert job.config["platform:release"] == "1.2.3"


def test_s3_backend_on_the_local_cloud_points_at_its_endpoint():
    url = backend_url("s3://state", "http://127.0.0.1:5123")
    assert url == "s3://state?endpoint=127.0.0.1%3A5123&disableSSL=true&s3ForcePathStyle=true"
    assert backend_url("file:///x/state", "http://127.0.0.1:5123") == "file:///x/state"
    assert backend_url("s3://state?region=eu-west-1", "http://127.0.0.1:1") == "s3://state?region=eu-west-1"


def test_local_config_covers_every_service_and_nothing_stale_survives_a_switch():
    local = stack_config("eu-central-1", "http://127.0.0.1:1", unit="space/t/dev/eu-central-1", release=None)
    assert {k.split(".", 1)[1] for k in local if k.startswith("aws:endpoints[0].")} == set(LOCAL_SERVICES)
    aws = stack_config("eu-central-1", None, unit="space/t/dev/eu-central-1", release=None)
    previous = ["aws:region", "aws:endpoints", "aws:s3UsePathStyle", "platform:unit", "platform:release", "other:key"]
    assert stale_config_keys(previous, aws) == ["aws:endpoints", "aws:s3UsePathStyle", "platform:release"]
    assert stale_config_keys(["aws:endpoints", "aws:region"], local) == []


def test_project_settings_and_env_without_local_cloud():
    ps = project_settings("space-payments", "file:///s", "/w")
    assert ps == {"name": "space-payments", "runtime": "python", "main": "/w",
                  "description": "platform: space-payments", "backend": {"url": "file:///s"}}
    env = unit_env(passphrase_file=None, region="us-east-1", local_endpoint=None, backend="s3://b")
    assert env == {"PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_BACKEND_URL": "s3://b"}


def test_the_secrets_provider_names_the_unit_team_once():
    from platform_cli.engine.settings import secrets_provider

    assert secrets_provider("passphrase", "payments") == "passphrase"
    url = "awskms://alias/k?region=eu-west-1&context_platform-team=search"  # written by hand: the unit's team wins
    assert secrets_provider(url, "payments") == "awskms://alias/k?region=eu-west-1&context_platform-team=payments"
    assert secrets_provider("awskms://alias/k", "shop") == "awskms://alias/k?context_platform-team=shop"
