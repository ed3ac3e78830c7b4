"""A service repository finds its workspace: --workspace, PLATFORM_WORKSPACE, the folders above,
then the checkout its answers file records, in that order; otherwise an error that says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from platform_cli.errors import ConflictError, NotFoundError, UsageError
from platform_cli.model import Space
from platform_cli.service_repo import new_service
from platform_cli.services.answers import locate_workspace, read_answers
from platform_cli.workspace import init_workspace


@pytest.fixture
def clone(payments, tmp_path):
    """orders generated beside the workspace (tmp/repos/orders), as a team's laptop has it."""
    return new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path


def _other_workspace(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    init_workspace(root, org="acme")
    return root


def test_the_answers_file_records_the_workspace_repository_and_checkout(clone, payments):
    answers = read_answers(clone)
    assert answers.workspace.repository == "acme/platform-workspace"
    assert (clone / answers.workspace.path).resolve() == payments.root
    assert answers.answers["repository"] == "acme/orders"


def test_lookup_order(clone, payments, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # 4. nothing else: the recorded checkout
    found = locate_workspace(clone)
    assert (found.root, found.how) == (payments.root, "answers file")
    # 3. a workspace above the current folder wins over the record
    above = _other_workspace(tmp_path, "above")
    (above / "deep").mkdir()
    monkeypatch.chdir(above / "deep")
    assert locate_workspace(clone).root == above
    # 2. PLATFORM_WORKSPACE wins over the folders above
    env_ws = _other_workspace(tmp_path, "from-env")
    monkeypatch.setenv("PLATFORM_WORKSPACE", str(env_ws))
    assert (locate_workspace(clone).root, locate_workspace(clone).how) == (env_ws, "PLATFORM_WORKSPACE")
    # 1. --workspace wins over everything
    assert locate_workspace(clone, str(payments.root)).how == "--workspace"


def test_a_repository_inside_the_workspace_finds_it_above(payments, monkeypatch, tmp_path):
    path = new_service(payments, "ledger", "payments", output_dir=payments.root / "services").path
    monkeypatch.chdir(tmp_path)
    assert (locate_workspace(path).root, locate_workspace(path).how) == (payments.root, "folders above")


def test_a_clone_without_a_recorded_path_looks_next_to_itself(clone, payments, tmp_path, monkeypatch):
    """Repositories generated before template 1.2.0 record only answers.workspace_repo."""
    answers = clone / ".platform/answers.yml"
    data = yaml.safe_load(answers.read_text())
    del data["workspace"]
    answers.write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotFoundError) as err:
        locate_workspace(clone)
    assert str(clone.parent / "platform-workspace") in err.value.message
    shutil.copytree(payments.root, clone.parent / "platform-workspace")
    assert locate_workspace(clone).root == clone.parent / "platform-workspace"


def test_no_workspace_anywhere_says_what_was_tried_and_how_to_point_at_it(clone, payments, tmp_path, run_cli,
                                                                           monkeypatch):
    shutil.move(payments.root, tmp_path / "moved")
    monkeypatch.chdir(clone)
    r = run_cli("service", "show", ".")
    assert r.exit_code == 4
    err = r.stderr
    assert "no workspace found" in err and "no --workspace" in err and "PLATFORM_WORKSPACE is not set" in err
    assert "acme/platform-workspace" in err and str(payments.root) in err
    assert f"git clone https://github.com/acme/platform-workspace.git {payments.root}" in err
    assert "platform init" not in err
    # pointing at it works, from the same folder
    assert run_cli("-w", str(tmp_path / "moved"), "service", "show", ".").exit_code == 0
    monkeypatch.setenv("PLATFORM_WORKSPACE", str(tmp_path / "moved"))
    assert run_cli("service", "show", ".").exit_code == 0


def test_outside_any_service_repository_the_error_says_that(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotFoundError) as err:
        locate_workspace(tmp_path)
    assert "not inside a service repository" in err.value.message and "--workspace" in err.value.hint


@pytest.mark.parametrize("command", [["show", "."], ["plan", ".", "--env", "dev"], ["bind", ".", "-o", "postgres",
                                                                                   "-p", "dev", "-n", "db"]])
def test_service_commands_in_a_clone_find_the_recorded_workspace(clone, tmp_path, run_cli, monkeypatch, command):
    monkeypatch.chdir(clone)
    r = run_cli("service", *command)
    assert "no workspace found" not in r.stderr
    assert r.exit_code == 0, r.stderr


# service new --repo -------------------------------------------------------------------
def test_repo_is_recorded_in_the_answers_and_the_space(payments, tmp_path, run_cli):
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path),
                "--repo", "payments-team/orders-api", "--allow-repo", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["repository"] == "github:payments-team/orders-api" and data["repository_added"]
    assert read_answers(tmp_path / "orders").answers["repository"] == "payments-team/orders-api"
    space = Space.load(payments.space_path("payments"))
    assert "github:payments-team/orders-api" in space.ci_repos
    [rec] = space.services
    assert (rec.name, rec.repository, rec.ci, rec.template) == ("orders", "payments-team/orders-api", "github",
                                                                "python-web")
    assert rec.path is None  # generated outside the workspace
    assert "ci_repos` (payments-team/orders-api)" in (tmp_path / "orders/README.md").read_text()


def test_bad_or_taken_repo_is_refused_before_anything_is_written(payments, tmp_path):
    before = payments.space_path("payments").read_text()
    with pytest.raises(UsageError, match="--repo 'not a repo'"):
        new_service(payments, "orders", "payments", output_dir=tmp_path, repo="not a repo")
    new_service(payments, "orders", "payments", output_dir=tmp_path / "a")
    after_first = payments.space_path("payments").read_text()
    assert after_first != before
    with pytest.raises(ConflictError, match="recorded in space payments already"):
        new_service(payments, "orders", "payments", output_dir=tmp_path / "b")
    with pytest.raises(ConflictError, match="repository acme/orders is recorded already"):
        new_service(payments, "billing", "payments", output_dir=tmp_path / "c", repo="acme/orders")
    assert payments.space_path("payments").read_text() == after_first
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


# README and helper name the real bindings ------------------------------------------------
def test_generated_readme_and_helper_use_the_real_binding_names(payments, tmp_path):
    worker = new_service(payments, "mailer", "payments", template="python-worker", output_dir=tmp_path).path
    readme = (worker / "README.md").read_text()
    helper = (worker / "app/bindings.py").read_text()
    assert "- `jobs` (queue, plan standard): `BINDING_JOBS_TYPE`" in readme and "BINDING_JOBS_URL" in readme
    assert 'jobs = bindings.binding("jobs")' in readme and 'jobs = bindings.binding("jobs")' in helper
    assert "BINDING_JOBS_ARN" in helper and "orders-db" not in readme
    web = new_service(payments, "front", "payments", output_dir=tmp_path).path
    assert "has no bindings yet" in (web / "README.md").read_text()
    assert "has no bindings yet" in (web / "app/bindings.py").read_text()
