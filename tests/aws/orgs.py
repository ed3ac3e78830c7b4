"""Helpers of the Organizations tests against moto's server."""

from __future__ import annotations

import json

from platform_cli.aws.clients import ClientProvider

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
"""An identity policy allowing everything: what is left after the SCPs is what they let through."""


def orgs_client(endpoint):
    """A plain Organizations client on the local cloud (the management account's credentials)."""
    return ClientProvider.local(endpoint)("organizations", "us-east-1")


def bootstrap_json(run_cli, ws):
    """`platform bootstrap --json` of WS, which must succeed; its report."""
    r = run_cli("-w", str(ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def two_vended(run_cli, org_ws, blueprint: str, **blueprint_args):
    """shop on isolated@1 and blog on BLUEPRINT@1 (added with BLUEPRINT_ARGS), bootstrapped and both vended:
    (workspace, shop's dev account, blog's dev account)."""
    from platform_cli.accounts.vending import ensure_account
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext
    from tests.isolation import add_isolated_blueprint

    add_isolated_blueprint(org_ws, blueprint, **blueprint_args)
    ws = WorkspaceContext.open(org_ws.root)
    bootstrap_json(run_cli, ws)
    create_space(ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    create_space(ws, CreateSpaceRequest(team="blog", blueprint=f"{blueprint}@1", envs=["dev=eu-central-1"]))
    shop = ensure_account(WorkspaceContext.open(ws.root), "shop", "dev").account_id
    blog = ensure_account(WorkspaceContext.open(ws.root), "blog", "dev").account_id
    return WorkspaceContext.open(ws.root), shop, blog
