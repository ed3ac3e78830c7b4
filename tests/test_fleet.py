"""`platform fleet status|upgrade`: adoption per blueprint and cohort upgrades."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from platform_cli.errors import NotFoundError, UsageError, UserAbort
from platform_cli.fleet import UpgradeRequest, fleet_status, plan_upgrade, read_events, upgrade_fleet
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext


def snapshot(root: Path) -> dict[str, bytes]:
    """Every workspace file but the lock, the render cache and the space index (derived data, rebuilt from the files)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "allocations.lock" and "render-cache" not in p.relative_to(root).parts
            and p.relative_to(root) != Path(".platform/spaces.index.json")}


def spaces_snapshot(ws) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(ws.spaces_dir.glob("*.yaml"))}


@pytest.fixture
def fleet(workspace):
    """Five teams on standard@1, one on standard@2, two on minimal@1, and a workspace catalog
    with minimal@2 that allows only eu-central-1."""
    root = workspace.root
    catalog = root / "catalog" / "minimal"
    catalog.mkdir(parents=True)
    catalog.joinpath("2.yaml").write_text(
        "schema_version: 1\nname: minimal\nversion: 2\nnetwork: {cidr_prefix: 22, azs: 1, nat: none}\n"
        "guardrails: {allowed_regions: [eu-central-1], allowed_offerings: [queue]}\n")
    cfg = root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("- builtin", "- builtin\n- catalog"))
    ws = WorkspaceContext.open(root)
    assert [s.name for s in ws.catalog.sources][-1] == "catalog"
    for team, bp, envs in [
        ("orders", "standard@1", ["dev=DE", "prod=DE,FR"]),
        ("billing", "standard@1", ["dev=DE"]),
        ("search", "standard@1", ["dev=IE", "prod=IE,US"]),
        ("accounts", "standard@1", ["prod=JP"]),
        ("payments", "standard@1", ["dev=DE", "prod=DE,FR,US"]),
        ("ledger", "standard@2", ["dev=DE"]),
        ("tools", "minimal@1", ["dev=eu-central-1"]),
        ("admin", "minimal@1", ["dev=eu-central-1,eu-west-1"]),
    ]:
        create_space(ws, CreateSpaceRequest(team=team, blueprint=bp, envs=envs))
    # a comment a person added must survive the upgrade
    p = ws.space_path("billing")
    p.write_text(p.read_text().replace("blueprint: standard@1", "# moved by Cloud & Tools\nblueprint: standard@1  # keep"))
    return WorkspaceContext.open(root)


def _by_name(status):
    return {b["name"]: b for b in status["blueprints"]}


def test_status_counts_versions_and_adoption(fleet):
    status = _by_name(fleet_status(fleet))
    std = status["standard"]
    assert std["latest"] == "standard@3"  # an account per environment: no space has moved there yet
    assert std["versions"] == {"standard@1": 5, "standard@2": 1, "standard@3": 0}
    assert (std["total"], std["on_latest"], std["adoption_percent"]) == (6, 0, 0.0)
    assert [s["team"] for s in std["spaces"]] == ["accounts", "billing", "ledger", "orders", "payments", "search"]
    assert {s["team"]: s["version"] for s in std["spaces"]}["ledger"] == 2
    mini = status["minimal"]
    assert mini["latest"] == "minimal@2" and mini["versions"] == {"minimal@1": 2, "minimal@2": 0}
    assert mini["adoption_percent"] == 0.0


def test_status_reports_a_broken_space_and_counts_the_rest(run_cli, fleet):
    (fleet.spaces_dir / "broken.yaml").write_text("team: broken\nblueprint: [standard@1\n")
    r = run_cli("-w", str(fleet.root), "fleet", "status", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_spaces"] == 8
    assert len(data["errors"]) == 1 and "broken.yaml" in data["errors"][0]
    assert "warning:" in r.stderr and "broken.yaml" in r.stderr
    r = run_cli("-w", str(fleet.root), "fleet", "status")
    assert r.exit_code == 0
    assert re.search(r"^standard\s+standard@3\s+6\s+0\s+0%", r.stdout, re.M) and "payments" in r.stdout


def test_upgrade_moves_the_next_cohort_in_team_order(run_cli, fleet):
    before = spaces_snapshot(fleet)
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "2", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [u["team"] for u in data["upgraded"]] == ["accounts", "billing"]
    assert data["adoption_before"] == {"blueprint": "standard@2", "on": 1, "total": 6, "percent": 16.7}
    assert data["adoption_after"] == {"blueprint": "standard@2", "on": 3, "total": 6, "percent": 50.0}
    assert data["remaining"] == 3
    assert data["next"] == ["platform space apply accounts --env prod", "platform space apply billing --env dev"]
    assert "next: platform space apply accounts --env prod" in r.stderr
    after = spaces_snapshot(fleet)
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == ["accounts.yaml", "billing.yaml"]
    for name in changed:  # only the blueprint line differs
        old, new = before[name].decode().splitlines(), after[name].decode().splitlines()
        diff = [(a, b) for a, b in zip(old, new) if a != b]
        assert len(old) == len(new) and len(diff) == 1
        assert "standard@1" in diff[0][0] and "standard@2" in diff[0][1]
    billing = (fleet.spaces_dir / "billing.yaml").read_text()
    assert "# moved by Cloud & Tools\nblueprint: standard@2  # keep" in billing
    ws = WorkspaceContext.open(fleet.root)
    assert ws.space("billing").blueprint == "standard@2"
    assert ws.space("billing").allocations == fleet.space("billing").allocations

    # the next step continues where this one stopped
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "2", "--yes", "--json")
    assert [u["team"] for u in json.loads(r.stdout)["upgraded"]] == ["orders", "payments"]
    events = read_events(fleet)
    assert [[u["team"] for u in e["upgraded"]] for e in events] == [["accounts", "billing"], ["orders", "payments"]]
    assert events[-1]["to"] == "standard@2" and events[-1]["adoption_after"]["percent"] == 83.3
    assert all(e["user"] and e["time"] for e in events)


