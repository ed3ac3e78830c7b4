"""`platform service new` in a space with an account per environment: CI deploy roles live in those accounts."""

from __future__ import annotations

import pytest

from platform_cli.errors import NotFoundError
from platform_cli.service_repo import new_service


def test_service_new_names_each_environments_account_and_waits_for_vending(workspace, tmp_path):
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext

    create_space(workspace, CreateSpaceRequest(team="core", blueprint="standard@3", envs=["dev=DE", "prod=DE"]))
    path = workspace.space_path("core")
    before = path.read_bytes()
    with pytest.raises(NotFoundError, match="environment dev has no AWS account yet") as err:
        new_service(workspace, "ledger", "core", output_dir=tmp_path / "repos")
    assert "platform space apply core --env dev" in err.value.hint
    assert path.read_bytes() == before and not (tmp_path / "repos" / "ledger").exists()  # nothing written

    vended = "".join(f"- env: {env}\n  account_id: '{acct}'\n  email: aws+acme-core-{env}@example.com\n"
                     f"  created_at: '2026-12-01T00:00:00Z'\n" for env, acct in (("dev", "444444444444"),
                                                                                 ("prod", "555555555555")))
    assert "accounts: []\n" in path.read_text()
    path.write_text(path.read_text().replace("accounts: []\n", "accounts:\n" + vended))
    ws = WorkspaceContext.open(workspace.root)
    project = new_service(ws, "ledger", "core", output_dir=tmp_path / "repos").path
    deploy = (project / ".github/workflows/deploy.yml").read_text()
    assert "arn:aws:iam::444444444444:role/core--dev--euc1--ci-deploy" in deploy
    assert "arn:aws:iam::555555555555:role/core--prod--euc1--ci-deploy" in deploy
    assert f"arn:aws:iam::{ws.config.cloud.account_id}:role/" not in deploy
