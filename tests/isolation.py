"""A workspace with an organization and an account-isolated blueprint, for the tests of account isolation."""

from __future__ import annotations

from pathlib import Path

ORGANIZATION = {"management_account_id": "123456789012", "account_email": "aws+{org}-{team}-{env}@example.com"}


def isolate_workspace(ws, *, regions=("eu-central-1", "eu-west-1"), protected_services=("cloudtrail", "guardduty")):
    """ws with an organization in platform.yaml and blueprint isolated@1 (isolation: account) in its own source;
    returns the workspace opened again."""
    from platform_cli.workspace import WorkspaceContext
    from platform_cli.yamlio import RoundTrip

    add_isolated_blueprint(ws, "isolated", regions=regions, protected_services=protected_services)
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["organization"] = dict(ORGANIZATION)
        doc["blueprint_sources"] = ["builtin", "blueprints"]
    return WorkspaceContext.open(ws.root)


def add_isolated_blueprint(ws, name: str, *, regions=("eu-central-1", "eu-west-1"), protected_services=("cloudtrail", "guardduty")):
    """Blueprint NAME@1 (isolation: account, these allowed regions) in the workspace's own blueprints folder."""
    src = (Path(__file__).resolve().parents[1] / "blueprints" / "standard" / "2.yaml").read_text()
    bp = (src.replace("name: standard", f"name: {name}").replace("version: 2", "version: 1")
          .replace("schema_version: 1\n", "schema_version: 1\nisolation: account\n")
          .replace("  allowed_regions: []", f"  allowed_regions: [{', '.join(regions)}]\n"
                                           f"  protected_services: [{', '.join(protected_services)}]"))
    (ws.root / "blueprints" / name).mkdir(parents=True, exist_ok=True)
    (ws.root / "blueprints" / name / "1.yaml").write_text(bp)