def test_upgrade_blocks_spaces_the_new_version_does_not_allow(fleet):
    before = spaces_snapshot(fleet)
    result = upgrade_fleet(fleet, UpgradeRequest(to="minimal@2", cohort=5))
    data = result.to_data()
    assert [b["team"] for b in data["blocked"]] == ["admin"]
    assert "eu-west-1" in data["blocked"][0]["reasons"][0] and "minimal@2" in data["blocked"][0]["reasons"][0]
    assert [u["team"] for u in data["upgraded"]] == ["tools"]
    after = spaces_snapshot(fleet)
    assert after["admin.yaml"] == before["admin.yaml"]
    assert after["tools.yaml"] != before["tools.yaml"]
    assert data["remaining"] == 1  # the blocked one is still on the old version
    assert read_events(fleet)[-1]["blocked"][0]["team"] == "admin"


def test_blocked_spaces_do_not_hold_up_the_rest(fleet):
    plan = plan_upgrade(fleet, UpgradeRequest(to="minimal@2", cohort=1))
    assert [c.team for c in plan.blocked] == ["admin"]
    assert [c.team for c in plan.cohort] == ["tools"]


def test_dry_run_changes_nothing(run_cli, fleet):
    before = snapshot(fleet.root)
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "3", "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["dry_run"] is True
    assert [u["team"] for u in data["cohort"]] == ["accounts", "billing", "orders"]
    assert data["upgraded"] == []
    assert data["adoption_after"]["on"] == 4
    assert snapshot(fleet.root) == before
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "3", "--dry-run")
    assert r.exit_code == 0 and "accounts" in r.stdout and "adoption before" in r.stderr
    assert snapshot(fleet.root) == before


def test_upgrade_needs_confirmation(run_cli, fleet):
    before = snapshot(fleet.root)
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "1")
    assert r.exit_code == 11, r.stderr
    assert "--yes" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(fleet.root) == before

    def no(plan):
        raise UserAbort("not confirmed; nothing was changed")

    with pytest.raises(UserAbort):
        upgrade_fleet(fleet, UpgradeRequest(to="standard@2", cohort=1), confirm=no)
    assert snapshot(fleet.root) == before


def test_upgrade_bad_arguments(run_cli, fleet):
    before = snapshot(fleet.root)
    ws = str(fleet.root)
    for args, code, needle in [
        (["--to", "standard@9", "--cohort", "1"], 4, "standard@9"),
        (["--to", "golden@1", "--cohort", "1"], 4, "golden@1"),
        (["--to", "standard", "--cohort", "1"], 3, "NAME@VERSION"),
        (["--to", "standard@2", "--cohort", "0"], 2, "--cohort"),
        (["--to", "standard@2"], 2, "--cohort"),
    ]:
        r = run_cli("-w", ws, "fleet", "upgrade", *args, "--yes")
        assert r.exit_code == code, (args, r.stderr)
        assert needle in r.stderr and "Traceback" not in r.stderr
    assert snapshot(fleet.root) == before
    with pytest.raises(UsageError):
        plan_upgrade(fleet, UpgradeRequest(to="standard@2", cohort=0))
    with pytest.raises(NotFoundError):
        plan_upgrade(fleet, UpgradeRequest(to="standard@9", cohort=1))


def test_nothing_to_upgrade(run_cli, fleet):
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@1", "--cohort", "5", "--json")
    assert r.exit_code == 0, r.stderr  # no confirmation needed when nothing moves
    data = json.loads(r.stdout)
    assert data["upgraded"] == [] and data["remaining"] == 0
    assert "nothing to upgrade" in r.stderr
    assert read_events(fleet) == []


def test_broken_space_is_skipped_and_left_alone(run_cli, fleet):
    broken = fleet.spaces_dir / "aaa.yaml"
    broken.write_text("team: aaa\nblueprint: standard@1\nenvironments: {dev: {regions: eu-central-1}}\n")
    r = run_cli("-w", str(fleet.root), "fleet", "upgrade", "--to", "standard@2", "--cohort", "1", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [u["team"] for u in data["upgraded"]] == ["accounts"]
    assert any("aaa.yaml" in e for e in data["errors"])
    assert "blueprint: standard@1" in broken.read_text()


def test_status_shows_spaces_on_a_blueprint_the_catalog_no_longer_has(run_cli, fleet):
    p = fleet.space_path("tools")
    p.write_text(p.read_text().replace("blueprint: minimal@1", "blueprint: legacy@3"))
    status = _by_name(fleet_status(WorkspaceContext.open(fleet.root)))
    assert status["legacy"]["latest"] is None and status["legacy"]["adoption_percent"] is None
    assert status["legacy"]["spaces"] == [{"team": "tools", "blueprint": "legacy@3", "version": 3,
                                           "latest": False, "known": False, "versions_behind": 0}]
    assert status["minimal"]["total"] == 1
    r = run_cli("-w", str(fleet.root), "fleet", "status")
    assert r.exit_code == 0, r.stderr
    assert "legacy" in r.stdout


def test_upgrade_event_names_the_ci_actor(fleet, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTOR", "octo-deployer")
    upgrade_fleet(fleet, UpgradeRequest(to="standard@2", cohort=1))
    assert read_events(fleet)[-1]["user"] == "octo-deployer"
