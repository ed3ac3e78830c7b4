"""The render pool's fork server preloads every pulumi_aws module a render uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import sys
import platform_cli.render.warm
from platform_cli.render import render_unit
from platform_cli.render.inputs import build_unit_inputs
from platform_cli.units import UnitTarget
from platform_cli.workspace import WorkspaceContext
before = {m for m in sys.modules if m.startswith("pulumi_aws.")}
ws = WorkspaceContext.open(sys.argv[1])
for unit, svc in [("space/payments/prod/eu-central-1", None), ("service/payments/api/prod/eu-central-1", "api"),
                  ("service/payments/worker/dev/eu-central-1", "worker")]:
    f = f"{sys.argv[1]}/services/{svc}/service.yaml" if svc else None
    render_unit(build_unit_inputs(ws, UnitTarget(unit=unit, service_file=f)))
after = {m for m in sys.modules if m.startswith("pulumi_aws.")}
print(sorted(after - before))
"""


def test_a_render_loads_no_pulumi_aws_module_the_warm_up_did_not(reference_root):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(reference_root)], cwd=REPO, check=True,
                         capture_output=True, text=True, timeout=600).stdout.strip().splitlines()[-1]
    assert out == "[]"
