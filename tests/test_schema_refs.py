"""The yaml-language-server schema line of every shipped and written file points at a real schema."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


def schema_target(path: Path) -> Path:
    m = LINE.search(path.read_text(encoding="utf-8"))
    assert m, f"{path} has no yaml-language-server schema line"
    return (path.parent / m.group(1)).resolve()


@pytest.mark.parametrize("path", sorted((REPO / "blueprints").rglob("*.yaml")), ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_catalog_files_reference_a_committed_schema(path):
    target = schema_target(path)
    assert target.is_file(), f"{path}: {target} does not exist"
    assert target.parent == REPO / "schemas"


def test_files_a_workspace_writes_reference_its_schemas(payments):
    root = payments.root
    for f, name in [(root / "platform.yaml", "platform"), (root / "spaces" / "payments.yaml", "space")]:
        target = schema_target(f)
        assert target == (root / "schemas" / f"{name}.schema.json").resolve()
        assert target.is_file()


def test_written_files_keep_ordinary_permissions(payments):
    import os

    umask = os.umask(0)
    os.umask(umask)
    for f in [payments.root / "platform.yaml", payments.root / "spaces" / "payments.yaml", payments.root / ".gitignore"]:
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask, f
    assert payments.passphrase_path().stat().st_mode & 0o777 == 0o600


def test_templates_ship_a_fresh_service_schema():
    from platform_cli.model.schemas import render_schemas, template_schema_paths

    copies = template_schema_paths(REPO / "service_templates")
    assert len(copies) >= 2
    for copy in copies:
        assert copy.read_text(encoding="utf-8") == render_schemas()["service.schema.json"], (
            f"{copy} is stale: run `platform schema export schemas --templates service_templates`")


@pytest.mark.parametrize("template", ["python-web", "python-worker"])
def test_generated_service_yaml_references_the_schema_in_its_repo(tmp_path, template):
    from cookiecutter.main import cookiecutter

    out = Path(cookiecutter(str(REPO / "service_templates" / template), no_input=True, output_dir=str(tmp_path)))
    target = schema_target(out / "service.yaml")
    assert target.is_file() and target.is_relative_to(out)
    import json

    assert json.loads(target.read_text())["title"] == "Service"
