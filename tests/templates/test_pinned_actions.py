"""The actions the generated GitHub workflows pin: README's list (what a GitHub Enterprise Server must serve) is the
templates' own, every `uses:` of a template is in it, and `platform doctor` and `service new` name them for a host
that is not github.com."""

from __future__ import annotations

import json
import re

import pytest

from platform_cli.errors import SpecError
from platform_cli.scaffold import find_template
from platform_cli.services.pipeline import actions_host_note, pinned_actions

from ._support import REPO, TEMPLATES

LISTED = re.compile(r"^- `([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@([0-9a-f]{40})` \((\S+)\)$")


def _readme_list() -> list[tuple[str, str, str]]:
    text = (REPO / "README.md").read_text()
    start = text.index("<!-- pinned-actions:")
    block = text[start:text.index("<!-- /pinned-actions -->", start)].splitlines()[1:]
    assert block and all(LISTED.match(line) for line in block), block
    return [LISTED.match(line).groups() for line in block]


def _templates_pins() -> list[tuple[str, str, str]]:
    return sorted({a for t in TEMPLATES for a in pinned_actions(find_template(t).path)})


def test_readme_lists_exactly_the_actions_the_templates_pin():
    assert _readme_list() == _templates_pins()


def test_every_uses_of_every_template_workflow_is_a_listed_pin():
    listed = {f"{name}@{sha}" for name, sha, _ in _readme_list()}
    uses = [line.split("uses:", 1)[1].split("#")[0].strip()
            for t in TEMPLATES for wf in (find_template(t).path).glob("*/.github/workflows/*.yml")
            for line in wf.read_text().splitlines() if line.strip().startswith(("uses:", "- uses:"))]
    assert uses and set(uses) <= listed, set(uses) - listed


def test_the_scan_misses_no_pin_and_takes_no_unpinned_action(tmp_path):
    folder = tmp_path / "tpl" / "{{cookiecutter.service_name}}" / ".github" / "workflows"
    folder.mkdir(parents=True)
    sha = "0" * 40
    (folder / "a.yml").write_text(f"steps:\n  - uses: o/a@{sha} # v1\n  - name: x\n    uses: o/b@{sha} # v2.0.0\n"
                                  "  - uses: o/c@v3\n")
    assert pinned_actions(tmp_path / "tpl") == [("o/a", sha, "v1"), ("o/b", sha, "v2.0.0")]


def test_a_workflow_that_is_no_regular_file_is_named_never_read(tmp_path):
    import os

    folder = tmp_path / "tpl" / "{{cookiecutter.service_name}}" / ".github" / "workflows"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "a.yml")  # reading it would wait for a writer forever
    with pytest.raises(SpecError, match=r"a\.yml.*(FIFO|fifo|regular)"):
        pinned_actions(tmp_path / "tpl")
    (folder / "a.yml").unlink()
    (folder / "a.yml").symlink_to("/dev/zero")
    with pytest.raises(SpecError, match=r"a\.yml"):
        pinned_actions(tmp_path / "tpl")


def _pin_host(root, url):
    from platform_cli.yamlio import RoundTrip

    with RoundTrip(root / "platform.yaml") as doc:
        doc.setdefault("ci", {})["hosts"] = {"github": {"url": url}}


def test_doctor_lists_them_for_an_enterprise_server_only(run_cli, workspace):
    checks = {c["name"]: c for c in json.loads(run_cli("-w", str(workspace.root), "doctor", "--json").stdout)["checks"]}
    assert checks["github-actions"]["status"] == "ok" and "github.com serves the 4 actions" in checks["github-actions"]["detail"]
    _pin_host(workspace.root, "https://ghe.acme.example")
    r = run_cli("-w", str(workspace.root), "doctor", "--json")
    check = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["github-actions"]
    assert check["status"] == "warn" and check["detail"].startswith("ghe.acme.example must serve")
    for name, sha, tag in _templates_pins():
        assert f"{name}@{sha} ({tag})" in check["detail"]
    assert "GitHub Connect" in check["hint"] and "same owner/name" in check["hint"]
    assert json.loads(r.stdout)["ok"] is True  # a warning: the instance cannot be asked offline


def test_the_note_is_for_hosts_other_than_github_com():
    from platform_cli.planning.ci_hosts import OidcHost

    pins = _templates_pins()
    com = OidcHost("github", "https://github.com", "https://token.actions.githubusercontent.com", "sts.amazonaws.com")
    ghes = OidcHost("github", "https://ghe.acme.example", "https://ghe.acme.example/_services/token", "sts.amazonaws.com")
    assert actions_host_note(com, pins) is None and actions_host_note(None, pins) is None
    assert actions_host_note(ghes, []) is None
    assert "ghe.acme.example must serve" in actions_host_note(ghes, pins)


def test_service_new_on_an_enterprise_server_points_at_doctor(tmp_path, workspace):
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext

    create_space(workspace, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE"]))
    plain = new_service(WorkspaceContext.open(workspace.root), "orders", "payments", output_dir=tmp_path / "a")
    assert not any(s.startswith("platform doctor") for s in plain.next_steps)
    _pin_host(workspace.root, "https://ghe.acme.example")
    ghes = new_service(WorkspaceContext.open(workspace.root), "billing", "payments", output_dir=tmp_path / "b")
    assert any(s.startswith("platform doctor") and "ghe.acme.example" in s for s in ghes.next_steps)
