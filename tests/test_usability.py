"""What a new user sees: whole unit ids at 80 columns, NO_COLOR, empty lists, suggestions, init, next steps."""

from __future__ import annotations

import io
import os
import re
import shlex
import sys
from collections import Counter

import pytest
from rich.console import Console

from platform_cli.cli._common import invocation, rich_table, table

UNIT = "service/payments-platform/orders-api/prod/ap-southeast-1"
ROLLOUT = "20261201-194500-payments-orders-prod-3f2a"
ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*3[0-9]")


def _render(columns, rows, width=80):
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=True, color_system=None).print(rich_table(columns, rows, width=width))
    return buf.getvalue()


@pytest.mark.parametrize("columns, row", [
    (["start", "unit", "action", "version", "who", "result", "rollout"],
     ["2026-12-01T19:45:00", UNIT, "deploy", "1.4.0", "someone@example.com", "succeeded", ROLLOUT]),
    (["id", "status", "action", "target", "release", "units", "ok", "failed"],
     [ROLLOUT, "succeeded", "deploy", "payments/orders/prod", "1.4.0", "3", "3", "0"]),
    (["unit", "resources", "mandatory", "advisory", "monthly usd"], [UNIT, "41", "0", "2", "123.00"]),
    (["severity", "policy", "resource", "message"],
     ["mandatory", "encryption-at-rest", "payments-prod-apse1-artifacts-bucket-0123456789",
      "the bucket has no server-side encryption configuration; every bucket must be encrypted with the space key"]),
])
def test_identifiers_are_whole_in_80_columns(columns, row):
    out = _render(columns, [row])
    assert all(len(line) <= 80 for line in out.splitlines())
    for col, value in zip(columns, row):
        if col in ("unit", "id", "rollout", "resource"):
            assert value in out, out  # on one line, not cut, not folded
    # nothing is lost from the other columns either: wrapped, every character is still there
    shown = Counter(re.sub(r"\s", "", out))
    wanted = Counter(re.sub(r"\s", "", "".join(row)))
    assert not wanted - shown


def test_a_narrow_table_stays_a_table():
    out = _render(["env", "region", "cidr"], [["prod", "eu-central-1", "10.0.0.0/20"]])
    assert "env" in out.splitlines()[0] and "10.0.0.0/20" in out


class _Tty(io.StringIO):
    def isatty(self):
        return True


def _live_rollout_output(monkeypatch) -> str:
    """What the live rollout view writes to a terminal for one failed unit."""
    from types import SimpleNamespace

    from platform_cli.rollout.progress import LiveProgress

    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    try:
        live = LiveProgress()
        live.start(SimpleNamespace(units={UNIT: SimpleNamespace(wave=1, state="pending")}))
        live.unit(UNIT, "failed", "boom")
        live.note("rollout halted")
        live.stop()
    finally:
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    return err.getvalue()


