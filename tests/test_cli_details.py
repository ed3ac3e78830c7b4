"""Small promises of the command line: orders, codes and country codes where regions are asked."""

import json

import pytest


@pytest.fixture
def svc(payments, tmp_path):
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "service.yaml").write_text(
        "schema_version: 1\nname: api\nspace: payments\nenvironments:\n  prod: {markets: [DE, FR, US]}\n")
    return folder


def test_a_wave_past_the_end_is_not_found_not_an_empty_matrix(run_cli, payments, svc):
    w = ["-w", str(payments.root)]
    ok = run_cli(*w, "rollout", "plan", str(svc), "--env", "prod", "--matrix", "github", "--wave", "2")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["include"]
    past = run_cli(*w, "rollout", "plan", str(svc), "--env", "prod", "--matrix", "github", "--wave", "3")
    assert past.exit_code == 4 and "wave 3 does not exist" in past.stderr and past.stdout == ""


def test_space_plan_takes_a_country_code_for_region(run_cli, payments):
    r = run_cli("-w", str(payments.root), "space", "plan", "payments", "--env", "prod", "--region", "US", "--json")
    assert r.exit_code == 0, r.stderr
    assert [u["unit"] for u in json.loads(r.stdout)["units"]] == ["space/payments/prod/us-east-1"]


def test_rollout_verbs_are_listed_in_workflow_order(run_cli):
    out = run_cli("rollout", "--help").stdout
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.startswith("  ") and line.split()]
    assert listed == ["plan", "list", "status", "resume", "rollback", "cancel"]


def test_a_blueprint_outside_its_folder_says_where_it_belongs(run_cli, tmp_path):
    import shutil

    from platform_cli.catalog import builtin_blueprints

    stray = tmp_path / "bp-bad.yaml"
    shutil.copy(builtin_blueprints() / "standard" / "1.yaml", stray)
    r = run_cli("blueprint", "validate", str(stray))
    assert r.exit_code == 3
    assert "blueprints/NAME/VERSION.yaml" in r.stdout + r.stderr
