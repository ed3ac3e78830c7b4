"""Fixtures of the stack tests: the reference workspace's IAM-relevant units, rendered once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "render" / "reference"
UNITS = [
    ("space/payments/prod/eu-central-1", None),  # standard@1, protected, GitHub and GitLab OIDC trust
    ("space/search/prod/eu-west-1", None),  # standard@2: flow logs role
    ("space/lab/dev/eu-central-1", None),  # minimal@1 without CI repositories: the deny-only trust
    ("service/payments/api/prod/eu-central-1", "api"),  # binds one of every offering
]


@pytest.fixture(scope="session")
def graphs(tmp_path_factory):
    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path_factory.mktemp("iam-lint") / "ws"
    shutil.copytree(REFERENCE, root)
    ws = WorkspaceContext.open(root)
    inputs = [build_unit_inputs(ws, UnitTarget(unit, service_file=str(root / "services" / svc) if svc else None))
              for unit, svc in UNITS]
    return ws, {i.unit: (i, r) for i, r in zip(inputs, render_units(inputs, workers=2))}
