"""get_engine and PulumiEngine without a real Pulumi CLI: missing CLI, a broken one, and a
scripted stand-in CLI whose failures must come back through the real Automation API (in a
worker process) as the platform's errors."""

from __future__ import annotations

import os
import stat

import pytest

from platform_cli.engine import find_pulumi, get_engine
from platform_cli.engine.pulumi_engine import PulumiEngine
from platform_cli.errors import PULUMI_INSTALL_HINT, CloudError, ConflictError, EngineError, EngineMissingError
from platform_cli.units import UnitTarget

STUB = """#!/bin/sh
if [ "$1" = "version" ]; then
  echo "$STUB_VERSION"
  exit "${STUB_VERSION_EXIT:-0}"
fi
printf '%s\\n' "$STUB_STDERR" >&2
exit 255
"""


@pytest.fixture
def stub_pulumi(tmp_path, monkeypatch):
    """A `pulumi` on PATH that answers `version` and fails every other command with $STUB_STDERR."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "pulumi"
    exe.write_text(STUB)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("STUB_VERSION", "v3.200.0")
    return monkeypatch


def test_no_pulumi_on_path_is_engine_missing_with_the_install_hint(payments, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineMissingError, match="not on PATH") as info:
        get_engine(payments)
    assert info.value.exit_code == 8
    assert info.value.hint == PULUMI_INSTALL_HINT


def test_a_pulumi_that_does_not_answer_version_is_engine_missing(payments, stub_pulumi):
    stub_pulumi.setenv("STUB_VERSION_EXIT", "1")
    with pytest.raises(EngineMissingError, match="failed with exit code 1"):
        get_engine(payments)
    stub_pulumi.setenv("STUB_VERSION_EXIT", "0")
    stub_pulumi.setenv("STUB_VERSION", "v2.25.0")
    with pytest.raises(EngineMissingError, match="at least 3.1.0"):
        get_engine(payments)


def test_local_target_needs_the_local_cloud(payments, stub_pulumi):
    assert find_pulumi().version == "3.200.0"
    with pytest.raises(CloudError, match="local cloud is not running") as info:
        get_engine(payments)
    assert "platform local up" in info.value.hint
    engine = get_engine(payments, local_endpoint="http://127.0.0.1:9")
    assert isinstance(engine, PulumiEngine) and engine.local_endpoint == "http://127.0.0.1:9"


def test_locked_stack_comes_back_as_conflict_through_the_automation_api(payments, stub_pulumi):
    stub_pulumi.setenv("STUB_STDERR", "error: the stack is currently locked by 1 lock(s). Either wait for the "
                                      "other process(es) to end or delete the lock file with `pulumi cancel`.")
    engine = get_engine(payments, local_endpoint="http://127.0.0.1:9", max_workers=1)
    events = []
    with pytest.raises(ConflictError, match="another update of stack space.payments/dev.eu-central-1") as info:
        engine.destroy(UnitTarget("space/payments/dev/eu-central-1"), lambda unit, line: events.append((unit, line)))
    assert "pulumi cancel --stack dev.eu-central-1" in info.value.hint
    # the unit's Pulumi project was written where the engine keeps it
    work_dir = payments.local_dir / "engine" / "space.payments" / "dev.eu-central-1"
    assert "backend" in (work_dir / "Pulumi.yaml").read_text()


def test_other_engine_failures_are_one_paragraph(payments, stub_pulumi):
    stub_pulumi.setenv("STUB_STDERR", "error: failed to load checkpoint: blob (key \".pulumi/stacks/x.json\") "
                                      "(code=Unknown): permission denied")
    engine = get_engine(payments, local_endpoint="http://127.0.0.1:9", max_workers=1)
    with pytest.raises(EngineError) as info:
        engine.refresh(UnitTarget("space/payments/prod/us-east-1"), lambda unit, line: None)
    assert info.value.exit_code == 9
    assert info.value.message.startswith("space/payments/prod/us-east-1: pulumi refresh failed: ")
    assert "permission denied" in info.value.message and "\n" not in info.value.message
