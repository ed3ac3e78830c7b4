"""The Dockerfile every template generates passes hadolint with no finding at any severity."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from ._support import CIS, TEMPLATES, tool


def hadolint(dockerfile, workdir) -> tuple[int, list[dict], str]:
    """Lint one Dockerfile with hadolint's defaults: no config file, no rule ignored outside the Dockerfile.

    It runs from an empty folder with an empty home, so no .hadolint.yaml (project, user or XDG) and no
    HADOLINT_* variable can hide a finding; ``--failure-threshold style`` fails on the lowest severity too.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env.update(HOME=str(workdir), XDG_CONFIG_HOME=str(workdir / ".config"))
    run = subprocess.run([tool("hadolint"), "--no-color", "--format", "json", "--failure-threshold", "style",
                          str(dockerfile)], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    try:
        findings = json.loads(run.stdout or "[]")
    except ValueError:
        findings = [{"code": "unparsable output", "message": run.stdout}]
    return run.returncode, findings, run.stderr


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_generated_dockerfile_passes_hadolint(baked, template, ci, tmp_path):
    dockerfile = baked[(template, ci)] / "Dockerfile"
    code, findings, stderr = hadolint(dockerfile, tmp_path)
    shown = [f"line {f.get('line')}: {f.get('code')} ({f.get('level')}) {f.get('message')}" for f in findings]
    assert findings == [], "\n".join(shown)
    assert code == 0, stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_inline_hadolint_ignores_say_why(baked, template):
    """A rule may be ignored only in the Dockerfile, next to a comment explaining why it is wrong there."""
    lines = (baked[(template, "github")] / "Dockerfile").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("# hadolint"):
            before = lines[i - 1].strip() if i else ""
            assert before.startswith("#") and "hadolint" not in before, f"line {i + 1}: {line!r} without a reason above it"


def test_hadolint_reports_a_careless_dockerfile(tmp_path):
    """The lint above is live: an unpinned base image and an unpinned apt install are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nCMD python -m app\n")
    code, findings, _ = hadolint(bad, tmp_path)
    codes = {f["code"] for f in findings}
    assert code != 0
    assert {"DL3007", "DL3008", "DL3025"} <= codes, codes