def test_no_color_is_honoured(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert ANSI_COLOR.search(_live_rollout_output(monkeypatch))  # colors by default ...
    monkeypatch.setenv("NO_COLOR", "1")
    out = _live_rollout_output(monkeypatch)
    assert "failed" in out and not ANSI_COLOR.search(out)  # ... none with NO_COLOR
    stdout = _Tty()
    monkeypatch.setattr(sys, "stdout", stdout)
    table(["unit", "state"], [[UNIT, "failed"]])
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert UNIT in stdout.getvalue() and not ANSI_COLOR.search(stdout.getvalue())


def test_empty_lists_say_so(workspace, run_cli, monkeypatch):
    monkeypatch.chdir(workspace.root)
    result = run_cli("space", "list")
    assert result.exit_code == 0 and "no team spaces yet" in result.stderr and "platform space create" in result.stderr
    result = run_cli("rollout", "list")
    assert result.exit_code == 0 and "no rollouts yet" in result.stderr
    result = run_cli("rollout", "list", "--space", "payments")
    assert "no rollouts match the filters" in result.stderr
    result = run_cli("history")
    assert result.exit_code == 0 and "no deployments recorded yet" in result.stderr
    assert run_cli("space", "list", "--json").stdout.strip().startswith("{")


@pytest.mark.parametrize("args, suggestion", [
    (["servce"], "'service'"),
    (["spaec", "list"], "'space'"),
    (["space", "lst"], "'list'"),
    (["rollout", "stauts"], "'status'"),
    (["marketplace", "lis"], "'list'"),
])
def test_misspelled_commands_suggest_the_nearest(run_cli, args, suggestion):
    result = run_cli(*args)
    assert result.exit_code == 2
    said = result.stderr.split("Did you mean", 1)
    assert len(said) == 2 and suggestion in said[1], result.stderr


def test_unknown_command_without_a_near_one_suggests_nothing(run_cli):
    result = run_cli("xyzzy")
    assert result.exit_code == 2 and "No such command 'xyzzy'" in result.stderr and "Did you mean" not in result.stderr


def test_misspelled_team_suggests_the_nearest(payments, run_cli, monkeypatch):
    monkeypatch.chdir(payments.root)
    for args in (["space", "plan", "payment"], ["space", "show", "paymnets"]):
        result = run_cli(*args)
        assert result.exit_code == 4
        assert "did you mean 'payments'?" in result.stderr
    result = run_cli("space", "show", "zzz")
    assert result.exit_code == 4 and "did you mean" not in result.stderr


def test_misspelled_blueprint_and_offering_suggest_the_nearest(workspace):
    from platform_cli.errors import NotFoundError

    with pytest.raises(NotFoundError, match="did you mean standard@1"):
        workspace.catalog.blueprint("standrd@1")
    with pytest.raises(NotFoundError, match="did you mean 'postgres'"):
        workspace.catalog.offering("postgre")


@pytest.mark.parametrize("folder, org", [("globex", "globex"), ("Acme Corp", "acme-corp"), ("team_42.io", "team-42-io")])
def test_init_takes_the_org_from_the_folder(tmp_path, run_cli, folder, org):
    from platform_cli.model import Workspace

    result = run_cli("init", str(tmp_path / folder))
    assert result.exit_code == 0, result.output
    assert Workspace.load(tmp_path / folder / "platform.yaml").org == org
    assert f"organisation {org}" in result.stderr


def test_init_takes_the_org_from_the_option(tmp_path, run_cli):
    from platform_cli.model import Workspace

    assert run_cli("init", str(tmp_path / "x"), "--org", "initech").exit_code == 0
    assert Workspace.load(tmp_path / "x" / "platform.yaml").org == "initech"


def test_init_refuses_a_folder_name_that_makes_no_org(tmp_path, run_cli):
    result = run_cli("init", str(tmp_path / "x"))
    assert result.exit_code == 2 and "pass --org NAME" in result.stderr
    assert not (tmp_path / "x").exists()


def test_next_step_is_typed_the_way_the_program_was_started(tmp_path, monkeypatch):
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    exe = bindir / "platform"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(exe)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert invocation() == "venv/bin/platform"
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}/usr/bin")
    assert invocation() == "platform"
    monkeypatch.setattr(sys, "argv", ["/somewhere/pytest"])
    assert invocation() == "platform"


def test_quickstart_next_step_works_pasted_where_it_ran(tmp_path, run_cli, monkeypatch):
    """The README's first command runs quickstart from the repository root; its next line must run there."""
    monkeypatch.chdir(tmp_path)
    result = run_cli("quickstart", "demo")
    assert result.exit_code == 0, result.output
    line = [x for x in result.stderr.splitlines() if x.startswith("next: ")][-1]
    argv = shlex.split(line[len("next: "):])
    assert argv[0] == "platform" and "cd" not in argv and "&&" not in argv
    again = run_cli(*argv[1:])
    assert again.exit_code == 0, again.output
    assert "demo" in again.stdout
