"""Every template x CI provider baked with pytest-cookies, its output linted and validated."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from platform_cli.model import Service

from ._support import CIS, REPO, TEMPLATES, tool  # noqa: F401  (shared with the other template tests)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_bakes_with_pytest_cookies(cookies, template, ci):
    result = cookies.bake(extra_context={"ci": ci, "service_name": "orders-api", "team": "payments"},
                          template=str(REPO / "service_templates" / template))
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    assert project.name == "orders-api"
    for name in ["Dockerfile", ".dockerignore", "service.yaml", "catalog-info.yaml", "README.md",
                 ".platform/answers.yml", "requirements.txt", "requirements-test.txt", "app/bindings.py"]:
        assert (project / name).is_file(), name
    assert (project / ".github").exists() == (ci == "github")
    assert (project / ".gitlab-ci.yml").exists() == (ci == "gitlab")
    svc = Service.load(project / "service.yaml")
    assert svc.name == "orders-api" and svc.space == "payments"
    assert svc.kind == ("web" if template == "python-web" else "worker")


@pytest.mark.parametrize("template", TEMPLATES)
def test_bad_service_name_is_refused_by_the_hook(cookies, template):
    result = cookies.bake(extra_context={"service_name": "Not_Valid"}, template=str(REPO / "service_templates" / template))
    assert result.exit_code != 0
    assert result.project_path is None or not Path(result.project_path).exists()


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_generated_files_are_valid(baked, template, ci):
    project = baked[(template, ci)]
    text = (project / "Dockerfile").read_text()
    base = next(line for line in text.splitlines() if line.startswith("FROM "))
    assert "@sha256:" in base or base.split(":")[-1][0].isdigit(), f"base image not pinned: {base}"
    assert "\nUSER 10001" in text and "HEALTHCHECK" in text
    docs = list(yaml.safe_load_all((project / "catalog-info.yaml").read_text()))
    component = docs[0]
    assert component["kind"] == "Component"
    assert component["spec"]["owner"] == "group:payments" and component["spec"]["system"] == "payments"
    resources = [d for d in docs if d["kind"] == "Resource"]
    svc = Service.load(project / "service.yaml")
    assert sorted(r["metadata"]["annotations"]["platform.example.dev/binding"] for r in resources) == \
        sorted(b.name for b in svc.bindings)
    answers = yaml.safe_load((project / ".platform/answers.yml").read_text())
    meta = yaml.safe_load((REPO / "service_templates" / template / "template.yaml").read_text())
    assert answers["template"] == template and answers["template_version"] == meta["version"]
    assert answers["answers"]["ci"] == ci and answers["answers"]["service_name"] == "orders"


@pytest.mark.parametrize("template", TEMPLATES)
def test_github_workflows_pass_schema_and_zizmor(baked, template):
    workflows = sorted((baked[(template, "github")] / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} == {"pull-request.yml", "deploy.yml", "preview.yml"}
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", *map(str, workflows)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_ci_passes_schema(baked, template):
    path = baked[(template, "gitlab")] / ".gitlab-ci.yml"
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def _uses(workflow: dict) -> list[str]:
    return [step["uses"] for job in workflow["jobs"].values() for step in job.get("steps", []) if "uses" in step]


def test_github_deploy_workflow_shape(baked):
    project = baked[("python-web", "github")]
    text = (project / ".github/workflows/deploy.yml").read_text()
    wf = yaml.safe_load(text)
    assert wf["permissions"] == {}
    for job_id, job in wf["jobs"].items():
        perms = job.get("permissions")
        assert perms is not None, job_id
        assert perms.get("contents") == "read"
        assumes = any("configure-aws-credentials" in s.get("uses", "") for s in job.get("steps", []))
        assert ("id-token" in perms) == assumes, job_id
        for step in job.get("steps", []):
            if "actions/checkout" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), f"{job_id}: expression inside run"
    for uses in _uses(wf):
        ref = uses.split("@", 1)[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), uses
        assert f"{uses} # v" in text
    # one deploy job per wave, fed by the rollout planner's matrix, protected envs gated
    cookie = json.loads((REPO / "service_templates/python-web/cookiecutter.json").read_text())
    for env, spec in cookie["environments"].items():
        for k in range(1, len(spec["waves"]) + 1):
            job = wf["jobs"][f"{env}-wave-{k}"]
            assert job["strategy"]["matrix"] == f"${{{{ fromJSON(needs.{env}-waves.outputs.wave{k}) }}}}"
            assert job["environment"] == env
            run = job["steps"][-1]["run"]
            assert "platform service deploy . --env" in run and '--region "$REGION" --approve' in run
        plan = wf["jobs"][f"{env}-waves"]["steps"][-1]["run"]
        assert "--matrix github --wave" in plan


def test_pinned_actions_are_the_same_everywhere():
    """Every template pins each action to the same commit (bumped together)."""
    pins: dict[str, set[str]] = {}
    for path in (REPO / "service_templates").glob("*/*/.github/workflows/*.yml"):
        for line in path.read_text().splitlines():
            if "uses:" in line:
                action, rest = line.split("uses:", 1)[1].strip().split("@", 1)
                pins.setdefault(action, set()).add(rest)
    assert pins and all(len(v) == 1 for v in pins.values()), pins


def test_shared_files_are_identical_across_templates():
    web, worker = (REPO / "service_templates" / t / "{{cookiecutter.service_name}}" for t in TEMPLATES)
    for rel in ["app/bindings.py", "tests/test_bindings.py", ".github/workflows/deploy.yml",
                ".github/workflows/pull-request.yml", ".github/workflows/preview.yml", ".github/scripts/matrix.py", ".gitlab-ci.yml", ".dockerignore"]:
        assert (web / rel).read_text() == (worker / rel).read_text(), rel
    for hook in ["pre_gen_project.py", "post_gen_project.py"]:
        assert (REPO / "service_templates/python-web/hooks" / hook).read_text() == \
            (REPO / "service_templates/python-worker/hooks" / hook).read_text()


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_version_matches_metadata(template):
    meta = yaml.safe_load((REPO / "service_templates" / template / "template.yaml").read_text())
    cookie = json.loads((REPO / "service_templates" / template / "cookiecutter.json").read_text())
    assert meta["name"] == template == cookie["_template_name"]
    assert meta["version"] == cookie["_template_version"]


