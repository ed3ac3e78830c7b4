"""Hostile files outside the workspace readers: finding the workspace, quickstart, doctor, service
templates and schema export, against what can be where a file belongs (a FIFO, a folder, links to
/dev/zero or /proc/self/mem, a dangling link, a loop, an oversized file). Each case: the command
ends (never waits), exits with a documented non-zero code, names the file and what it is instead,
prints no traceback, and writes nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.files.hostile import (DOCUMENTED, SPECIALS, TIMEOUT, check, dangling, dev_null, dev_zero, fifo, folder, loop,
                                 oversize, proc_mem, snapshot)
from tests.test_bad_input import time_limit

SAID = {fifo: "named pipe (FIFO)", folder: "is a folder", dev_zero: "character device", dev_null: "character device",
        dangling: "which does not exist", loop: "Too many levels of symbolic links", oversize: "larger than"}
"""What the error says each damage is (the file is named too)."""
FILE_KINDS = [fifo, folder, dev_zero, dangling, loop]


def run_here(cwd: Path, *args: str):
    """`platform ARGS...` in CWD without --workspace (the workspace is found), with a deadline."""
    from tests.conftest import _platform

    here = os.getcwd()
    try:
        os.chdir(cwd)
        with time_limit(TIMEOUT):
            return CliRunner().invoke(_platform, list(args), catch_exceptions=False)
    finally:
        os.chdir(here)


def _clean_failure(r, *named: str) -> None:
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "Exception ignored" not in out and "internal error" not in out, out
    assert r.exit_code in DOCUMENTED, f"exit {r.exit_code}: {out}"
    for text in named:
        assert text in out, f"{text!r} not said: {out}"


# finding the workspace ------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", FILE_KINDS + [oversize], ids=lambda d: d.__name__)
def test_a_platform_yaml_that_is_not_a_file_is_named_not_passed_over(ws, damage):
    """A service command without --workspace looks for platform.yaml from the current folder up:
    what is there instead is named, never taken for "no workspace here" (which would go on to the
    folders above, or to the checkout the answers file records)."""
    damage(ws / "platform.yaml")
    before = snapshot(ws)
    r = run_here(ws, "service", "show", str(ws / "repos/api"))
    _clean_failure(r, "platform.yaml", SAID[damage])
    assert "no workspace found" not in r.stderr
    assert snapshot(ws) == before


@pytest.mark.parametrize("how", ["found-upwards", "given"])
@pytest.mark.parametrize("damage", FILE_KINDS, ids=lambda d: d.__name__)
def test_a_workspace_command_names_a_platform_yaml_that_is_not_a_file(ws, damage, how):
    """Found from a folder below, or given with --workspace: a FIFO, a folder or a broken link where
    platform.yaml belongs is named, never "no workspace found" (nor "is not a workspace")."""
    damage(ws / "platform.yaml")
    before = snapshot(ws)
    r = run_here(ws / "spaces", "space", "list") if how == "found-upwards" else run_here(ws.parent, "-w", str(ws), "space", "list")
    _clean_failure(r, "platform.yaml", SAID[damage])
    assert "no workspace found" not in r.stderr and "is not a workspace" not in r.stderr
    assert snapshot(ws) == before


@pytest.mark.parametrize("damage", FILE_KINDS, ids=lambda d: d.__name__)
def test_space_create_names_what_stands_where_the_new_space_file_belongs(ws, damage):
    """Not "already exists": what is there is named, and nothing is written."""
    damage(ws / "spaces" / "orders.yaml")
    before = snapshot(ws)
    r = run_here(ws, "space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE")
    _clean_failure(r, "orders.yaml", SAID[damage])
    assert "already exists" not in r.stderr
    assert snapshot(ws) == before


@pytest.mark.parametrize("damage", FILE_KINDS + [oversize], ids=lambda d: d.__name__)
def test_a_service_repository_s_answers_file_that_is_not_a_file_is_named(ws, tmp_path, damage):
    damage(ws / "repos/api/.platform/answers.yml")
    before = snapshot(ws)
    r = run_here(tmp_path, "service", "show", str(ws / "repos/api"))
    _clean_failure(r, "answers.yml", SAID[damage])
    assert snapshot(ws) == before


# quickstart ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", FILE_KINDS, ids=lambda d: d.__name__)
def test_quickstart_names_a_platform_yaml_that_is_not_a_file(tmp_path, damage):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "platform.yaml").write_text("x\n")
    damage(target / "platform.yaml")
    before = snapshot(target)
    r = run_here(tmp_path, "quickstart", str(target))
    _clean_failure(r, "platform.yaml", SAID[damage])
    assert "already a workspace" not in r.stderr and snapshot(target) == before


@pytest.mark.parametrize("damage", [fifo, folder, dev_zero, loop], ids=lambda d: d.__name__)
def test_quickstart_names_a_demo_space_file_that_is_not_a_file(tmp_path, damage):
    from platform_cli.workspace import init_workspace

    target = tmp_path / "demo"
    init_workspace(target, org="acme")
    (target / "spaces/demo.yaml").write_text("x\n")
    damage(target / "spaces/demo.yaml")
    before = snapshot(target)
    r = run_here(tmp_path, "quickstart", str(target))
    _clean_failure(r, "demo.yaml", SAID[damage])
    assert "already exists" not in r.stderr
    changed = {k for k in before.keys() | snapshot(target).keys() if before.get(k) != snapshot(target).get(k)}
    assert not {k for k in changed if not k.endswith((".index.json", ".lock"))}, changed


# doctor ------------------------------------------------------------------------------------------------
PASSPHRASE = {**SAID, proc_mem: "is empty", oversize: "larger than 64 KiB"}


@pytest.mark.parametrize("damage", FILE_KINDS + [proc_mem, oversize], ids=lambda d: d.__name__)
def test_doctor_names_a_passphrase_file_that_is_not_one_and_fails(ws, damage):
    path = ws / ".platform/passphrase"
    damage(path)
    r = check(ws, ["doctor"], "passphrase")
    _clean_failure(r, str(path), PASSPHRASE[damage])
    assert r.exit_code != 0 and "is missing" not in r.stdout + r.stderr


@pytest.mark.parametrize("damage", SPECIALS, ids=lambda d: d.__name__)
def test_doctor_names_an_aws_credentials_file_the_sdks_could_not_read(ws, tmp_path, monkeypatch, damage):
    path = tmp_path / "aws" / "credentials"
    path.parent.mkdir()
    path.write_text("[default]\naws_access_key_id = x\n")
    damage(path)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    r = check(ws, ["doctor", "--json"], "credentials")
    _clean_failure(r, str(path))
    assert r.exit_code != 0 and "aws-credentials" in r.stderr


def test_doctor_names_an_aws_config_file_that_is_not_ini(ws, tmp_path, monkeypatch):
    conf = tmp_path / "config"
    conf.write_text("[profile sso\nregion = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(conf))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "nothing"))
    r = check(ws, ["doctor"], None)
    _clean_failure(r, str(conf), "is not an INI file")


# service templates ----------------------------------------------------------------------------------------
def _workspace_template(ws: Path) -> Path:
    """A copy of the shipped python-web template in the workspace's own service_templates/."""
    from platform_cli.shipped import data_root

    dst = ws / "service_templates" / "python-web"
    shutil.copytree(data_root("service_templates") / "python-web", dst, symlinks=True)
    return dst


