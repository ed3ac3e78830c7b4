"""`platform doctor --check-aws` (one STS call) and the local cloud check, against moto's server."""

from __future__ import annotations

import json

from platform_cli.aws.local_cloud import free_port
from platform_cli.yamlio import RoundTrip


def _checks(result):
    data = json.loads(result.stdout)
    return data, {c["name"]: c for c in data["checks"]}


def _creds(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


def test_check_aws_reports_the_identity_and_the_running_local_cloud(run_cli, ws_on_cloud, fresh_cloud, monkeypatch):
    _creds(monkeypatch, fresh_cloud)
    r = run_cli("-w", str(ws_on_cloud.root), "doctor", "--check-aws", "--json")
    assert r.exit_code == 0, r.stderr
    data, checks = _checks(r)
    assert checks["aws-credentials"]["status"] == "ok"
    assert checks["aws-identity"]["status"] == "ok" and "account 123456789012" in checks["aws-identity"]["detail"]
    assert checks["local-cloud"]["status"] == "ok" and fresh_cloud in checks["local-cloud"]["detail"]


def test_check_aws_fails_for_another_account(run_cli, ws_on_cloud, fresh_cloud, monkeypatch):
    _creds(monkeypatch, fresh_cloud)
    with RoundTrip(ws_on_cloud.root / "platform.yaml") as doc:
        doc["cloud"]["account_id"] = "111111111111"
    r = run_cli("-w", str(ws_on_cloud.root), "doctor", "--check-aws", "--json")
    assert r.exit_code == 7
    assert "expects account 111111111111" in r.stderr
    data, checks = _checks(r)
    assert data["ok"] is False
    assert "expects account 111111111111" in checks["aws-identity"]["detail"]


def test_check_aws_with_unreachable_aws_fails_cleanly(run_cli, workspace, monkeypatch):
    _creds(monkeypatch, f"http://127.0.0.1:{free_port()}")
    r = run_cli("-w", str(workspace.root), "doctor", "--check-aws")
    assert r.exit_code == 7
    assert "aws-identity" in r.stdout and "FAIL" in r.stdout
    assert "Traceback" not in r.stderr


def test_check_aws_fails_without_the_engine_role_and_says_when_the_credentials_are_not_its(run_cli, ws_on_cloud,
                                                                                          fresh_cloud, monkeypatch):
    from platform_cli.aws.clients import ClientProvider
    from platform_cli.aws.organizations import assumed

    _creds(monkeypatch, fresh_cloud)
    with RoundTrip(ws_on_cloud.root / "platform.yaml") as doc:  # the platform account apart from the management one
        doc["organization"] = {"management_account_id": "111111111111", "management_role": "platform-organizations",
                               "account_email": "aws+{org}.{team}.{env}@example.com"}
    r = run_cli("-w", str(ws_on_cloud.root), "doctor", "--check-aws", "--json")
    assert r.exit_code == 7, r.stderr
    _data, checks = _checks(r)
    assert checks["aws-identity"]["status"] == "ok"
    assert checks["engine-role"]["status"] == "fail"
    assert "has no role platform-engine (organization.engine_role)" in checks["engine-role"]["detail"]
    assert "engine-role: the platform account 123456789012 has no role platform-engine" in r.stderr
    iam = ClientProvider.local(fresh_cloud)("iam")
    iam.create_role(RoleName="platform-engine", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}))
    r = run_cli("-w", str(ws_on_cloud.root), "doctor", "--check-aws", "--json")
    assert r.exit_code == 0, r.stderr
    engine = _checks(r)[1]["engine-role"]
    assert engine["status"] == "missing" and "the credentials are arn:aws:" in engine["detail"]
    assert "credentials of arn:aws:iam::123456789012:role/platform-engine" in engine["hint"]
    session = assumed(ClientProvider.local(fresh_cloud), "123456789012", "platform-engine", session_name="ci")
    creds = session._boto_session().get_credentials()
    for key, value in (("AWS_ACCESS_KEY_ID", creds.access_key), ("AWS_SECRET_ACCESS_KEY", creds.secret_key),
                       ("AWS_SESSION_TOKEN", creds.token)):
        monkeypatch.setenv(key, value)
    r = run_cli("-w", str(ws_on_cloud.root), "doctor", "--check-aws", "--json")
    assert r.exit_code == 0, r.stderr
    engine = _checks(r)[1]["engine-role"]
    assert engine["status"] == "ok" and "the credentials are a session of it" in engine["detail"]
