"""Destructive-safe unbind, next steps that fit the generated service, and --allow-repo."""

from __future__ import annotations

import difflib
import json
import types
from pathlib import Path

import pytest

from platform_cli.model import Service, Space
from platform_cli.service_repo import new_service
from platform_cli.services.bindings import bind, show


@pytest.fixture
def svc(payments, tmp_path):
    """A python-web service of team payments with a postgres binding `db`."""
    path = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path
    bind(payments, path, "postgres", "dev", "db")
    return path


def _files(svc: Path) -> dict[str, str]:
    return {n: (svc / n).read_text() for n in ("service.yaml", "catalog-info.yaml")}


# unbind -----------------------------------------------------------------------------
def test_unbind_without_terminal_or_yes_refuses_and_changes_nothing(payments, svc, run_cli):
    before = _files(svc)
    r = run_cli("-w", str(payments.root), "service", "unbind", str(svc), "db")
    assert r.exit_code == 11, r.stderr
    assert "postgres" in r.stderr and "plan dev" in r.stderr and "data" in r.stderr
    assert "--yes" in r.stderr
    assert _files(svc) == before
    assert [b["name"] for b in show(payments, svc)["bindings"]] == ["db"]


def test_unbind_with_yes_says_what_goes_and_removes_it(payments, svc, run_cli):
    r = run_cli("-w", str(payments.root), "service", "unbind", str(svc), "db", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "postgres" in r.stderr and "data" in r.stderr
    assert show(payments, svc)["bindings"] == []


@pytest.mark.parametrize("answer, code, remaining", [("n\n", 11, ["db"]), ("y\n", 0, [])])
def test_unbind_asks_on_a_terminal(payments, svc, run_cli, monkeypatch, answer, code, remaining):
    import platform_cli.cli._common as common

    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True), stdout=common.sys.stdout)
    monkeypatch.setattr(common, "sys", terminal)
    r = run_cli("-w", str(payments.root), "service", "unbind", str(svc), "db", input=answer)
    assert r.exit_code == code, r.stderr
    assert "[y/N]" in r.stderr
    assert [b["name"] for b in show(payments, svc)["bindings"]] == remaining


def test_unbind_service_function_confirms_before_writing(payments, svc):
    from platform_cli.errors import UserAbort
    from platform_cli.services.bindings import unbind

    before = _files(svc)
    seen = []

    def refuse(info):
        seen.append((info.name, info.offering, info.plan))
        raise UserAbort("no")

    with pytest.raises(UserAbort):
        unbind(payments, svc, "db", confirm=refuse)
    assert seen == [("db", "postgres", "dev")] and _files(svc) == before


# next steps -------------------------------------------------------------------------
@pytest.mark.parametrize("template, bound", [("python-web", False), ("python-worker", True)])
def test_next_steps_follow_the_generated_bindings(payments, tmp_path, run_cli, template, bound):
    r = run_cli("-w", str(payments.root), "service", "new", "pay", "--space", "payments", "--template", template,
                "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    path = tmp_path / "pay"
    steps = [line[len("next: "):] for line in r.stderr.splitlines() if line.startswith("next: ")]
    assert any(s.startswith(f"platform service plan {path} --env dev") for s in steps), steps
    has_bind = any("platform service bind" in s for s in steps)
    if bound:
        assert Service.load(path / "service.yaml").bindings, "the worker template binds its queue"
        assert not has_bind, steps
        assert f"platform service show {path}" in steps
    else:
        assert not Service.load(path / "service.yaml").bindings
        assert f"platform service bind {path} --offering postgres --plan dev --name db" in steps
    r = run_cli("-w", str(payments.root), "service", "new", "pay2", "--space", "payments", "--template", template,
                "-o", str(tmp_path), "--dry-run", "--json")
    data = json.loads(r.stdout)
    assert bool(data["bindings"]) == bound
    assert any("service bind" in s for s in data["next_steps"]) != bound


# --allow-repo -----------------------------------------------------------------------
def _commented_space(ws) -> tuple[Path, str]:
    path = ws.space_path("payments")
    text = path.read_text()
    assert "ci_repos:\n" in text
    text = ("# Team payments: reviewed by Cloud & Tools.\n"
            + text.replace("ci_repos:\n", "# who may deploy through OIDC\nci_repos:  # keep sorted by hand\n", 1))
    path.write_text(text)
    return path, text


def _without_services(text: str) -> list[str]:
    """The lines of a space file without its services: block (service new records every service there)."""
    out, skipping = [], False
    for line in text.splitlines():
        if line.startswith("services:"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "-")) or not line):
            continue
        skipping = False
        out.append(line)
    return out


