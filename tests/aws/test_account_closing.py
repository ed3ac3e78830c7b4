"""Closing vended accounts against moto's server: `space destroy --close-account` after the units are
destroyed (a fake engine stands in for Pulumi), and `space delete`, which lists the accounts and closes them."""

from __future__ import annotations

import json

from platform_cli.accounts.closing import destroy_and_close
from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.clients import ClientProvider
from platform_cli.rollout.progress import NullProgress
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

from tests.rollout.conftest import FakeEngine


def _vended(run_cli, ws):
    r = run_cli("-w", str(ws.root), "bootstrap")
    assert r.exit_code == 0, r.stderr
    create_space(ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1,eu-west-1", "prod=eu-west-1"]))
    ws = WorkspaceContext.open(ws.root)
    ids = {env: ensure_account(WorkspaceContext.open(ws.root), "shop", env).account_id for env in ("dev", "prod")}
    return WorkspaceContext.open(ws.root), ids


def _status(endpoint, account_id):
    return ClientProvider.local(endpoint)("organizations", "us-east-1").describe_account(AccountId=account_id)["Account"]["Status"]


def test_destroy_close_account_needs_confirmation_and_the_engine_before_anything(run_cli, org_ws, fresh_cloud):
    ws, ids = _vended(run_cli, org_ws)
    r = run_cli("-w", str(ws.root), "space", "destroy", "shop", "--env", "dev", "--close-account")
    assert r.exit_code == 11 and "close AWS account " + ids["dev"] in r.stderr and "suspended for 90 days" in r.stderr
    r = run_cli("-w", str(ws.root), "space", "destroy", "shop", "--env", "dev", "--close-account", "--yes")
    assert r.exit_code == 8  # the units need the engine: refused before any unit or the account is touched
    assert _status(fresh_cloud, ids["dev"]) == "ACTIVE"
    assert WorkspaceContext.open(ws.root).space("shop").account("dev").state == "active"
    create_space(ws, CreateSpaceRequest(team="wiki", blueprint="standard@1", envs=["dev=eu-central-1"]))
    r = run_cli("-w", str(ws.root), "space", "destroy", "wiki", "--env", "dev", "--close-account", "--yes")
    assert r.exit_code == 2 and "isolation: shared" in r.stderr and "nothing was destroyed" in r.stderr


def test_destroy_then_close_keeps_the_id_and_date(run_cli, org_ws, fresh_cloud):
    ws, ids = _vended(run_cli, org_ws)
    engine = FakeEngine()
    outcome, closed = destroy_and_close(ws, "shop", "dev", engine=engine, progress=NullProgress())
    assert outcome.status == "succeeded"
    assert [(action, unit) for action, unit, _ in engine.calls] == [
        ("destroy", "space/shop/dev/eu-west-1"), ("destroy", "space/shop/dev/eu-central-1")]
    assert closed.status == "closed" and closed.account_id == ids["dev"]
    assert _status(fresh_cloud, ids["dev"]) == "SUSPENDED" and _status(fresh_cloud, ids["prod"]) == "ACTIVE"
    text = (ws.root / "spaces" / "shop.yaml").read_text()
    assert "state: closed" in text and ids["dev"] in text and "closed_at:" in text
    rec = WorkspaceContext.open(ws.root).space("shop").account("dev")
    assert rec.state == "closed" and rec.closed_at
    shown = run_cli("-w", str(ws.root), "space", "show", "shop")
    assert shown.exit_code == 0, shown.stderr
    rows = [line.split() for line in shown.stdout.splitlines() if ids["dev"] in line or ids["prod"] in line]
    assert [(r[0], r[1], r[2]) for r in rows] == [("dev", ids["dev"], "closed"), ("prod", ids["prod"], "active")]


def test_delete_lists_the_accounts_and_closes_them(run_cli, org_ws, fresh_cloud):
    ws, ids = _vended(run_cli, org_ws)
    r = run_cli("-w", str(ws.root), "space", "delete", "shop")
    assert r.exit_code == 11  # no terminal, no --yes: refused, nothing closed
    for env, acct in ids.items():
        assert f"close   AWS account {acct} ({env}, aws+acme-shop-{env}@example.com)" in r.stderr
        assert _status(fresh_cloud, acct) == "ACTIVE"
    r = run_cli("-w", str(ws.root), "space", "delete", "shop", "--yes", "--json")
    assert r.exit_code == 0, r.stderr  # nothing was ever applied: no engine needed
    result = json.loads(r.stdout)
    assert sorted((a["env"], a["account_id"], a["status"]) for a in result["closed_accounts"]) == [
        ("dev", ids["dev"], "closed"), ("prod", ids["prod"], "closed")]
    assert all(_status(fresh_cloud, a) == "SUSPENDED" for a in ids.values())
    assert not (ws.root / "spaces" / "shop.yaml").exists()


def test_quickstart_vends_and_lists_accounts_on_its_own_local_cloud_and_stops_it(workspace):
    from platform_cli.aws.local_cloud import local_status
    from platform_cli.quickstart import accounts_step

    from tests.isolation import isolate_workspace

    ws = isolate_workspace(workspace)
    steps = []
    accounts_step(ws, steps.append)
    [step] = steps
    assert step.status == "done", step.detail
    assert [(a["env"], a["status"], a["ou"]) for a in step.data["accounts"]] == [
        ("dev", "created", "platform-workloads"), ("prod", "created", "platform-protected")]
    assert "would then deploy the space's units into each account through the platform role" in step.detail
    assert not local_status(ws.local_dir).running  # the step started the local cloud, so it stopped it
    again = []
    accounts_step(WorkspaceContext.open(ws.root), again.append)  # the recording brings the accounts back
    assert [a["status"] for a in again[0].data["accounts"]] == ["recorded", "recorded"]
    assert [a["account_id"] for a in again[0].data["accounts"]] == [a["account_id"] for a in step.data["accounts"]]
    assert not local_status(ws.local_dir).running
