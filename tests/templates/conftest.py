"""Fixtures of the template tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ._support import CIS, REPO, TEMPLATES


@pytest.fixture(scope="session")
def baked(tmp_path_factory):
    """Each template x CI baked once per run (plain cookiecutter, as `cookiecutter DIR --no-input` would)."""
    from cookiecutter.main import cookiecutter

    out = {}
    for template in TEMPLATES:
        for ci in CIS:
            target = tmp_path_factory.mktemp(f"{template}-{ci}")
            path = cookiecutter(str(REPO / "service_templates" / template), no_input=True,
                                extra_context={"ci": ci, "service_name": "orders", "team": "payments"},
                                output_dir=str(target), default_config=True)
            out[(template, ci)] = Path(path)
    return out


@pytest.fixture(scope="session")
def venvs(tmp_path_factory):
    """One fresh virtualenv per template with its requirements.txt, requirements-test.txt and
    requirements-lint.txt (the same for both CI providers), created when first asked for."""
    made: dict[str, str] = {}

    def get(template: str, project: Path) -> str:
        if template not in made:
            venv = tmp_path_factory.mktemp(f"venv-{template}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            py = str(venv / "bin" / "python")
            requirements = ["-r", "requirements.txt", "-r", "requirements-test.txt", "-r", "requirements-lint.txt"]
            install = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
                                     cwd=project, capture_output=True, text=True, timeout=300)
            assert install.returncode == 0, install.stderr
            made[template] = py
        return made[template]

    return get
