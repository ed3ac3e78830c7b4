"""`platform fleet plan`, `blueprint diff --space` and the summary of `fleet upgrade`: both versions of
every unit rendered, compared, costed and checked; isolation changes named and refused without a flag."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from platform_cli.errors import UsageError
from platform_cli.fleet import UpgradeRequest, diff_blueprints, plan_fleet, read_events, upgrade_fleet
from platform_cli.plans import plan_space
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

REFERENCE = Path(__file__).resolve().parent.parent / "render" / "reference"

CHEAP = "network: {cidr_prefix: 22, azs: 1, nat: none}\n"


def blueprint(root: Path, name: str, version: int, extra: str = "") -> None:
    folder = root / "catalog" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}.yaml").write_text(f"schema_version: 1\nname: {name}\nversion: {version}\n{CHEAP}{extra}")


def with_catalog(root: Path) -> WorkspaceContext:
    cfg = root / "platform.yaml"
    if "- catalog" not in cfg.read_text():
        cfg.write_text(cfg.read_text().replace("- builtin", "- builtin\n- catalog"))
    return WorkspaceContext.open(root)


@pytest.fixture
def fleet(workspace):
    """iso@1 (shared) -> iso@2 (account); tight@1 -> tight@2 (a cost ceiling of 1 USD)."""
    root = workspace.root
    blueprint(root, "iso", 1)
    blueprint(root, "iso", 2, "isolation: account\n")
    blueprint(root, "tight", 1)
    blueprint(root, "tight", 2, "guardrails: {cost_ceiling_usd: 1}\n")
    ws = with_catalog(root)
    for team, bp, envs in [("alpha", "iso@1", ["dev=DE"]), ("beta", "iso@1", ["dev=DE", "prod=DE,FR"]),
                           ("gamma", "iso@2", ["dev=DE"]), ("delta", "tight@1", ["dev=DE"]),
                           ("omega", "standard@1", ["dev=DE", "prod=DE,FR"])]:
        create_space(ws, CreateSpaceRequest(team=team, blueprint=bp, envs=envs))
    return WorkspaceContext.open(root)


def spaces_bytes(ws):
    return {p.name: p.read_bytes() for p in sorted(ws.spaces_dir.glob("*.yaml"))}


def test_fleet_plan_renders_every_unit_of_every_space_behind(fleet):
    data = plan_fleet(fleet, "standard@2", workers=2)
    assert [s["team"] for s in data["cohort"]] == ["omega"] and data["blocked"] == []
    omega = data["cohort"][0]["impact"]
    assert [u["unit"] for u in omega["units"]] == [
        "space/omega/dev/eu-central-1", "space/omega/prod/eu-central-1", "space/omega/prod/eu-west-3"]
    # per space: the sum of its units; standard@2 adds NAT gateways, subnets and flow logs, changes retention
    assert omega["counts"] == {k: sum(u["counts"][k] for u in omega["units"]) for k in omega["counts"]}
    first = omega["units"][0]
    assert {"aws:ec2/natGateway:NatGateway", "aws:ec2/flowLog:FlowLog"} <= {r["type"] for r in first["create"]}
    assert {r["name"]: r["fields"] for r in first["update"]}["omega--dev--euc1-baseline-logs"] == ["retentionInDays"]
    assert first["delete"] == [] and first["replace"] == []
    # the monthly cost before and after is what `space plan` says under each version
    before = plan_space(fleet, "omega", workers=1).total_usd
    assert omega["monthly_cost_usd"]["before"] == pytest.approx(before)
    assert omega["monthly_cost_usd"]["after"] > before
    assert data["totals"]["counts"] == omega["counts"]
    assert data["adoption_after"]["percent"] == 100.0 and data["remaining"] == 0
    assert data["next"] == ["platform fleet upgrade --to standard@2 --cohort 1"]


def test_an_isolation_change_replaces_everything_and_names_the_data(fleet):
    data = plan_fleet(fleet, "iso@2", workers=2)
    assert [s["team"] for s in data["cohort"]] == ["alpha", "beta"]  # gamma is on iso@2 already
    beta = data["cohort"][1]
    assert beta["isolation_change"]["from"] == "shared" and beta["isolation_change"]["to"] == "account"
    imp = beta["impact"]
    assert len(imp["units"]) == 3
    for u in imp["units"]:  # every cloud resource of every unit is replaced
        assert u["counts"]["replace"] > 20 and u["counts"]["update"] == 0
        assert all(r["why"] == "another AWS account" for r in u["replace"])
    held = {d["holds"] for d in imp["isolation"]["data"]}
    assert {"bucket", "container registry (images)", "KMS key (what it encrypted)"} <= held
    assert "new and empty" in imp["isolation"]["note"] and "migrated" in imp["isolation"]["note"]
    assert data["next"] == ["platform fleet upgrade --to iso@2 --cohort 2 --allow-isolation-change"]


def test_upgrade_refuses_an_isolation_change_without_the_flag(run_cli, fleet):
    before = spaces_bytes(fleet)
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "iso@2", "--cohort", "1", "--yes")
    assert r.exit_code == 2, r.stderr
    assert "isolation: shared to isolation: account" in r.stderr and "alpha" in r.stderr
    assert "--allow-isolation-change" in r.stderr and "new and empty" in r.stderr
    assert spaces_bytes(fleet) == before and read_events(fleet) == []
    # the dry run shows it on stdout, with the data that starts empty
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "iso@2", "--cohort", "1", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "WARNING alpha: moving from isolation: shared to isolation: account" in r.stdout
    assert "new and empty: bucket" in r.stdout and "isolation change" in r.stdout
    assert spaces_bytes(fleet) == before
    # with the flag it moves, and the event says so
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "iso@2", "--cohort", "1", "--yes",
                "--allow-isolation-change", "--json")
    assert r.exit_code == 0, r.stderr
    assert [u["team"] for u in json.loads(r.stdout)["upgraded"]] == ["alpha"]
    assert WorkspaceContext.open(fleet.root).space("alpha").blueprint == "iso@2"
    assert read_events(fleet)[-1]["isolation_changed"] == ["alpha"]


def test_an_upgrade_within_one_isolation_mode_needs_no_flag(fleet):
    result = upgrade_fleet(fleet, UpgradeRequest(to="standard@2", cohort=1, workers=2))
    assert [c.team for c in result.upgraded] == ["omega"]
    assert result.plan.cohort[0].isolation_change is None


def test_new_mandatory_findings_block_the_space(run_cli, fleet):
    data = plan_fleet(fleet, "tight@2", workers=1)
    assert data["cohort"] == [] and [b["team"] for b in data["blocked"]] == ["delta"]
    delta = data["blocked"][0]
    found = delta["impact"]["new_mandatory_findings"]
    assert [f["policy"] for f in found] == ["cost-ceiling"] and found[0]["unit"] == "space/delta/dev/eu-central-1"
    assert any("cost-ceiling" in r for r in delta["reasons"])
    before = spaces_bytes(fleet)
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "tight@2", "--cohort", "1", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "blocked: delta stays on tight@1" in r.stderr and "nothing to upgrade" in r.stderr
    assert spaces_bytes(fleet) == before


def test_fleet_plan_cli_table_and_json(run_cli, fleet):
    r = run_cli("-w", str(fleet.root), "fleet", "plan", "--to", "tight@2", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["target"] == "tight@2" and data["blocked"][0]["blocked"] is True
    r = run_cli("-w", str(fleet.root), "fleet", "plan", "--to", "iso@2", "--cohort", "1", "--details")
    assert r.exit_code == 0, r.stderr
    assert "alpha" in r.stdout and "beta" not in r.stdout  # only the next cohort of one
    assert "space/alpha/dev/eu-central-1:" in r.stdout and "-/+" in r.stdout
    assert "WARNING alpha" in r.stdout
    r = run_cli("-w", str(fleet.root), "fleet", "plan", "--to", "iso@9")
    assert r.exit_code == 4
    r = run_cli("-w", str(fleet.root), "fleet", "plan", "--to", "iso@2", "--cohort", "0")
    assert r.exit_code == 2


def test_upgrade_shows_the_summary_fleet_plan_gives_for_the_cohort_it_moves(run_cli, fleet):
    w = str(fleet.root)
    planned = json.loads(run_cli("-w", w, "fleet", "plan", "--to", "iso@2", "--cohort", "1", "--json").stdout)
    r = run_cli("-w", w, "fleet", "upgrade", "--to", "iso@2", "--cohort", "1", "--yes", "--allow-isolation-change",
                "--json")
    assert r.exit_code == 0, r.stderr
    moved = json.loads(r.stdout)
    assert [c["team"] for c in moved["cohort"]] == [c["team"] for c in planned["cohort"]] == ["alpha"]
    assert moved["cohort"][0]["impact"] == planned["cohort"][0]["impact"]
    assert moved["totals"] == planned["totals"] and moved["totals"]["counts"]["replace"] > 20
    # the table a person reads: the same per-space line as `fleet plan` prints
    r = run_cli("-w", w, "fleet", "upgrade", "--to", "standard@2", "--cohort", "1", "--dry-run")
    p = run_cli("-w", w, "fleet", "plan", "--to", "standard@2", "--cohort", "1")
    assert r.exit_code == 0 and p.exit_code == 0, r.stderr + p.stderr
    line = next(x for x in p.stdout.splitlines() if x.lstrip().startswith("omega"))
    assert line in r.stdout.splitlines()


def test_upgrade_needs_a_cohort_through_the_api(fleet):
    with pytest.raises(UsageError, match="--cohort"):
        upgrade_fleet(fleet, UpgradeRequest(to="iso@2", cohort=None))


@pytest.fixture
def reference_with_services(tmp_path):
    root = tmp_path / "ref"
    shutil.copytree(REFERENCE, root)
    path = root / "spaces" / "payments.yaml"
    path.write_text(path.read_text() + "services:\n"
                    "- {name: api, repository: acme/payments-api, ci: github, template: python-web,"
                    " template_version: 1.0.0, path: services/api}\n"
                    "- {name: gone, repository: acme/gone, ci: github, template: python-web,"
                    " template_version: 1.0.0, path: services/gone}\n")
    return WorkspaceContext.open(root)


def test_blueprint_diff_of_a_space_covers_every_unit_and_its_services(reference_with_services):
    ws = reference_with_services
    data = diff_blueprints(ws, "standard@1", "standard@2", "payments", workers=2)
    units = [u["unit"] for u in data["units"]]
    assert units == ["space/payments/dev/eu-central-1", "space/payments/prod/eu-central-1",
                     "space/payments/prod/us-east-1", "service/payments/api/dev/eu-central-1",
                     "service/payments/api/prod/eu-central-1", "service/payments/api/prod/us-east-1"]
    assert all(u["counts"]["create"] > 0 for u in data["units"][:3])
    assert len(data["not_rendered"]) == 1 and "service gone" in data["not_rendered"][0]
    assert data["isolation"] is None
    # a service's release stays its image tag; only the space units' release follows the blueprint
    api = next(u for u in data["units"] if u["unit"].startswith("service/payments/api/dev"))
    assert all(r["type"] != "aws:ecs/taskDefinition:TaskDefinition" for r in api["replace"])


def test_blueprint_diff_cli_per_unit(run_cli, reference_with_services):
    r = run_cli("-w", str(reference_with_services.root), "blueprint", "diff", "standard@1", "--to", "standard@2",
                "--space", "payments")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count("space/payments/") == 3 and "service/payments/api/prod/us-east-1:" in r.stdout
    assert "total:" in r.stdout and "to replace" in r.stdout and "USD" in r.stdout
    assert "service gone" in r.stderr
    r = run_cli("-w", str(reference_with_services.root), "blueprint", "diff", "standard@1", "--to", "standard@1")
    assert r.exit_code == 2