def _project(template: Path) -> Path:
    return next(p for p in template.iterdir() if p.name.startswith("{{"))


def big(p: Path) -> None:
    with open(p, "wb") as fh:  # sparse: its size says 17 MiB, nothing is written
        fh.truncate(17 * 1024 * 1024)


def outside(p: Path) -> None:
    secret = p.parents[3] / "secret.txt"
    secret.write_text("not for the generated repository\n")
    p.symlink_to(secret)


TEMPLATE = {fifo: "named pipe (FIFO)", dev_zero: "character device", dev_null: "character device",
            dangling: "which does not exist", loop: "Too many levels", big: "larger than 16 MiB",
            outside: "outside the template"}


@pytest.mark.parametrize("damage", list(TEMPLATE), ids=lambda d: d.__name__)
def test_service_new_refuses_a_template_file_cookiecutter_must_not_read(ws, tmp_path, damage):
    """cookiecutter would wait on a FIFO, read /dev/zero without end, or copy a linked file from
    anywhere into the generated repository: the template is checked first, and nothing is made."""
    bad = _project(_workspace_template(ws)) / "extra.txt"
    damage(bad)
    out = tmp_path / "out"
    r = check(ws, ["service", "new", "web2", "--space", "payments", "-o", str(out)], "extra.txt")
    _clean_failure(r, str(bad), TEMPLATE[damage])
    assert not out.exists()


def test_a_template_s_linked_file_inside_it_is_rendered(ws, tmp_path, run_cli):
    """A link that stays inside the template is followed, as cookiecutter does."""
    project = _project(_workspace_template(ws))
    (project / "extra.txt").symlink_to("README.md")
    r = run_cli("-w", str(ws), "service", "new", "web2", "--space", "payments", "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "out/web2/extra.txt").read_text() == (tmp_path / "out/web2/README.md").read_text()


@pytest.mark.parametrize("damage", FILE_KINDS + [proc_mem, oversize], ids=lambda d: d.__name__)
def test_a_release_index_that_is_not_a_file_is_named_not_taken_for_no_releases(ws, damage):
    index = _workspace_template(ws) / "releases" / "index.json"
    damage(index)
    r = check(ws, ["template", "show", "python-web"], "index.json")
    _clean_failure(r, str(index), {**SAID, proc_mem: "cannot be read", oversize: "larger than 1024 KiB"}[damage])


@pytest.mark.parametrize("damage", FILE_KINDS + [proc_mem, big], ids=lambda d: d.__name__)
def test_a_release_archive_that_is_not_a_file_is_named(ws, damage):
    from platform_cli.errors import PlatformError
    from platform_cli.scaffold.releases import read_index, template_at

    template = _workspace_template(ws)
    version = sorted(read_index(template))[0]
    archive = template / "releases" / f"{version}.tar.gz"
    damage(archive)
    with time_limit(TIMEOUT), pytest.raises(PlatformError) as exc:
        with template_at(template, "9.9.9", version):
            pass
    said = {**SAID, proc_mem: "cannot be read", big: "larger than"}[damage]
    assert str(archive) in exc.value.message and said in str(exc.value), str(exc.value)


# schema export -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", [fifo, folder, dev_zero, loop], ids=lambda d: d.__name__)
@pytest.mark.parametrize("check_only", [True, False], ids=["check", "write"])
def test_schema_export_names_a_schema_that_is_not_a_file(ws, damage, check_only):
    path = ws / "schemas" / "space.schema.json"
    damage(path)
    r = check(ws, ["schema", "export", str(ws / "schemas"), *(["--check"] if check_only else [])], "space.schema.json")
    _clean_failure(r, str(path), SAID[damage])
