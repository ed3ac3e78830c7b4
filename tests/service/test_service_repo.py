"""platform service new|show|bind|unbind and platform template list|show."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from platform_cli.errors import ConflictError, NotFoundError, PolicyError, UsageError
from platform_cli.model import Service
from platform_cli.scaffold import find_template
from platform_cli.service_repo import binding_env_name, new_service
from platform_cli.services.bindings import bind, show, unbind


@pytest.fixture
def svc(payments, tmp_path):
    """A python-web service of team payments, generated through the platform."""
    result = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos")
    return result.path


def test_new_service_fills_the_context_from_the_space(payments, tmp_path, run_cli):
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments",
                "--output-dir", str(tmp_path), "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    project = Path(data["path"])
    assert project == tmp_path / "orders" and project.is_dir()
    assert data["environments"] == {"dev": [["eu-central-1"]], "prod": [["eu-central-1"], ["eu-west-3", "us-east-1"]]}
    svc = Service.load(project / "service.yaml")
    assert svc.space == "payments"
    assert {e: s.regions for e, s in svc.environments.items()} == {"dev": ["eu-central-1"],
                                                                   "prod": ["eu-central-1", "eu-west-3", "us-east-1"]}
    deploy = (project / ".github/workflows/deploy.yml").read_text()
    account = payments.config.cloud.account_id
    assert f"arn:aws:iam::{account}:role/payments--prod--use1--ci-deploy" in deploy
    assert "payments--dev--euc1" in deploy
    wf = yaml.safe_load(deploy)
    assert {"prod-wave-1", "prod-wave-2", "dev-wave-1"} <= set(wf["jobs"]) and "prod-wave-3" not in wf["jobs"]
    assert wf["jobs"]["prod-wave-2"]["environment"] == "prod"
    answers = yaml.safe_load((project / ".platform/answers.yml").read_text())
    assert answers["template"] == "python-web" and answers["answers"]["team"] == "payments"
    assert "next: " in r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".platform-new-")]


def test_ci_role_and_registry_names_match_what_the_space_stack_creates():
    """The generated CI assumes roles and pushes to repositories by name: the names must be the
    ones the rendered space unit really has (its golden graph)."""
    import json

    from platform_cli.service_repo import ci_role_name, ecr_repository_name

    golden = Path(__file__).resolve().parents[1] / "render" / "golden" / "space_payments_prod_eu-central-1.json"
    resources = json.loads(golden.read_text())["resources"]
    roles = {r["inputs"]["name"] for r in resources if r["type"] == "aws:iam/role:Role"}
    repos = {r["inputs"]["name"] for r in resources if r["type"] == "aws:ecr/repository:Repository"}
    assert ci_role_name("payments", "prod", "eu-central-1") in roles
    assert ecr_repository_name("payments", "prod", "eu-central-1") in repos


def test_binding_env_names_match_what_the_stacks_inject():
    bindings = pytest.importorskip("stacks.bindings")
    for name, key in [("db", "password"), ("orders-db", "uri"), ("jobs", "url")]:
        assert binding_env_name(name, key) == bindings.binding_env_name(name, key)


def test_gitlab_worker_binds_its_queue(payments, tmp_path):
    result = new_service(payments, "mailer", "payments", template="python-worker", ci="gitlab", output_dir=tmp_path)
    project = result.path
    assert (project / ".gitlab-ci.yml").is_file() and not (project / ".github").exists()
    svc = Service.load(project / "service.yaml")
    assert [(b.name, b.offering, b.plan) for b in svc.bindings] == [("jobs", "queue", "standard")]
    ci = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert ci["stages"] == ["test", "preview", "deploy-dev", "deploy-prod"]  # previews, then one stage per environment, in order
    assert ci[".aws-oidc"]["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "https://gitlab.com"
    regions = [m["REGION"] for m in ci["deploy-prod-wave-2"]["parallel"]["matrix"]]
    assert regions == ["eu-west-3", "us-east-1"]


def test_dry_run_writes_nothing(payments, tmp_path):
    result = new_service(payments, "orders", "payments", output_dir=tmp_path / "out", dry_run=True)
    assert "service.yaml" in result.files and ".github/workflows/deploy.yml" in result.files
    assert not (tmp_path / "out").exists()


def test_existing_folder_is_untouched(payments, tmp_path, run_cli):
    tmp_path = tmp_path / "out"
    existing = tmp_path / "orders"
    existing.mkdir(parents=True)
    (existing / "keep.txt").write_text("mine")
    with pytest.raises(ConflictError, match="already exists"):
        new_service(payments, "orders", "payments", output_dir=tmp_path)
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    assert (existing / "keep.txt").read_text() == "mine"
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path))
    assert r.exit_code == 5 and "already exists" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders"]


def test_failed_generation_leaves_nothing_behind(payments, tmp_path):
    broken = payments.root / "service_templates" / "broken"
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[2] / "service_templates" / "python-web", broken)
    (broken / "template.yaml").write_text((broken / "template.yaml").read_text().replace("python-web", "broken"))
    target = broken / "{{cookiecutter.service_name}}" / "app" / "server.py"
    target.write_text(target.read_text() + "\n{{ cookiecutter.no_such_variable.attribute }}\n")
    out = tmp_path / "deep" / "out"
    with pytest.raises(Exception) as err:
        new_service(payments, "orders", "payments", template="broken", output_dir=out)
    assert type(err.value).__module__.startswith("platform_cli.errors")
    assert not (tmp_path / "deep").exists()


def test_failing_hook_leaves_nothing_behind(payments, tmp_path):
    broken = payments.root / "service_templates" / "hooked"
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[2] / "service_templates" / "python-web", broken)
    (broken / "template.yaml").write_text((broken / "template.yaml").read_text().replace("python-web", "hooked"))
    (broken / "hooks" / "post_gen_project.py").write_text("import sys\nsys.exit(3)\n")
    tmp_path = tmp_path / "out"
    (tmp_path / "other").mkdir(parents=True)
    with pytest.raises(UsageError, match="refused"):
        new_service(payments, "orders", "payments", template="hooked", output_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


@pytest.mark.parametrize("args, code, text", [
    (["Bad_Name", "--space", "payments"], 2, "not DNS-safe"),
    (["orders", "--space", "nobody"], 4, "does not exist"),
    (["orders", "--space", "payments", "--template", "cobol"], 4, "python-web, python-worker"),
])
def test_bad_input_is_refused_cleanly(payments, tmp_path, run_cli, args, code, text):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    r = run_cli("-w", str(payments.root), "service", "new", *args, "-o", str(tmp_path))
    assert r.exit_code == code, r.stderr
    assert text in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_gitlab_refused_when_the_blueprint_does_not_trust_it(workspace, tmp_path):
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="labs", blueprint="minimal@1", envs=["dev=eu-central-1"]))
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(PolicyError, match="GitLab"):
        new_service(workspace, "tool", "labs", ci="gitlab", output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


SERVICE_WITH_COMMENTS = """\
# yaml-language-server: $schema=https://platform.example.dev/schemas/service.schema.json
# Orders API: owned by payments.
schema_version: 1
name: orders
space: payments   # the team space
kind: web
env:
  LOG_LEVEL: info  # keep it quiet
