"""Upgrading a generated repository from every template's previous version to its latest, with
the edits a team makes: a file only the team changed, a new file, an edit in a file the template
also changes, a conflicting edit. Each outcome is checked, and the upgraded repository's own
tests, linters and CI schema checks still pass."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from platform_cli.model import Space
from platform_cli.scaffold import find_template
from platform_cli.scaffold.releases import versions
from platform_cli.service_repo import new_service

from ._support import CIS, TEMPLATES, tool

GIT = ["git", "-c", "user.name=Team", "-c", "user.email=team@example.com", "-c", "init.defaultBranch=main"]


def git(repo: Path, *args: str) -> str:
    run = subprocess.run([*GIT, "-C", str(repo), *args], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def _take_theirs(text: str) -> str:
    """Resolve diff3 conflict markers by taking the template's side."""
    return re.sub(r"<<<<<<< [^\n]*\n.*?\n\|\|\|\|\|\|\| [^\n]*\n.*?=======\n(.*?)>>>>>>> [^\n]*\n", r"\1", text,
                  flags=re.S)


def _team_edits(repo: Path) -> None:
    # 1. a file only the team changes
    health = repo / "app/healthcheck.py"
    health.write_text(health.read_text() + "\n# Team: keep the check cheap; it runs every 30 seconds.\n")
    # 2. a new file
    (repo / "docs").mkdir()
    (repo / "docs/runbook.md").write_text("# Runbook\n\nPage #payments-oncall.\n")
    # 3. an edit in a file the template also changes, in other lines
    readme = repo / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines.insert(1, "\n> Owned by team payments; on call: #payments-oncall.\n")
    readme.write_text("".join(lines))
    # 4. a conflicting edit: the lines the new version rewrites
    helper = repo / "app/bindings.py"
    text = helper.read_text()
    assert 'db = bindings.binding("orders-db")' in text
    helper.write_text(text.replace('db = bindings.binding("orders-db")', 'db = bindings.binding("ledger-db")'))


