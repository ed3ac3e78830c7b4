"""The preview CI the templates generate: a pull request from the repository itself deploys its
own preview in the unprotected environment, in one region, with that environment's role only;
it is destroyed on close and after the time to live; forks never deploy."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from platform_cli.service_repo import ci_role_name

from ._support import TEMPLATES, generate_each, tool


@pytest.fixture(scope="module")
def previews(tmp_path_factory):
    """{(template, ci): project} generated in a workspace with dev=DE (unprotected), prod=DE,FR,US."""
    from platform_cli.spaces import CreateSpaceRequest

    out = generate_each(tmp_path_factory, CreateSpaceRequest(team="payments", blueprint="standard@1",
                                                             envs=["dev=DE", "prod=DE,FR,US"]), "orders")
    return {key: project for key, (_, project) in out.items()}


@pytest.mark.parametrize("template", TEMPLATES)
def test_github_preview_workflow(previews, template):
    path = previews[(template, "github")] / ".github/workflows/preview.yml"
    text = path.read_text()
    wf = yaml.safe_load(text)
    triggers = wf[True]  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"pull_request", "schedule"} and "pull_request_target" not in text
    assert set(triggers["pull_request"]["types"]) == {"opened", "synchronize", "reopened", "closed"}
    [job] = wf["jobs"].values()
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert job["environment"] == "dev" and job["permissions"] == {"contents": "read", "id-token": "write"}
    assert wf["env"]["CI_ROLE"].endswith(":role/" + ci_role_name("payments", "dev", "eu-central-1"))
    assert wf["env"]["AWS_REGION"] == "eu-central-1" and "prod" not in text
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert ('platform service preview up . --pr "$PR" --version "$GITHUB_SHA" --image-digest "$digest" \\\n'
            '  --summary "$GITHUB_STEP_SUMMARY"') in runs
    assert 'platform service preview down . --pr "$PR" --yes' in runs
    assert "platform service preview down . --expired --yes" in runs
    assert "${{" not in runs  # expressions reach scripts only through env
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(path)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_preview_jobs(previews, template, tmp_path):
    ci = yaml.safe_load((previews[(template, "gitlab")] / ".gitlab-ci.yml").read_text())
    assert "preview" in ci["stages"] and ci["stages"].index("preview") < ci["stages"].index("deploy-dev")
    base = ci[".preview"]
    [rule] = base["rules"]
    assert "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID" in rule["if"]
    assert "merge_request_event" in rule["if"]
    assert base["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "https://gitlab.com/platform/dev"
    assert base["variables"]["AWS_ROLE_ARN"].endswith(":role/" + ci_role_name("payments", "dev", "eu-central-1"))
    up, down = ci["preview-up"], ci["preview-down"]
    assert up["environment"] == {"name": "preview/$CI_MERGE_REQUEST_IID", "url": "$PREVIEW_URL",
                                 "on_stop": "preview-down", "auto_stop_in": "72 hours"}
    # the URL the summary names becomes the environment's URL (the merge request's "View app"), from a dotenv report
    assert up["artifacts"]["reports"] == {"dotenv": "preview.env"}
    [extract] = [line for line in up["script"] if "preview.env" in line]
    for summary, env in (("- Service: orders-pr7\n- URL: http://x-1.eu-central-1.elb.amazonaws.com\n",
                          "PREVIEW_URL=http://x-1.eu-central-1.elb.amazonaws.com\n"),
                         ("- URL: (the service has no URL: a worker)\n", "")):
        work = tmp_path / f"sum-{len(env)}"
        work.mkdir()
        (work / "preview.md").write_text(summary)
        subprocess.run(["sh", "-c", extract], cwd=work, check=True)
        assert (work / "preview.env").read_text() == env
    assert down["environment"] == {"name": "preview/$CI_MERGE_REQUEST_IID", "action": "stop"}
    assert "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID" in down["rules"][0]["if"]
    assert any("platform service preview up" in s for s in up["script"])
    assert any("platform service preview down" in s and "--yes" in s for s in down["script"])
    for name in ("preview-build", "preview-up", "preview-down"):
        assert "prod" not in yaml.safe_dump(ci[name])


def test_no_preview_without_an_unprotected_environment(tmp_path):
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    init_workspace(tmp_path / "ws", org="acme")
    ws = WorkspaceContext.open(tmp_path / "ws")
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["prod=DE"]))
    path = new_service(ws, "orders", "payments", output_dir=tmp_path / "out").path
    assert not (path / ".github/workflows/preview.yml").exists()
    assert "no unprotected environment, so its pull requests get no preview" in (path / "README.md").read_text()
