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


def shared_backend_roles(root: Path, unit: str, *, state: str, key_alias: str, region: str, edit=None):
    """(unit inputs, :func:`role_documents`) of UNIT of the reference workspace copied to ROOT with the shared
    backend (state in S3 bucket STATE, stack secrets with KEY_ALIAS, history in DynamoDB); EDIT(root) may change the
    copy first."""
    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    shutil.copytree(REFERENCE, root)
    config = root / "platform.yaml"
    config.write_text(config.read_text().replace("url: file://.platform/state", f"url: s3://{state}")
                      .replace("provider: passphrase", f"provider: awskms://{key_alias}?region={region}")
                      .replace("store: sqlite", "store: dynamodb"))
    if edit is not None:
        edit(root)
    inputs = build_unit_inputs(WorkspaceContext.open(root), UnitTarget(unit))
    (rendered,) = render_units([inputs], workers=1)
    return inputs, role_documents(rendered.resources)
