"""Repositories as `platform service new` generates them (both templates x both CI providers):
their CI configuration is valid, installs a pinned Pulumi CLI wherever it deploys, stops on a
rollout plan that no longer matches the baked waves, reads the workspace with a token; their
own test suite passes in a fresh virtualenv."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from ._support import BIN, CIS, REPO, TEMPLATES, generate_each, tool

SHA = re.compile(r"^[0-9a-f]{40}$")
NEEDS_PULUMI = re.compile(r"platform service deploy|platform service plan[^\n]*--preview")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """{(template, ci): (workspace root, project)} generated with service_repo.new_service in a
    workspace of its own with team payments (dev=DE, prod=DE,FR,US)."""
    from platform_cli.spaces import CreateSpaceRequest

    out = generate_each(tmp_path_factory, CreateSpaceRequest(
        team="payments", blueprint="standard@1", envs=["dev=DE", "prod=DE,FR,US"], owners=["lead@example.com"],
        cost_center="CC-42", ci_repos=["acme/orders"]), "orders")
    return {key: (ws.root, project) for key, (ws, project) in out.items()}


# lint -------------------------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_github_workflows_pass_schema_and_zizmor(generated, template):
    workflows = sorted(str(p) for p in (generated[(template, "github")][1] / ".github/workflows").glob("*.yml"))
    assert len(workflows) == 3  # pull-request, deploy, preview
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", *workflows], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_gitlab_ci_passes_schema(generated, template):
    path = generated[(template, "gitlab")][1] / ".gitlab-ci.yml"
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_gitlab_jobs_need_only_earlier_or_same_stage_jobs(generated):
    """GitLab refuses a pipeline whose job needs a job of a later stage."""
    ci = yaml.safe_load((generated[("python-web", "gitlab")][1] / ".gitlab-ci.yml").read_text())
    stages = ci["stages"]
    jobs = {k: v for k, v in ci.items() if isinstance(v, dict) and not k.startswith(".") and "script" in v}
    for name, job in jobs.items():
        for need in job.get("needs", []):
            assert stages.index(jobs[need].get("stage", "test")) <= stages.index(job.get("stage", "test")), (name, need)


# pinned Pulumi CLI ---------------------------------------------------------------------
def _gitlab_job(ci: dict, name: str) -> dict:
    """The job with its `extends` resolved (hashes merged, other values replaced: GitLab's rules)."""

    def merge(base: dict, over: dict) -> dict:
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    job = ci[name]
    parents = job.get("extends", [])
    resolved: dict = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        resolved = merge(resolved, _gitlab_job(ci, parent))
    return merge(resolved, {k: v for k, v in job.items() if k != "extends"})


INSTALL_PULUMI = "sh .platform/install_pulumi.sh"


def _check_pulumi_pins(project: Path, ci: str, expected: str) -> int:
    """Assert every job that deploys installs Pulumi `expected` from its checked release archive before it deploys
    (``.platform/install_pulumi.sh``); the number of such jobs."""
    checked = 0
    assert (project / ".platform/install_pulumi.sh").is_file()
    if ci == "github":
        for path in (project / ".github/workflows").glob("*.yml"):
            wf = yaml.safe_load(path.read_text())
            assert "pulumi/actions" not in path.read_text() and "get.pulumi.com" not in path.read_text()
            for job_id, job in wf["jobs"].items():
                steps = job.get("steps", [])
                runs = [i for i, s in enumerate(steps) if NEEDS_PULUMI.search(s.get("run", ""))]
                if not runs:
                    continue
                installs = [i for i, s in enumerate(steps) if s.get("run") == INSTALL_PULUMI]
                assert installs and installs[0] < runs[0], f"{path.name}: {job_id} deploys without installing Pulumi"
                assert str(wf["env"]["PULUMI_VERSION"]) == expected, job_id
                checked += 1
    else:
        text = (project / ".gitlab-ci.yml").read_text()
        assert "get.pulumi.com" not in text and "| sh" not in text
        ci_file = yaml.safe_load(text)
        assert ci_file["variables"]["PULUMI_VERSION"] == expected
        for name in ci_file:
            if name.startswith(".") or not isinstance(ci_file[name], dict) or "script" not in ci_file[name]:
                continue
            job = _gitlab_job(ci_file, name)
            if not any(NEEDS_PULUMI.search(line) for line in job["script"]):
                continue
            before = job.get("before_script", [])
            install = [i for i, line in enumerate(before) if line.startswith(INSTALL_PULUMI)]
            assert install, f"{name} deploys without installing Pulumi"
            assert any(line.startswith("export PATH=\"$HOME/.pulumi/bin:") for line in before[install[0]:]), name
            assert job.get("variables", {}).get("PULUMI_VERSION", expected) == expected
            checked += 1
    return checked


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_every_deploy_job_installs_the_pinned_pulumi_cli(generated, baked_defaults, template, ci):
    # generated: the version of the Pulumi SDK the platform runs with; plain cookiecutter: the default
    assert _check_pulumi_pins(generated[(template, ci)][1], ci, version("pulumi")) == 3  # dev 1 + prod 2 waves
    cookie = json.loads((REPO / "service_templates" / template / "cookiecutter.json").read_text())
    assert _check_pulumi_pins(baked_defaults[(template, ci)], ci, cookie["pulumi_version"]) == 3


@pytest.fixture(scope="module")
def baked_defaults(tmp_path_factory):
    from cookiecutter.main import cookiecutter

    return {(t, ci): Path(cookiecutter(str(REPO / "service_templates" / t), no_input=True, extra_context={"ci": ci},
                                       output_dir=str(tmp_path_factory.mktemp(f"d-{t}-{ci}")), default_config=True))
            for t in TEMPLATES for ci in CIS}


@pytest.mark.parametrize("template", TEMPLATES)
def test_pulumi_default_is_the_version_the_platform_is_built_against(template):
    cookie = json.loads((REPO / "service_templates" / template / "cookiecutter.json").read_text())
    assert cookie["pulumi_version"] == version("pulumi")


# waves baked into CI -------------------------------------------------------------------
WAVES = {"dev": [["eu-central-1"]], "prod": [["eu-central-1"], ["eu-west-3", "us-east-1"]]}


def test_github_checks_waves_and_regions_before_anything_is_built(generated):
    wf = yaml.safe_load((generated[("python-web", "github")][1] / ".github/workflows/deploy.yml").read_text())
    for env, waves in WAVES.items():
        steps = wf["jobs"][f"{env}-waves"]["steps"]
        check = next(s for s in steps if s.get("run") == "python .platform/check_waves.py")
        assert json.loads(check["env"]["EXPECTED_WAVES"]) == waves and check["env"]["PLATFORM_ENV"] == env
        assert steps.index(check) < next(i for i, s in enumerate(steps) if s.get("id") == "plan")
        assert f"{env}-waves" in wf["jobs"][f"{env}-publish"]["needs"]


def test_gitlab_checks_waves_and_regions_before_anything_is_built(generated):
    ci = yaml.safe_load((generated[("python-web", "gitlab")][1] / ".gitlab-ci.yml").read_text())
    for env, waves in WAVES.items():
        job = _gitlab_job(ci, f"waves-{env}")
        assert job["script"] == ["python .platform/check_waves.py"]
        assert json.loads(job["variables"]["EXPECTED_WAVES"]) == waves and job["variables"]["PLATFORM_ENV"] == env
        assert ci[f"build-{env}"]["needs"] == [f"waves-{env}"]
        deployed = [[m["REGION"] for m in ci[f"deploy-{env}-wave-{k}"]["parallel"]["matrix"]]
                    for k in range(1, len(waves) + 1)]
        assert deployed == waves


@pytest.mark.parametrize("ci", CIS)
def test_wave_check_fails_once_the_rollout_plan_has_a_region_ci_does_not_deploy(generated, ci, tmp_path):
    from platform_cli.spaces import add_region
    from platform_cli.workspace import WorkspaceContext

    root, project = generated[("python-web", ci)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "GITHUB_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PLATFORM_WORKSPACE=str(root), PLATFORM_ENV="prod",
               EXPECTED_WAVES=json.dumps(WAVES["prod"]))
    check = [sys.executable, ".platform/check_waves.py"]
    ok = subprocess.run(check, cwd=project, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # a region added to the space and listed in service.yaml: the baked waves no longer cover it
    ws_copy = shutil.copytree(root, tmp_path / "ws")
    repo_copy = shutil.copytree(project, tmp_path / "orders")
    add_region(WorkspaceContext.open(ws_copy), "payments", "prod", "eu-west-1")
    service = repo_copy / "service.yaml"
    service.write_text(service.read_text().replace("regions: [eu-central-1, eu-west-3, us-east-1]",
                                                   "regions: [eu-central-1, eu-west-3, us-east-1, eu-west-1]"))
    env["PLATFORM_WORKSPACE"] = str(ws_copy)
    bad = subprocess.run(check, cwd=repo_copy, env=env, capture_output=True, text=True)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "never deployed by CI: eu-west-1" in bad.stderr
    assert "regenerate the CI configuration: platform service new orders --space payments" in bad.stderr
    assert f"--ci {ci}" in bad.stderr


# workspace checkout --------------------------------------------------------------------
def test_github_reads_the_workspace_with_a_token(generated):
    project = generated[("python-web", "github")][1]
    checkouts = 0
    for path in (project / ".github/workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@") and "repository" in step.get("with", {}):
                    assert step["with"]["repository"] == "acme/platform-workspace"
                    assert step["with"]["token"] == "${{ secrets.PLATFORM_WORKSPACE_TOKEN }}"
                    assert step["with"]["persist-credentials"] is False
                    checkouts += 1
    assert checkouts == 1 + 2 + 3 + 1  # pull-request plan; deploy: 2 wave-planning jobs, 3 wave jobs; preview
    readme = (project / "README.md").read_text()
    assert "PLATFORM_WORKSPACE_TOKEN" in readme and "Contents: read-only" in readme


def test_gitlab_documents_the_job_token_allowlist(generated):
    project = generated[("python-web", "gitlab")][1]
    readme = (project / "README.md").read_text()
    assert "job token allowlist" in readme and "acme/orders" in readme and "acme/platform-workspace" in readme


# the generated repository's own tests -------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_generated_test_suite_and_lint_pass_in_a_fresh_venv(generated, venvs, template, ci):
    project = generated[(template, ci)][1]
    other = generated[(template, CIS[1 - CIS.index(ci)])][1]
    for name in ("requirements.txt", "requirements-test.txt", "requirements-lint.txt"):  # one venv serves both
        assert (project / name).read_text() == (other / name).read_text()
    py = venvs(template, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDING_")}
    run = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout
    # the lint job of the generated CI
    for command in (["check", "."], ["format", "--check", "."]):
        lint = subprocess.run([str(Path(py).parent / "ruff"), *command], cwd=project, capture_output=True, text=True,
                              env=env)
        assert lint.returncode == 0, f"ruff {' '.join(command)}: " + lint.stdout + lint.stderr


# per-environment OIDC audience ------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_jobs_of_each_environment_request_that_environments_audience(generated, template):
    """Every job that assumes a deploy role requests (after `extends`) the audience the roles of
    its own environment trust, and no other environment's."""
    from platform_cli.planning.names import ci_audience
    from platform_cli.workspace import WorkspaceContext

    root, project = generated[(template, "gitlab")]
    ws = WorkspaceContext.open(root)
    url = ws.catalog.blueprint(ws.space("payments").blueprint).access.gitlab.url
    ci = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    expected = {env: ci_audience(url, env) for env in ("dev", "prod")}
    assert expected["dev"] != expected["prod"]
    seen = {"dev": 0, "prod": 0}
    for name, job in ci.items():
        if name.startswith(".") or not isinstance(job, dict):
            continue
        resolved = _gitlab_job(ci, name)
        assumes_role = any("AWS_ROLE_ARN" in m for m in resolved.get("parallel", {}).get("matrix", []))
        if not assumes_role:
            continue
        env = name.split("-")[1] if name.startswith("deploy-") else name.removeprefix("build-")
        assert resolved["id_tokens"]["AWS_ID_TOKEN"]["aud"] == expected[env], name
        assert resolved["environment"]["name"] == env, name
        seen[env] += 1
    # build + one job per wave: dev 1 wave, prod 2 waves
    assert seen == {"dev": 2, "prod": 3}


def test_baked_defaults_request_per_environment_audiences(baked_defaults):
    from platform_cli.planning.names import ci_audience

    ci = yaml.safe_load((baked_defaults[("python-web", "gitlab")] / ".gitlab-ci.yml").read_text())
    assert _gitlab_job(ci, "deploy-prod-wave-1")["id_tokens"]["AWS_ID_TOKEN"]["aud"] == ci_audience("https://gitlab.com", "prod")
    assert _gitlab_job(ci, "build-dev")["id_tokens"]["AWS_ID_TOKEN"]["aud"] == ci_audience("https://gitlab.com", "dev")