@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_upgrade_from_the_previous_version_with_team_edits(payments, tmp_path, run_cli, venvs, template, ci,
                                                           monkeypatch):
    tpl = find_template(template)
    known = versions(tpl.path, tpl.version)
    previous, latest = known[0], known[-1]  # the team edits below are made on the first released version
    repo = new_service(payments, "orders", "payments", template=template, ci=ci, output_dir=tmp_path,
                       version=previous).path
    assert yaml.safe_load((repo / ".platform/answers.yml").read_text())["template_version"] == previous
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"Initial commit from {template} {previous}")
    _team_edits(repo)
    edited = _tree(repo)
    ws = str(payments.root)

    # uncommitted changes are refused, and nothing is written
    r = run_cli("-w", ws, "service", "upgrade", str(repo))
    assert r.exit_code == 5 and "uncommitted changes" in r.stderr and "--force" in r.stderr
    assert _tree(repo) == edited
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Team edits")

    # --dry-run prints the diff and writes nothing
    r = run_cli("-w", ws, "service", "upgrade", str(repo), "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert f"-template_version: {previous}\n+template_version: {latest}" in r.stdout
    assert "--- a/README.md" in r.stdout and "conflict  app/bindings.py" in r.stderr
    assert _tree(repo) == edited and git(repo, "status", "--porcelain") == ""

    r = run_cli("-w", ws, "service", "upgrade", str(repo), "--json")
    assert r.exit_code == 5, r.stderr
    assert "app/bindings.py" in r.stderr and "resolve the markers" in r.stderr
    result = json.loads(r.stdout)
    outcome = {f["path"]: f["outcome"] for f in result["files"]}
    assert result["conflicts"] == ["app/bindings.py"]
    assert outcome["app/healthcheck.py"] == "kept" and outcome["README.md"] == "merged"
    assert outcome[".platform/answers.yml"] == "updated" and outcome["app/bindings.py"] == "conflict"
    assert "docs/runbook.md" not in outcome
    assert outcome[".platform/push_image.sh"] == "added"  # 1.4.0: deploys run the image by the digest its push got
    assert "--image-digest" in (repo / (".github/workflows/deploy.yml" if ci == "github" else ".gitlab-ci.yml")).read_text()
    if ci == "github":
        assert outcome[".github/workflows/preview.yml"] == "added"  # new in 1.3.0
        assert (repo / ".github/workflows/preview.yml").is_file()
    else:
        assert outcome[".gitlab-ci.yml"] == "updated"  # the preview jobs of 1.3.0
        assert "preview-up:" in (repo / ".gitlab-ci.yml").read_text()
    after = _tree(repo)
    assert after["app/healthcheck.py"] == edited["app/healthcheck.py"]
    assert after["docs/runbook.md"] == edited["docs/runbook.md"]
    readme = after["README.md"].decode()
    assert "> Owned by team payments; on call: #payments-oncall." in readme
    assert "## The platform workspace" in readme and f"version {latest}" in readme
    helper = after["app/bindings.py"].decode()
    assert helper.count("<<<<<<< this repository") == 1 and 'bindings.binding("ledger-db")' in helper
    answers = yaml.safe_load(after[".platform/answers.yml"])
    assert answers["template_version"] == latest and answers["workspace"]["repository"] == "acme/platform-workspace"
    assert Space.load(payments.space_path("payments")).services[0].template_version == latest
    # the files the template did not change are as generated, byte for byte
    untouched = [k for k, v in outcome.items() if v == "unchanged"]
    assert all(after[k] == edited[k] for k in untouched)

    # resolved, the repository passes its own tests, linters and CI schema checks
    helper_path = repo / "app/bindings.py"
    helper_path.write_text(_take_theirs(helper))
    assert "<<<<<<<" not in helper_path.read_text()
    py = venvs(template, repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDING_")}
    run = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=repo, capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0 and " passed" in run.stdout, run.stdout + run.stderr
    for command in (["check", "."], ["format", "--check", "."]):
        lint = subprocess.run([str(Path(py).parent / "ruff"), *command], cwd=repo, capture_output=True, text=True)
        assert lint.returncode == 0, f"ruff {' '.join(command)}: " + lint.stdout + lint.stderr
    if ci == "github":
        workflows = sorted(str(p) for p in (repo / ".github/workflows").glob("*.yml"))
        schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
                                capture_output=True, text=True)
        assert schema.returncode == 0, schema.stdout + schema.stderr
        audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", *workflows], capture_output=True, text=True)
        assert audit.returncode == 0, audit.stdout + audit.stderr
    else:
        schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci",
                                 str(repo / ".gitlab-ci.yml")], capture_output=True, text=True)
        assert schema.returncode == 0, schema.stdout + schema.stderr

    # a second run has nothing to do; the workspace lists the repository as current
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"Upgrade to {template} {latest}")
    monkeypatch.chdir(repo)
    r = run_cli("-w", ws, "service", "upgrade", ".")
    assert r.exit_code == 0 and "nothing to do" in r.stderr
    r = run_cli("-w", ws, "template", "list", ".", "--json")
    [row] = json.loads(r.stdout)["services"]
    assert (row["version"], row["latest"], row["behind"]) == (latest, latest, False)


def test_template_list_shows_which_repositories_are_behind(payments, tmp_path, run_cli):
    tpl = find_template("python-web")
    previous = versions(tpl.path, tpl.version)[-2]
    new_service(payments, "old", "payments", output_dir=tmp_path, version=previous)
    new_service(payments, "fresh", "payments", output_dir=tmp_path)
    r = run_cli("-w", str(payments.root), "template", "list", "--json")
    rows = {s["service"]: s for s in json.loads(r.stdout)["services"]}
    assert rows["old"]["behind"] and rows["old"]["version"] == previous and rows["old"]["latest"] == tpl.version
    assert not rows["fresh"]["behind"]
    table = run_cli("-w", str(payments.root), "template", "list").stdout
    assert re.search(rf"old\s+python-web\s+{re.escape(previous)}\s+{re.escape(tpl.version)}\s+behind", table)


def test_upgrade_refuses_a_downgrade_and_an_unknown_version(payments, tmp_path, run_cli):
    repo = new_service(payments, "orders", "payments", output_dir=tmp_path).path
    r = run_cli("-w", str(payments.root), "service", "upgrade", str(repo), "--to", "1.1.0")
    assert r.exit_code == 2 and "only move forward" in r.stderr
    r = run_cli("-w", str(payments.root), "service", "upgrade", str(repo), "--to", "9.9.9")
    assert r.exit_code == 4 and "has versions" in r.stderr
    r = run_cli("-w", str(payments.root), "service", "upgrade", str(tmp_path))
    assert r.exit_code == 4 and "not inside a service repository" in r.stderr
