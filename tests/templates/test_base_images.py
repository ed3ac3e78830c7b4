"""Every image a generated repository builds from or runs CI in is referenced by digest (IMAGE:TAG@sha256:DIGEST),
and every Python requirement it installs is pinned with its hashes and installed with ``--require-hashes``.

Images the platform writes: the Dockerfile's ``FROM`` (and no ``# syntax=`` frontend image, which BuildKit would
pull by tag), every ``image:`` and ``services:`` of ``.gitlab-ci.yml``, and any ``container:``, ``services:`` or
``docker://`` action of the GitHub workflows. Checked on plain cookiecutter renders of both templates for both CI
providers, and on repositories `platform service new` writes (their pins come from platform.yaml ``ci.images``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ._support import CIS, TEMPLATES

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
EXACT_TAG = re.compile(r"^[a-z0-9./-]+:\d+\.\d+\.\d+[A-Za-z0-9.-]*$")  # name:MAJOR.MINOR.PATCH[-variant]
REQUIREMENTS = ("requirements.txt", "requirements-test.txt", "requirements-lint.txt")
PIP_INSTALL = re.compile(r"pip install\b[^\n]*")


def _dockerfile_images(text: str) -> list[str]:
    images = [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]
    images += [line.split("=", 1)[1].strip() for line in text.splitlines() if re.match(r"#\s*syntax\s*=", line)]
    return images


def _gitlab_images(doc) -> list[str]:
    found: list[str] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            if key in ("image", "services") and "name" in node:
                found.append(node["name"])
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif key in ("image", "services") and isinstance(node, str):
            found.append(node)

    walk(doc)
    return found


def _github_images(doc) -> list[str]:
    found: list[str] = []
    for job in (doc.get("jobs") or {}).values():
        container = job.get("container")
        if container:
            found.append(container if isinstance(container, str) else container.get("image", ""))
        for svc in (job.get("services") or {}).values():
            found.append(svc if isinstance(svc, str) else svc.get("image", ""))
        found += [s["uses"].removeprefix("docker://") for s in job.get("steps", [])
                  if str(s.get("uses", "")).startswith("docker://")]
    return found


def check_image(image: str, where: str) -> None:
    assert DIGEST.search(image), f"{where}: {image} is not referenced by digest (IMAGE:TAG@sha256:DIGEST)"
    assert EXACT_TAG.match(image.split("@", 1)[0]), f"{where}: {image} has a digest but no exact release tag"


def written_images(project: Path) -> list[tuple[str, str]]:
    """(file, image) of every image reference in a generated repository."""
    out = [("Dockerfile", i) for i in _dockerfile_images((project / "Dockerfile").read_text())]
    if (project / ".gitlab-ci.yml").is_file():
        out += [(".gitlab-ci.yml", i) for i in _gitlab_images(yaml.safe_load((project / ".gitlab-ci.yml").read_text()))]
    for wf in sorted((project / ".github/workflows").glob("*.yml")) if (project / ".github").is_dir() else []:
        out += [(wf.name, i) for i in _github_images(yaml.safe_load(wf.read_text()))]
    return out


def check_requirements(project: Path) -> int:
    """Every requirement line of the app's files is NAME==VERSION with at least one --hash; every pip install of
    them (CI, Dockerfile) says --require-hashes. Returns the number of pinned requirements."""
    pinned = 0
    for name in REQUIREMENTS:
        logical = re.sub(r"\\\n\s*", " ", (project / name).read_text())
        for line in logical.splitlines():
            line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("--") else line.strip()
            if not line:
                continue
            assert re.match(r"^[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+ ", line + " "), f"{name}: {line!r} is not NAME==VERSION"
            assert re.search(r"--hash=sha256:[0-9a-f]{64}", line), f"{name}: {line.split()[0]} has no --hash"
            pinned += 1
    files = [project / "Dockerfile", *[p for p in [project / ".gitlab-ci.yml"] if p.is_file()],
             *((project / ".github/workflows").glob("*.yml") if (project / ".github").is_dir() else [])]
    for path in files:
        for command in PIP_INSTALL.findall(path.read_text()):
            if any(r in command for r in REQUIREMENTS) and "platform-cli" not in command:
                assert "--require-hashes" in command, f"{path.name}: {command}"
    return pinned


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_every_image_is_referenced_by_digest(baked, template, ci):
    images = written_images(baked[(template, ci)])
    assert any(f == "Dockerfile" for f, _ in images)
    if ci == "gitlab":
        assert {"python:3.12.8-slim-bookworm", "docker:27.4.1-cli", "docker:27.4.1-dind"} <= \
            {i.split("@")[0] for f, i in images if f == ".gitlab-ci.yml"}, images
    for where, image in images:
        check_image(image, where)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_every_python_requirement_is_hash_pinned_and_installed_with_require_hashes(baked, template, ci):
    pinned = check_requirements(baked[(template, ci)])
    assert pinned >= (2 if template == "python-web" else 9)  # pytest and ruff (and boto3's closure for the worker)


def test_the_dockerfile_base_image_is_the_workspaces_pin(tmp_path, workspace):
    """`service new` writes platform.yaml's ci.images.python as the base image, by digest."""
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext
    from platform_cli.yamlio import RoundTrip

    pin = "python:3.12.9-slim-bookworm@sha256:" + "ab" * 32
    with RoundTrip(workspace.root / "platform.yaml") as doc:
        doc.setdefault("ci", {})["images"] = {"python": pin}
    ws = WorkspaceContext.open(workspace.root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE"]))
    project = new_service(WorkspaceContext.open(ws.root), "orders", "payments", output_dir=tmp_path).path
    assert _dockerfile_images((project / "Dockerfile").read_text()) == [pin]
    for where, image in written_images(project):
        check_image(image, where)
    check_requirements(project)


def test_the_checks_find_what_they_should(tmp_path):
    """The checks above are live: a tag-only image, a syntax frontend by tag, a GitLab service by tag, a GitHub
    container by tag, a requirement without a hash and an install without --require-hashes are each reported."""
    for image in ("python:3.12.8-slim-bookworm", "python:3.12@sha256:" + "0" * 64, "python@sha256:" + "0" * 64):
        with pytest.raises(AssertionError):
            check_image(image, "Dockerfile")
    assert _dockerfile_images("# syntax=docker/dockerfile:1\nFROM a:1.2.3@sha256:x\n") == ["a:1.2.3@sha256:x",
                                                                                          "docker/dockerfile:1"]
    assert _gitlab_images({"job": {"services": [{"name": "docker:27-dind"}]}}) == ["docker:27-dind"]
    assert _github_images({"jobs": {"j": {"container": "node:20", "steps": [{"uses": "docker://alpine:3"}]}}}) == [
        "node:20", "alpine:3"]
    project = tmp_path / "p"
    project.mkdir()
    (project / "Dockerfile").write_text("RUN pip install -r requirements.txt\n")
    for name in REQUIREMENTS:
        (project / name).write_text("")
    with pytest.raises(AssertionError, match="require-hashes"):
        check_requirements(project)
    (project / "Dockerfile").write_text("RUN pip install --require-hashes -r requirements.txt\n")
    (project / "requirements.txt").write_text("six==1.17.0\n")
    with pytest.raises(AssertionError, match="no --hash"):
        check_requirements(project)
    (project / "requirements.txt").write_text("six>=1.0 --hash=sha256:" + "0" * 64 + "\n")
    with pytest.raises(AssertionError, match="NAME==VERSION"):
        check_requirements(project)
