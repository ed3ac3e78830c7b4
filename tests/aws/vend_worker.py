"""One process of the parallel-vending test: ensure_account for TEAM/ENV at a given start time, with the lookup of
existing accounts slowed down (a botocore after-call hook on ListAccounts) so that two processes overlap."""

from __future__ import annotations

import json
import sys
import time


def main(root: str, endpoint: str, team: str, env: str, start_at: str) -> None:
    from platform_cli.accounts.vending import ensure_account
    from platform_cli.aws.clients import ClientProvider
    from platform_cli.workspace import WorkspaceContext

    clients = ClientProvider.local(endpoint)
    clients("organizations", "us-east-1").meta.events.register(
        "after-call.organizations.ListAccounts", lambda **_kw: time.sleep(1.0))
    ws = WorkspaceContext.open(root)
    while time.time() < float(start_at):
        time.sleep(0.01)
    got = ensure_account(ws, team, env, clients=clients)
    print(json.dumps(got.to_data()))


if __name__ == "__main__":
    main(*sys.argv[1:6])
