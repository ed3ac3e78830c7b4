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