bindings:
  # the main database
  - name: db
    offering: postgres
    plan: dev
rollout:
  batch_size: 2   # small waves
environments:
  prod:
    markets: [DE, FR]
"""


def test_bind_unbind_round_trip_keeps_comments_and_order(payments, tmp_path):
    path = tmp_path / "svc" / "service.yaml"
    path.parent.mkdir()
    path.write_text(SERVICE_WITH_COMMENTS)
    info = bind(payments, path.parent, "queue", "fifo", "jobs")
    text = path.read_text()
    assert "# the main database" in text and "# small waves" in text and "# keep it quiet" in text
    svc = Service.load(path)
    assert [(b.name, b.offering, b.plan) for b in svc.bindings] == [("db", "postgres", "dev"), ("jobs", "queue", "fifo")]
    assert list(yaml.safe_load(text)) == list(yaml.safe_load(SERVICE_WITH_COMMENTS))
    assert info.env_names()["url"] == "BINDING_JOBS_URL"
    unbind(payments, path.parent, "jobs")
    assert path.read_text() == SERVICE_WITH_COMMENTS


def test_generated_service_round_trips_byte_for_byte(payments, svc):
    before = {n: (svc / n).read_text() for n in ("service.yaml", "catalog-info.yaml")}
    bind(payments, svc, "postgres", "dev", "db")
    catalog = list(yaml.safe_load_all((svc / "catalog-info.yaml").read_text()))
    assert catalog[0]["spec"]["dependsOn"] == ["resource:orders-db"]
    assert catalog[1]["kind"] == "Resource" and catalog[1]["spec"]["type"] == "postgres"
    unbind(payments, svc, "db")
    assert {n: (svc / n).read_text() for n in before} == before


def test_bind_without_bindings_key_inserts_before_rollout(payments, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text("schema_version: 1\nname: orders\nspace: payments\nrollout:\n  batch_size: 2\n"
                    "environments:\n  dev:\n    regions: [eu-central-1]\n")
    bind(payments, tmp_path, "bucket", "standard" if _has_plan(payments, "bucket", "standard") else _first_plan(payments, "bucket"))
    assert list(yaml.safe_load(path.read_text())) == ["schema_version", "name", "space", "bindings", "rollout", "environments"]


def _has_plan(ws, offering, plan):
    return ws.catalog.offering(offering).plan(plan) is not None


def _first_plan(ws, offering):
    return next(p.name for p in ws.catalog.offering(offering).plans if not p.paid)


@pytest.mark.parametrize("offering, plan, error, expected", [
    ("mongodb", "small", NotFoundError, "postgres, queue"),
    ("postgres", "huge", NotFoundError, "dev ($15/month), standard ($62/month)"),
    ("postgres", "ha", PolicyError, "does not allow paid plans; plans it allows: dev"),
])
def test_bad_offerings_and_plans_are_refused_with_the_choices(payments, svc, offering, plan, error, expected):
    before = (svc / "service.yaml").read_text()
    with pytest.raises(error) as err:
        bind(payments, svc, offering, plan)
    assert expected in err.value.message
    assert (svc / "service.yaml").read_text() == before


def test_blueprint_narrowing_offerings_and_plans(workspace, tmp_path):
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="labs", blueprint="minimal@1", envs=["dev=eu-central-1"]))
    project = new_service(workspace, "tool", "labs", output_dir=tmp_path).path
    with pytest.raises(PolicyError, match="does not allow offering 'postgres'; allowed: bucket, queue, table, topic"):
        bind(workspace, project, "postgres", "dev")
    plans = [p.name for p in workspace.catalog.offering("table").plans if p.name != "on-demand"]
    with pytest.raises(PolicyError, match="plan .* of table; allowed: on-demand"):
        bind(workspace, project, "table", plans[0])


def test_paid_plan_allowed_by_a_newer_blueprint(workspace, tmp_path):
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="core", blueprint="standard@2", envs=["prod=DE"]))
    project = new_service(workspace, "ledger", "core", output_dir=tmp_path).path
    assert bind(workspace, project, "postgres", "ha", "db").plan == "ha"


def test_duplicate_and_unknown_binding_names(payments, svc):
    bind(payments, svc, "postgres", "dev", "db")
    with pytest.raises(ConflictError, match="exists already"):
        bind(payments, svc, "queue", "standard", "db")
    with pytest.raises(NotFoundError, match="bindings: db"):
        unbind(payments, svc, "cache")


def test_cli_bind_prints_the_names_the_app_reads(payments, svc, run_cli):
    r = run_cli("-w", str(payments.root), "service", "bind", str(svc), "--offering", "postgres", "--plan", "dev", "--name", "db")
    assert r.exit_code == 0, r.stderr
    assert "$BINDING_DB_PASSWORD" in r.stdout and "$SERVICE_BINDING_ROOT/db/password" in r.stdout
    r = run_cli("-w", str(payments.root), "service", "show", str(svc), "--json")
    data = json.loads(r.stdout)
    assert data["template"] == {"name": "python-web", "version": find_template("python-web").version}
    assert data["bindings"][0]["env"]["uri"] == "BINDING_DB_URI"
    r = run_cli("-w", str(payments.root), "service", "bind", str(svc), "--offering", "postgres", "--plan", "ha")
    assert r.exit_code == 6 and "dev ($15/month), standard ($62/month)" in r.stderr
    r = run_cli("-w", str(payments.root), "service", "unbind", str(svc), "db", "--yes")
    assert r.exit_code == 0 and show(payments, svc)["bindings"] == []


def test_show_of_a_folder_without_service_yaml(payments, tmp_path, run_cli):
    r = run_cli("-w", str(payments.root), "service", "show", str(tmp_path))
    assert r.exit_code == 4 and "service.yaml" in r.stderr


def test_template_list_and_show(run_cli, tmp_path):
    os.chdir(tmp_path)
    r = run_cli("template", "list", "--json")
    assert r.exit_code == 0, r.stderr
    names = {t["name"]: t for t in json.loads(r.stdout)["templates"]}
    assert set(names) >= {"python-web", "python-worker"}
    assert names["python-worker"]["kind"] == "worker" and names["python-web"]["version"] == find_template("python-web").version
    r = run_cli("template", "show", "python-worker", "--json")
    assert json.loads(r.stdout)["variables"]["queue_binding"] == "jobs"
    r = run_cli("template", "show", "cobol")
    assert r.exit_code == 4 and "python-web" in r.stderr


def test_service_help_does_not_import_cookiecutter():
    import subprocess
    import sys

    code = ("import sys\nfrom platform_cli.cli import main\n"
            "try:\n    main(['service', '--help'])\nexcept SystemExit:\n    pass\n"
            "try:\n    main(['template', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('COOKIE' if 'cookiecutter' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().endswith("CLEAN"), out.stdout + out.stderr
