"""`platform space plan` says how each environment is isolated and which guardrails fence it."""

from __future__ import annotations

import json

from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

from tests.isolation import isolate_workspace


def test_plan_shows_account_ou_and_guardrails_per_environment(run_cli, workspace):
    ws = isolate_workspace(workspace, protected_services=("config",))
    create_space(ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1", "prod=eu-west-1"]))
    create_space(ws, CreateSpaceRequest(team="wiki", blueprint="standard@1", envs=["dev=eu-central-1"]))
    r = run_cli("-w", str(ws.root), "space", "plan", "shop", "--env", "prod", "--json")
    assert r.exit_code == 0, r.stderr
    [prod] = json.loads(r.stdout)["environments"]
    assert prod["env"] == "prod" and prod["isolation"] == "account" and prod["ou"] == "platform-protected"
    assert prod["account"] == "assigned at apply" and prod["account_state"] == "not vended"
    ids = [g["id"] for g in prod["guardrails"]]
    # the account's own SCP: its blueprint's regions and the services it protects; then the OU's, the same for all
    assert ids == ["deny-regions", "protect-config", "deny-regions-ou", "deny-leave-organization", "protect-platform-role",
                   "deny-iam-users"]
    assert [g["attached_to"] for g in prod["guardrails"]] == ["account"] * 2 + ["OU platform-protected"] * 4
    from platform_cli.planning.guardrails import fence_regions

    fence = fence_regions(ws.config, ws.catalog.blueprints())
    assert {"eu-central-1", "eu-west-1"} <= set(fence)
    # the account's own SCP holds it to its blueprint's regions; the OU's to the union of every such blueprint's
    assert prod["guardrails"][0]["denies"] == "every region but eu-central-1, eu-west-1 (global services excepted)"
    assert prod["guardrails"][2]["denies"] == f"every region but {', '.join(fence)} (global services excepted)"
    # a space on a blueprint protecting other services is shown its own guardrails, not the first one's
    from tests.isolation import add_isolated_blueprint

    add_isolated_blueprint(ws, "watched", protected_services=("cloudtrail", "guardduty"))
    create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(team="blog", blueprint="watched@1",
                                                                    envs=["dev=eu-central-1"]))
    r = run_cli("-w", str(ws.root), "space", "plan", "blog", "--json")
    assert r.exit_code == 0, r.stderr
    [dev] = json.loads(r.stdout)["environments"]
    assert [g["id"] for g in dev["guardrails"]] == ["deny-regions", "protect-cloudtrail", "protect-guardduty",
                                                    "deny-regions-ou", "deny-leave-organization", "protect-platform-role",
                                                    "deny-iam-users"]
    assert dev["guardrails"][0]["policy"] != prod["guardrails"][0]["policy"]
    r = run_cli("-w", str(ws.root), "space", "plan", "shop", "--env", "prod", "--json")
    assert [g["id"] for g in json.loads(r.stdout)["environments"][0]["guardrails"]] == ids  # unchanged by blog's
    # once vended, the plan names the account
    path = ws.root / "spaces" / "shop.yaml"
    from platform_cli.yamlio import RoundTrip

    with RoundTrip(path) as doc:
        doc["accounts"] = [{"env": "dev", "account_id": "210987654321", "email": "aws+acme-shop-dev@example.com",
                            "created_at": "2026-12-01T00:00:00Z"}]
    r = run_cli("-w", str(ws.root), "space", "plan", "shop", "--env", "dev")
    assert r.exit_code == 0, r.stderr
    assert "dev: isolation account, account 210987654321 in OU platform-workloads (active)" in r.stdout
    assert "protect-platform-role" in r.stdout and "acme--platform--baseline" in r.stdout
    r = run_cli("-w", str(WorkspaceContext.open(ws.root).root), "space", "plan", "wiki", "--json")
    [dev] = json.loads(r.stdout)["environments"]
    assert dev == {"env": "dev", "isolation": "shared", "account": "123456789012", "account_state": "shared", "ou": None,
                   "guardrails": []}
