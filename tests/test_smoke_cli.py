def test_space_create_and_show(run_cli, workspace):
    r = run_cli("-w", str(workspace.root), "space", "create", "payments", "--blueprint", "standard@1",
                "--env", "prod=DE,FR,US", "--json")
    assert r.exit_code == 0, r.stderr
    import json

    data = json.loads(r.stdout)
    assert [u["region"] for u in data["units"]] == ["eu-central-1", "eu-west-3", "us-east-1"]
    r = run_cli("-w", str(workspace.root), "space", "show", "nope")
    assert r.exit_code == 4
    assert "does not exist" in r.stderr
