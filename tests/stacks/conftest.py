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


def role_documents(resources: list[dict]) -> dict[str, tuple[list[dict], dict | None]]:
    """Role name -> (identity documents, boundary document) of a rendered graph: inline role policies, attached
    managed policies and the permissions boundary, as IAM evaluates them."""
    import json

    policies = {r["outputs"]["arn"]: json.loads(r["inputs"]["policy"]) for r in resources
                if r["type"] == "aws:iam/policy:Policy"}
    out = {}
    for role in (r for r in resources if r["type"] == "aws:iam/role:Role"):
        name = role["inputs"]["name"]
        identity = [json.loads(p["inputs"]["policy"]) for p in resources if p["type"] == "aws:iam/rolePolicy:RolePolicy"
                    and p["inputs"]["role"] in (name, role["outputs"].get("id"))]
        identity += [policies[a["inputs"]["policyArn"]] for a in resources
                     if a["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and a["inputs"]["role"] == name]
        out[name] = (identity, policies.get(role["inputs"].get("permissionsBoundary")))
    return out
