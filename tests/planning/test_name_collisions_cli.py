"""The commands refuse names AWS would reject and combinations whose names would clash, writing nothing."""

from __future__ import annotations

import itertools

from platform_cli.planning import names as n


def _space_file_names(ws):
    return sorted(p.name for p in (ws.root / "spaces").glob("*.yaml"))


def test_shop_prod_eu_and_shop_prod_eu_are_two_spaces_with_their_own_names(workspace, run_cli):
    w = str(workspace.root)
    assert run_cli("-w", w, "space", "create", "shop", "--blueprint", "standard@1", "--env", "prod-eu=eu-west-1").exit_code == 0
    r = run_cli("-w", w, "space", "create", "shop-prod", "--blueprint", "standard@1", "--env", "eu=eu-west-1")
    assert r.exit_code == 0, r.stderr
    assert n.space_name("shop", "prod-eu") != n.space_name("shop-prod", "eu")


def test_space_create_refuses_a_team_name_aws_would_reject(workspace, run_cli):
    for team, rule in [("internal", "Elastic Load Balancing load balancer name may not begin with 'internal-'"),
                       ("1shop", "RDS DB instance identifier must begin with a letter"),
                       ("sg", "EC2 security group name may not begin with 'sg-'")]:
        r = run_cli("-w", str(workspace.root), "space", "create", team, "--blueprint", "standard@1", "--env", "dev=DE")
        assert r.exit_code == 2 and rule in r.stderr, r.stderr
    r = run_cli("-w", str(workspace.root), "space", "create", "shop", "--blueprint", "standard@1", "--env", "prod--eu=DE")
    assert r.exit_code == 2 and "two consecutive hyphens" in r.stderr
    assert _space_file_names(workspace) == []


def _hash_twins(region: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two spaces of different teams whose shortened prefixes share their hash (a 32-bit birthday search)."""
    stem = "t" * 30
    seen: dict[str, tuple[str, str]] = {}
    for i in itertools.count():
        for team in (stem + "a", stem + "b"):
            env = f"e{i}"
            p = n.space_prefix(team, env, region)
            if p in seen and seen[p][0] != team:
                return seen[p], (team, env)
            seen[p] = (team, env)


def test_a_clash_of_shortened_names_is_refused_naming_both(workspace, run_cli):
    (ta, ea), (tb, eb) = _hash_twins("eu-central-1")
    w = str(workspace.root)
    assert run_cli("-w", w, "space", "create", ta, "--blueprint", "standard@1", "--env", f"{ea}=eu-central-1").exit_code == 0
    before = _space_file_names(workspace)
    r = run_cli("-w", w, "space", "create", tb, "--blueprint", "standard@1", "--env", f"{eb}=eu-central-1")
    assert r.exit_code == 5, r.stderr
    assert f"space {tb}/{eb} in eu-central-1" in r.stderr and f"space {ta}/{ea} in eu-central-1" in r.stderr
    assert "resource name prefix" in r.stderr and _space_file_names(workspace) == before
    # the same clash through add-region, of a space that exists
    assert run_cli("-w", w, "space", "create", tb, "--blueprint", "standard@1", "--env", "dev=eu-central-1").exit_code == 0
    text = (workspace.root / "spaces" / f"{tb}.yaml").read_text()
    r = run_cli("-w", w, "space", "add-region", tb, "--env", eb, "--new-env", "eu-central-1")
    assert r.exit_code == 5 and f"space {ta}/{ea}" in r.stderr, r.stderr
    assert (workspace.root / "spaces" / f"{tb}.yaml").read_text() == text


def test_service_bind_refuses_names_aws_or_the_service_would_reject(payments, run_cli, tmp_path):
    from platform_cli.service_repo import new_service

    svc = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path
    before = (svc / "service.yaml").read_bytes()
    w = str(payments.root)
    for offering, plan, name, rule in [("postgres", "dev", "select", "reserved word 'select'"),
                                       ("postgres", "dev", "1db", "must begin with a letter"),
                                       ("cache", "small", "lb", "security group"),
                                       ("postgres", "dev", "tasks", "security group")]:
        r = run_cli("-w", w, "service", "bind", str(svc), "--offering", offering, "--plan", plan, "--name", name)
        assert r.exit_code in (2, 5) and rule in r.stderr, (name, r.stderr)
        assert (svc / "service.yaml").read_bytes() == before
    r = run_cli("-w", w, "service", "bind", str(svc), "--offering", "postgres", "--plan", "dev", "--name", "selects")
    assert r.exit_code == 0, r.stderr


def test_service_new_refuses_a_double_hyphen(payments, run_cli, tmp_path):
    r = run_cli("-w", str(payments.root), "service", "new", "a--b", "--space", "payments", "--output-dir", str(tmp_path))
    assert r.exit_code == 2 and not (tmp_path / "a--b").exists(), r.stderr


def test_init_refuses_an_org_that_would_start_bucket_names_with_xn(tmp_path, run_cli):
    r = run_cli("init", str(tmp_path / "ws"), "--org", "xn")
    assert r.exit_code == 2 and "may not begin with 'xn--'" in r.stderr, r.stderr
    assert not (tmp_path / "ws" / "platform.yaml").exists()
    assert run_cli("init", str(tmp_path / "ok"), "--org", "xnx").exit_code == 0
