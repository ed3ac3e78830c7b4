"""An environment's regions share one AWS partition, so it can always be rolled out."""


def test_create_refuses_an_env_mixing_partitions(run_cli, workspace):
    before = sorted(p.name for p in (workspace.root / "spaces").iterdir())
    r = run_cli("-w", str(workspace.root), "space", "create", "mix", "--blueprint", "standard@1", "--env", "dev=DE,CN,US")
    assert r.exit_code == 2
    assert "env dev" in r.stderr and "aws-cn: cn-north-1" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in (workspace.root / "spaces").iterdir()) == before


def test_china_in_its_own_env_is_fine_and_add_region_keeps_the_rule(run_cli, workspace):
    r = run_cli("-w", str(workspace.root), "space", "create", "mix", "--blueprint", "standard@1",
                "--env", "dev=DE", "--env", "dev-cn=CN")
    assert r.exit_code == 0, r.stderr
    text = (workspace.root / "spaces" / "mix.yaml").read_text()
    r = run_cli("-w", str(workspace.root), "space", "add-region", "mix", "--env", "dev", "CN")
    assert r.exit_code == 2 and "span AWS partitions" in r.stderr
    assert (workspace.root / "spaces" / "mix.yaml").read_text() == text
    r = run_cli("-w", str(workspace.root), "rollout", "plan", "--space", "mix", "--env", "dev-cn", "--json")
    assert r.exit_code == 0, r.stderr
