"""Fixtures of the template tests."""

from __future__ import annotations

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
