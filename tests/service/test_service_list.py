"""platform service list: the services a workspace knows, their template version, environments
and last release; a broken space file does not hide the others."""

from __future__ import annotations

import json

import yaml

from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path
from platform_cli.scaffold import find_template
from platform_cli.service_repo import new_service
from platform_cli.services.registry import list_services
from platform_cli.spaces import CreateSpaceRequest, create_space


def _deployed(ws, team, service, env, version, start, result="succeeded", action="up"):
    SQLiteHistory(sqlite_path(ws.local_dir)).add(Deployment(
        rollout="r1", unit=f"service/{team}/{service}/{env}/eu-central-1", team=team, env=env, region="eu-central-1",
        kind="service", what=service, action=action, version=version, who="ci", start=start, end=start,
        result=result))


def test_list_shows_recorded_services_ci_repos_and_last_releases(payments, tmp_path, run_cli):
    inside = new_service(payments, "orders", "payments", output_dir=payments.root / "services").path
    new_service(payments, "mailer", "payments", template="python-worker", output_dir=tmp_path)
    _deployed(payments, "payments", "orders", "dev", "1.0.0", "2026-01-01T10:00:00Z")
    _deployed(payments, "payments", "orders", "prod", "1.0.0", "2026-01-02T10:00:00Z")
    _deployed(payments, "payments", "orders", "dev", "1.1.0", "2026-01-03T10:00:00Z")
    _deployed(payments, "payments", "orders", "prod", "1.2.0", "2026-01-04T10:00:00Z", result="failed")
    _deployed(payments, "payments", "mailer", "dev", "0.1.0", "2026-01-01T10:00:00Z", action="destroy")
    # the checkout inside the workspace moved to another template version: the list reads it
    answers = inside / ".platform/answers.yml"
    answers.write_text(answers.read_text().replace(f"template_version: {find_template('python-web').version}",
                                                   "template_version: 1.1.0"))
    r = run_cli("-w", str(payments.root), "service", "list", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {s["name"]: s for s in json.loads(r.stdout)["services"]}
    assert set(rows) == {"orders", "mailer", "payments-api"}
    orders = rows["orders"]
    assert (orders["source"], orders["repository"], orders["template"], orders["template_version"]) == \
        ("recorded", "acme/orders", "python-web", "1.1.0")
    assert orders["path"] == "services/orders" and orders["environments"] == ["dev", "prod"]
    assert orders["releases"] == {"dev": "1.1.0", "prod": "1.0.0"}  # the failed 1.2.0 is no release
    assert orders["last_release"] == {"env": "dev", "version": "1.1.0", "at": "2026-01-03T10:00:00Z"}
    assert rows["mailer"]["template_version"] == find_template("python-worker").version
    assert rows["mailer"]["releases"] == {} and rows["mailer"]["last_release"] is None
    assert rows["payments-api"]["source"] == "ci_repos" and rows["payments-api"]["template"] is None
    table = run_cli("-w", str(payments.root), "service", "list")
    assert "python-web@1.1.0" in table.stdout and "dev=1.1.0, prod=1.0.0" in table.stdout
    assert "1.1.0 (dev)" in table.stdout


def test_list_of_one_space_and_a_broken_space_file(payments, tmp_path, run_cli):
    create_space(payments, CreateSpaceRequest(team="labs", blueprint="standard@1", envs=["dev=DE"]))
    new_service(payments, "tool", "labs", output_dir=tmp_path)
    new_service(payments, "orders", "payments", output_dir=tmp_path)
    items, bad = list_services(payments, "labs")
    assert [(s.team, s.name) for s in items] == [("labs", "tool")] and bad == []
    payments.space_path("payments").write_text("team: payments\nservices: [oops\n")
    r = run_cli("-w", str(payments.root), "service", "list", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert [s["name"] for s in data["services"]] == ["tool"]
    assert len(data["errors"]) == 1 and "payments.yaml" in data["errors"][0]


def test_a_damaged_service_record_names_the_file_and_field(payments, tmp_path, run_cli):
    new_service(payments, "orders", "payments", output_dir=tmp_path)
    path = payments.space_path("payments")
    data = yaml.safe_load(path.read_text())
    data["services"][0]["template_version"] = "latest"
    data["services"].append(dict(data["services"][0], template_version="1.1.0"))
    path.write_text(yaml.safe_dump(data))
    r = run_cli("-w", str(payments.root), "service", "list", "--space", "payments")
    assert r.exit_code == 3
    assert "services.0.template_version" in r.stderr and "payments.yaml" in r.stderr


def test_a_service_recorded_twice_in_a_space_is_refused(payments, tmp_path, run_cli):
    new_service(payments, "orders", "payments", output_dir=tmp_path)
    path = payments.space_path("payments")
    data = yaml.safe_load(path.read_text())
    data["services"].append(dict(data["services"][0], repository="acme/other"))
    path.write_text(yaml.safe_dump(data))
    r = run_cli("-w", str(payments.root), "service", "list", "--space", "payments")
    assert r.exit_code == 3 and "'orders' is recorded twice" in r.stderr
