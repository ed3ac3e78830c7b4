"""`platform fleet status`: adoption over time from the upgrade events, and spaces behind by more than one version."""

from __future__ import annotations

import json

import pytest

from platform_cli.fleet import UpgradeRequest, fleet_status, upgrade_fleet
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

from .test_plan import blueprint, with_catalog


@pytest.fixture
def fleet(workspace):
    root = workspace.root
    for v in (1, 2, 3):
        blueprint(root, "tri", v)
    ws = with_catalog(root)
    for team, bp in [("a1", "tri@1"), ("b1", "tri@1"), ("c1", "tri@1"), ("d2", "tri@2"), ("e3", "tri@3")]:
        create_space(ws, CreateSpaceRequest(team=team, blueprint=bp, envs=["dev=DE"]))
    return WorkspaceContext.open(root)


def _tri(data):
    return next(b for b in data["blueprints"] if b["name"] == "tri")


def test_spaces_behind_by_more_than_one_version(fleet):
    data = fleet_status(fleet)
    tri = _tri(data)
    assert [(b["team"], b["versions_behind"]) for b in tri["behind"]] == [("a1", 2), ("b1", 2), ("c1", 2)]
    assert data["behind"] == tri["behind"] and tri["behind"][0]["latest"] == "tri@3"
    # one version behind is not "behind by more than one"
    assert {s["team"]: s["versions_behind"] for s in tri["spaces"]} == {"a1": 2, "b1": 2, "c1": 2, "d2": 1, "e3": 0}
    assert tri["history"] == []


def test_adoption_over_time_from_the_upgrade_events(run_cli, fleet):
    upgrade_fleet(fleet, UpgradeRequest(to="tri@2", cohort=2, impact=False))  # a1, b1 -> tri@2
    upgrade_fleet(fleet, UpgradeRequest(to="tri@3", cohort=2, impact=False))  # a1, b1 (team order) -> tri@3
    ws = WorkspaceContext.open(fleet.root)
    tri = _tri(fleet_status(ws))
    hist = tri["history"]
    assert [(h["blueprint"], h["moved"], h["on"], h["total"], h["percent"]) for h in hist] == [
        ("tri@2", ["a1", "b1"], 3, 5, 60.0), ("tri@3", ["a1", "b1"], 3, 5, 60.0)]
    assert all(h["time"] for h in hist)
    assert [b["team"] for b in tri["behind"]] == ["c1"]
    # a damaged event line is reported; the others still count
    with open(ws.local_dir / "fleet.jsonl", "a") as fh:
        fh.write('{"time": "not a time", "action": "upgrade"}\n')
    r = run_cli("-w", str(ws.root), "fleet", "status", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(_tri(data)["history"]) == 2
    assert any("fleet.jsonl:3" in e for e in data["errors"])
    r = run_cli("-w", str(ws.root), "fleet", "status")
    assert "adoption over time" in r.stdout and "behind by more than one version" in r.stdout
    assert "c1" in r.stdout and "fleet.jsonl:3" in r.stderr
