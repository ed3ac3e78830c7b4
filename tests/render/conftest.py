"""The reference workspace and its renders, shared by the render tests (rendered once per session)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
GOLDEN = HERE / "golden"
UPDATE_GOLDENS = os.environ.get("PLATFORM_UPDATE_GOLDENS") == "1"  # read before the env isolation fixture runs

GOLDEN_UNITS = [
    ("space/payments/prod/eu-central-1", None),
    ("space/payments/prod/us-east-1", None),
    ("space/search/prod/eu-west-1", None),
    ("space/lab/dev/eu-central-1", None),
    ("service/payments/api/prod/eu-central-1", "api"),
    ("service/payments/worker/dev/eu-central-1", "worker"),
]


@pytest.fixture(scope="session")
def reference_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reference") / "ws"
    shutil.copytree(REFERENCE, root)
    return root


@pytest.fixture
def reference_ws(reference_root):
    from platform_cli.workspace import WorkspaceContext

    return WorkspaceContext.open(reference_root)


@pytest.fixture(scope="session")
def reference_inputs(reference_root):
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(reference_root)
    out = {}
    for unit, svc in GOLDEN_UNITS:
        service_file = str(reference_root / "services" / svc / "service.yaml") if svc else None
        out[unit] = build_unit_inputs(ws, UnitTarget(unit=unit, service_file=service_file))
    return out


@pytest.fixture(scope="session")
def rendered(reference_inputs):
    """Every reference unit rendered once, through the process pool."""
    from platform_cli.render import render_units

    units = list(reference_inputs.values())
    return {u.unit: r for u, r in zip(units, render_units(units, workers=2))}


def pytest_generate_tests(metafunc):
    if "golden_unit" in metafunc.fixturenames:
        metafunc.parametrize("golden_unit", [u for u, _ in GOLDEN_UNITS])


@pytest.fixture
def golden_dir() -> Path:
    return GOLDEN


@pytest.fixture
def update_goldens() -> bool:
    return UPDATE_GOLDENS


def golden_graphs(rendered, unit: str, folder: Path, update: bool) -> tuple[dict, dict]:
    """(expected, actual) graph of UNIT: its golden file in FOLDER, written first when UPDATE (PLATFORM_UPDATE_GOLDENS)."""
    text = json.dumps(rendered.to_data(), indent=1, sort_keys=True) + "\n"
    path = folder / (unit.replace("/", "_") + ".json")
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with PLATFORM_UPDATE_GOLDENS=1 to create it"
    return json.loads(path.read_text(encoding="utf-8")), json.loads(text)
