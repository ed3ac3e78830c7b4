"""platform.yaml ``ci.images.python`` and the template's ``python_version`` name the same Python minor version:
checked by the pure rule, by `service new`, by `service upgrade` and by `platform doctor`, each side broken at the
boundary."""

from __future__ import annotations

import json

import pytest

from platform_cli.errors import SpecError
from platform_cli.planning.images import image_tag, python_image_problem, python_minor

D = "@sha256:" + "ab" * 32


@pytest.mark.parametrize("image, minor", [
    ("python:3.12.8-slim-bookworm" + D, "3.12"), ("python:3.12-slim" + D, "3.12"), ("python:3.12" + D, "3.12"),
    ("registry.acme.example:5000/mirror/python:3.13.1-alpine" + D, "3.13"), ("python:3.9_rc" + D, "3.9"),
    ("python:3-slim" + D, None), ("python:slim-3.12" + D, None), ("python:3.120" + D, "3.120"),
    ("python" + D, None), ("registry.acme.example:5000/python" + D, None),
])
def test_the_minor_version_is_read_from_the_tag(image, minor):
    assert python_minor(image) == minor


def test_a_registry_port_is_not_a_tag():
    assert image_tag("registry.acme.example:5000/python" + D) is None
    assert image_tag("registry.acme.example:5000/python:3.12" + D) == "3.12"


@pytest.mark.parametrize("image, version, fails", [
    ("python:3.12.8-slim-bookworm" + D, "3.12", False),
    ("python:3.12-slim" + D, "3.12", False),
    ("python:3.13-slim" + D, "3.12", True),   # the next minor
    ("python:3.11-slim" + D, "3.12", True),   # the previous minor
    ("python:3.12-slim" + D, "3.13", True),   # the template's side moved
    ("python:3.1-slim" + D, "3.12", True),    # a prefix of the version is not the version
    ("python:3.120" + D, "3.12", True),
    ("python:4.12" + D, "3.12", True),        # the major differs
    ("python:3-slim" + D, "3", True),         # the template's python_version is no MAJOR.MINOR
    ("python:3-slim" + D, "3.12", True),      # a tag without a minor version
    ("python:latest" + D, "3.12", True),
    ("python" + D, "3.12", True),             # a digest without a tag names no version
])
def test_the_rule_breaks_on_each_side(image, version, fails):
    problem = python_image_problem(image, version, "python-web")
    assert (problem is not None) is fails, problem
    if fails:
        assert "python_version" in problem and "python-web" in problem


def test_messages_name_the_field_and_the_template_value():
    mismatch = python_image_problem("python:3.13-slim" + D, "3.12", "python-web")
    assert mismatch.startswith("platform.yaml: ci.images.python: ") and "3.13" in mismatch
    assert "template python-web has python_version 3.12" in mismatch
    tagless = python_image_problem("python" + D, "3.12", "python-web")
    assert "has no tag" in tagless and "python:3.12-slim@sha256:DIGEST" in tagless


def _pin(root, image):
    from platform_cli.yamlio import RoundTrip

    with RoundTrip(root / "platform.yaml") as doc:
        doc.setdefault("ci", {})["images"] = {"python": image}


def _space(workspace):
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(workspace.root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE"]))
    return ws


def test_service_new_refuses_a_python_image_of_another_minor_writing_nothing(tmp_path, workspace):
    from platform_cli.service_repo import new_service
    from platform_cli.workspace import WorkspaceContext

    _pin(workspace.root, "python:3.13.1-slim-bookworm" + D)
    ws = _space(workspace)
    before = ws.space_path("payments").read_bytes()
    with pytest.raises(SpecError) as err:
        new_service(WorkspaceContext.open(ws.root), "orders", "payments", output_dir=tmp_path)
    assert "ci.images.python" in err.value.message and "python_version 3.12" in err.value.message
    assert err.value.file == str(ws.root / "platform.yaml")
    assert not (tmp_path / "orders").exists()
    assert ws.space_path("payments").read_bytes() == before  # not recorded either


def test_service_new_takes_a_python_image_of_the_same_minor(tmp_path, workspace):
    from platform_cli.service_repo import new_service
    from platform_cli.workspace import WorkspaceContext

    _pin(workspace.root, "python:3.12-alpine" + D)
    ws = _space(workspace)
    project = new_service(WorkspaceContext.open(ws.root), "orders", "payments", output_dir=tmp_path).path
    assert ("FROM python:3.12-alpine" + D) in (project / "Dockerfile").read_text()


def test_service_upgrade_refuses_a_python_image_changed_to_another_minor(tmp_path, workspace):
    import subprocess

    from platform_cli.services.upgrade import upgrade_service
    from platform_cli.service_repo import new_service
    from platform_cli.workspace import WorkspaceContext

    ws = _space(workspace)
    project = new_service(WorkspaceContext.open(ws.root), "orders", "payments", output_dir=tmp_path,
                          version=_older("python-web")).path
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    _pin(ws.root, "python@sha256:" + "cd" * 32)  # a digest without a tag
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    with pytest.raises(SpecError) as err:
        upgrade_service(WorkspaceContext.open(ws.root), project)
    assert "ci.images.python" in err.value.message and "has no tag" in err.value.message
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts} == before


def _older(template):
    from platform_cli.scaffold import find_template
    from platform_cli.scaffold.releases import versions

    tpl = find_template(template)
    return versions(tpl.path, tpl.version)[-2]


def test_doctor_reports_a_mismatch_naming_both_and_fails(run_cli, workspace):
    ok = run_cli("-w", str(workspace.root), "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(ok.stdout)["checks"]}
    assert checks["python-image"]["status"] == "ok" and "python-web 3.12" in checks["python-image"]["detail"]
    _pin(workspace.root, "python:3.11-slim" + D)
    bad = run_cli("-w", str(workspace.root), "doctor", "--json")
    assert bad.exit_code != 0
    check = {c["name"]: c for c in json.loads(bad.stdout)["checks"]}["python-image"]
    assert check["status"] == "fail"
    assert "ci.images.python" in check["detail"] and "python_version 3.12" in check["detail"]
    assert "python-web" in check["detail"] and "python-worker" in check["detail"]
