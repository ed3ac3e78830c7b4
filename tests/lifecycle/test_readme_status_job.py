"""The README's scheduled status job: valid, zizmor clean, and failing on drift or orphans."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from platform_cli.errors import StatusFindings

REPO = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def test_readme_status_job(tmp_path):
    text = (REPO / "README.md").read_text()
    m = re.search(r"```yaml\n(# \.github/workflows/space-status\.yml.*?)```", text, re.DOTALL)
    assert m, "README.md shows the scheduled space-status job"
    wf = yaml.safe_load(m.group(1))
    runs = [s.get("run", "") for s in wf["jobs"]["status"]["steps"]]
    assert any("platform space status" in r and "--exit-code" in r for r in runs)
    assert StatusFindings.exit_code == 12 and "exit 12" in m.group(1)
    path = tmp_path / ".github" / "workflows" / "space-status.yml"
    path.parent.mkdir(parents=True)
    path.write_text(m.group(1))
    schema = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", str(path)], capture_output=True, text=True)
    assert audit.returncode == 0 and "No findings" in audit.stdout + audit.stderr, audit.stdout + audit.stderr
