"""A few real runs of the `platform` executable: exit codes, JSON on stdout, progress on stderr."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def platform_exe() -> list[str]:
    exe = Path(sys.executable).parent / "platform"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("platform")
    return [found] if found else [sys.executable, "-m", "platform_cli"]


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "AWS_", "PULUMI_"))}
    return subprocess.run([*platform_exe(), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          input=stdin if stdin is not None else "", timeout=120)


@pytest.fixture
def ws(tmp_path):
    r = run("init", "ws", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # progress only
    assert "created workspace" in r.stderr and "next: " in r.stderr
    return tmp_path / "ws"


def test_create_prints_json_on_stdout_and_progress_on_stderr(ws):
    r = run("space", "create", "payments", "--blueprint", "standard@1", "--env", "dev=DE",
            "--env", "prod=DE,FR,US", "--json", cwd=ws)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # stdout is exactly one JSON document
    assert data["team"] == "payments" and len(data["units"]) == 4
    assert re.search(r"^next: (\S*/)?platform space plan payments$", r.stderr, re.M)  # as it was started
    # found from a subfolder of the workspace too
    r = run("space", "list", "--json", cwd=ws / "spaces")
    assert r.returncode == 0, r.stderr
    assert [s["team"] for s in json.loads(r.stdout)["spaces"]] == ["payments"]
    r = run("space", "show", "payments", cwd=ws)
    assert r.returncode == 0 and "10.0.0.0/20" in r.stdout


def test_errors_exit_with_their_code_and_keep_stdout_empty(ws, tmp_path):
    r = run("space", "show", "nobody", "--json", cwd=ws)
    assert (r.returncode, r.stdout) == (4, "")
    assert r.stderr.startswith("error: team space 'nobody' does not exist") and "hint: " in r.stderr
    r = run("space", "create", "x", "--blueprint", "standard@1", "--env", "dev=DE", cwd=ws)
    assert (r.returncode, r.stdout) == (2, "")
    r = run("space", "list", cwd=tmp_path)  # no workspace here
    assert r.returncode == 4 and "no workspace found" in r.stderr
    r = run("space", "frobnicate", cwd=ws)
    assert r.returncode == 2 and "No such command" in r.stderr
    (ws / "platform.yaml").write_bytes(b"\x00\x01")
    r = run("space", "list", cwd=ws)
    assert r.returncode == 3 and "platform.yaml" in r.stderr and "Traceback" not in r.stderr


def test_workspace_from_environment_variable(ws, tmp_path):
    env = dict(os.environ, PLATFORM_WORKSPACE=str(ws))
    r = subprocess.run([*platform_exe(), "space", "list", "--json"], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"spaces": [], "errors": []}


def test_read_commands_without_a_workspace_use_the_shipped_catalog(tmp_path):
    r = run("market", "list", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    markets = {m["country"]: m for m in json.loads(r.stdout)["markets"]}
    assert markets["NO"]["region"].startswith("eu-") and markets["CN"]["partition"] == "aws-cn"
    r = run("blueprint", "show", "minimal@1", "--json", cwd=tmp_path)
    assert json.loads(r.stdout)["guardrails"]["allowed_regions"] == ["eu-central-1", "eu-west-1", "us-east-1"]
    r = run("--version", cwd=tmp_path)
    assert r.returncode == 0 and "platform" in r.stdout


def test_fleet_upgrade_without_terminal_refuses(ws):
    assert run("space", "create", "payments", "-b", "standard@1", "--env", "dev=DE", cwd=ws).returncode == 0
    r = run("fleet", "upgrade", "--to", "standard@2", "--cohort", "1", cwd=ws)
    assert r.returncode == 11 and "--yes" in r.stderr
    assert "blueprint: standard@1" in (ws / "spaces" / "payments.yaml").read_text()
    r = run("fleet", "upgrade", "--to", "standard@2", "--cohort", "1", "--yes", "--json", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["upgraded"][0]["team"] == "payments"
    assert re.search(r"^next: (\S*/)?platform space apply payments --env dev$", r.stderr, re.M)


def test_concurrent_creates_never_share_a_block(ws):
    from ipaddress import IPv4Network

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "AWS_", "PULUMI_"))}
    procs = [subprocess.Popen([*platform_exe(), "space", "create", f"team{i}", "-b", "standard@1",
                               "--env", "dev=DE,FR", "--json"], cwd=ws, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(4)]
    blocks = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        blocks += [IPv4Network(u["cidr"]) for u in json.loads(out)["units"]]
    assert len(blocks) == 8
    for i, a in enumerate(blocks):
        assert not any(a.overlaps(b) for b in blocks[i + 1:]), a


def test_root_options_are_accepted_after_the_noun(run_cli, payments):
    import json

    late = run_cli("space", "list", "-w", str(payments.root), "--json")
    assert late.exit_code == 0, late.stderr
    assert [s["team"] for s in json.loads(late.stdout)["spaces"]] == ["payments"]
    eq = run_cli("space", "show", "payments", f"--workspace={payments.root}", "--json")
    assert eq.exit_code == 0 and json.loads(eq.stdout)["team"] == "payments"


def test_hoisting_leaves_arguments_after_double_dash_alone():
    from platform_cli.cli import hoist_global_options

    assert hoist_global_options(["space", "list", "-w", "d", "--json"]) == ["-w", "d", "space", "list", "--json"]
    assert hoist_global_options(["--debug", "space", "list"]) == ["--debug", "space", "list"]
    assert hoist_global_options(["space", "--", "-w", "x"]) == ["space", "--", "-w", "x"]