def test_allow_repo_adds_the_repository_keeping_the_rest(payments, tmp_path, run_cli):
    path, before = _commented_space(payments)
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path),
                "--allow-repo")
    assert r.exit_code == 0, r.stderr
    assert "added github:acme/orders to ci_repos" in r.stderr and "spaces/payments.yaml" in r.stderr
    assert "is not among the CI repositories" not in r.stderr
    after = path.read_text()
    diff = [d for d in difflib.ndiff(_without_services(before), _without_services(after)) if d[:1] in "+-"]
    assert len(diff) == 1 and diff[0].startswith("+ ") and diff[0][2:].strip() == "- github:acme/orders", diff
    assert [(s.name, s.repository) for s in Space.load(path).services] == [("orders", "acme/orders")]
    assert Space.load(path).ci_repos == ["acme/payments-api", "github:acme/orders"]
    from platform_cli.workspace import WorkspaceContext

    assert "github:acme/orders" in WorkspaceContext.open(payments.root).space("payments").ci_repos
    assert run_cli("-w", str(payments.root), "space", "show", "payments").exit_code == 0


def test_allow_repo_into_an_empty_list_and_json(workspace, tmp_path, run_cli):
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="labs", blueprint="standard@1", envs=["dev=DE"]))
    path = workspace.space_path("labs")
    before = path.read_text()
    assert "ci_repos: []" in before
    r = run_cli("-w", str(workspace.root), "service", "new", "tool", "--space", "labs", "-o", str(tmp_path),
                "--allow-repo", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["repository"] == "github:acme/tool" and data["repository_added"] and data["repository_allowed"]
    assert Space.load(path).ci_repos == ["github:acme/tool"]
    assert _without_services(path.read_text().replace("ci_repos:\n- github:acme/tool\n", "ci_repos: []\n")) == \
        _without_services(before)


def test_allow_repo_is_a_no_op_when_already_allowed_and_on_dry_run(payments, tmp_path, run_cli):
    path, before = _commented_space(payments)
    r = run_cli("-w", str(payments.root), "service", "new", "payments-api", "--space", "payments", "-o", str(tmp_path),
                "--allow-repo")
    assert r.exit_code == 0, r.stderr
    assert "added" not in r.stderr and _without_services(path.read_text()) == _without_services(before)
    r = run_cli("-w", str(payments.root), "service", "new", "ledger", "--space", "payments", "-o", str(tmp_path),
                "--allow-repo", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "would add github:acme/ledger to ci_repos" in r.stderr
    assert _without_services(path.read_text()) == _without_services(before) and not (tmp_path / "ledger").exists()
    assert "ledger" not in [s.name for s in Space.load(path).services]


def test_allow_repo_is_not_added_when_generation_fails(payments, tmp_path, run_cli):
    path, before = _commented_space(payments)
    (tmp_path / "orders").mkdir()
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path),
                "--allow-repo")
    assert r.exit_code == 5
    assert path.read_text() == before


def test_without_allow_repo_the_note_names_the_exact_edit(payments, tmp_path, run_cli):
    path, before = _commented_space(payments)
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    note = " ".join(line for line in r.stderr.splitlines() if "acme/orders" in line)
    assert "- github:acme/orders" in note and "ci_repos:" in note and str(path) in note
    assert "platform space apply payments" in note and "--allow-repo" in note
    assert _without_services(path.read_text()) == _without_services(before)


def test_a_gitlab_service_adds_its_project_in_the_gitlab_form_and_a_github_one_says_how_to_set_its_subject(
        payments, tmp_path, run_cli):
    from platform_cli.planning.ci_repos import github_subject_command

    path, _ = _commented_space(payments)
    # the space's bare acme/payments-api is the GitHub repository: on GitLab the project is not yet allowed
    r = run_cli("-w", str(payments.root), "service", "new", "payments-api", "--space", "payments", "-o", str(tmp_path),
                "--ci", "gitlab", "--allow-repo", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["repository"] == "gitlab:acme/payments-api" and data["repository_added"]
    assert Space.load(path).ci_repos == ["acme/payments-api", "gitlab:acme/payments-api"]
    assert not any("customization/sub" in step for step in data["next_steps"])
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments", "-o", str(tmp_path / "gh"),
                "--json")
    data = json.loads(r.stdout)
    assert any(step.startswith(github_subject_command("acme/orders")) for step in data["next_steps"]), data["next_steps"]
    readme = (tmp_path / "gh" / "orders" / "README.md").read_text()
    assert github_subject_command("acme/orders") in readme
