"""`platform doctor`: reports what is there and what is missing, exit 0 for optional parts, no network."""

from __future__ import annotations

import json
import subprocess
import sys

from platform_cli.doctor import aws_credential_source
from platform_cli.errors import PULUMI_INSTALL_HINT


def _checks(result):
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return data, {c["name"]: c for c in data["checks"]}


def test_doctor_in_a_workspace_without_pulumi(run_cli, workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi anywhere
    data, checks = _checks(run_cli("-w", str(workspace.root), "doctor", "--json"))
    assert data["ok"] is True
    assert checks["python"]["status"] == "ok"
    assert checks["workspace"]["status"] == "ok" and str(workspace.root) in checks["workspace"]["detail"]
    assert checks["passphrase"]["status"] == "ok"
    assert checks["pulumi-cli"]["status"] == "missing"
    assert checks["pulumi-cli"]["hint"] == PULUMI_INSTALL_HINT
    assert checks["aws-credentials"]["status"] == "missing"
    assert checks["local-cloud"] == {**checks["local-cloud"], "status": "missing", "hint": "`platform local up`"}
    assert checks["moto"]["status"] == "ok"
    assert "aws-identity" not in checks  # no STS call unless asked


def test_doctor_outside_a_workspace_still_answers(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("doctor")
    assert r.exit_code == 0
    assert "workspace" in r.stdout and "MISSING" in r.stdout
    assert "platform init" in r.stderr


def test_doctor_finds_pulumi_on_path_with_its_version(run_cli, workspace, tmp_path, monkeypatch):
    exe = tmp_path / "pulumi"
    exe.write_text("#!/bin/sh\necho v3.180.0\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    _, checks = _checks(run_cli("-w", str(workspace.root), "doctor", "--json"))
    assert checks["pulumi-cli"]["status"] == "ok"
    assert checks["pulumi-cli"]["detail"] == f"3.180.0 at {exe}"


def test_passphrase_readable_by_others_is_a_warning(run_cli, workspace):
    (workspace.local_dir / "passphrase").chmod(0o644)
    data, checks = _checks(run_cli("-w", str(workspace.root), "doctor", "--json"))
    assert checks["passphrase"]["status"] == "warn" and "chmod 600" in checks["passphrase"]["hint"]
    assert data["ok"] is True


def test_credentials_are_judged_from_environment_and_files_only(tmp_path):
    assert aws_credential_source({"HOME": str(tmp_path)}) is None
    assert aws_credential_source({"HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}) \
        .startswith("environment variables")
    creds = tmp_path / "creds"
    creds.write_text("[ci]\naws_access_key_id = AKIA\naws_secret_access_key = s\n")
    env = {"HOME": str(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(creds)}
    assert aws_credential_source(env) is None  # the default profile is not there
    assert aws_credential_source({**env, "AWS_PROFILE": "ci"}) == f"profile 'ci' in the credentials file {creds}"
    conf = tmp_path / "config"
    conf.write_text("[profile sso]\nsso_start_url = https://example.awsapps.com/start\n")
    assert "config file" in aws_credential_source({"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(conf), "AWS_PROFILE": "sso"})
    assert aws_credential_source({"HOME": str(tmp_path), "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn"}) \
        == "web identity (OIDC) token file"


def test_exit_codes_are_listed(run_cli):
    r = run_cli("doctor", "--exit-codes", "--json")
    assert r.exit_code == 0
    rows = {row["code"]: row["error"] for row in json.loads(r.stdout)}
    assert rows[8] == "EngineMissingError" and rows[5] == "ConflictError" and rows[70] == "internal"
    r = run_cli("doctor", "--exit-codes")
    assert "EngineMissingError" in r.stdout


def test_doctor_without_check_aws_does_not_load_the_aws_sdk(workspace):
    code = ("import sys; from platform_cli.doctor import run_doctor; r = run_doctor(sys.argv[1]); "
            "print(sorted(m for m in ('boto3', 'botocore', 'pulumi', 'moto') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(workspace.root)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
