"""`space list` reads the light index, never every space's full model: it shows what the files say, reports
exactly the errors that reading every space in full reports, and a damaged entry never changes what it shows."""

from __future__ import annotations

import json

import pytest

from platform_cli.files import name_index
from platform_cli.files.name_index import NAMES_INDEX
from platform_cli.spaces import CreateSpaceRequest, create_space, list_spaces
from platform_cli.workspace import WorkspaceContext

ZONE = "Z0123456789ABCDEFGHIJ"


@pytest.fixture
def ws(workspace):
    create_space(workspace, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=DE"],
                                               owners=["a@example.com", "b@example.com"], cost_center="CC-7"))
    create_space(workspace, CreateSpaceRequest(team="beta", blueprint="standard@1", envs=["dev=DE,IE", "prod=FR,DE"]))
    create_space(workspace, CreateSpaceRequest(team="gamma", blueprint="standard@2", envs=["qa=US"]))
    _domain(workspace, "beta", "prod", "beta.example.com")
    return WorkspaceContext.open(workspace.root)


def _domain(ws, team, env, name):
    """Give TEAM's environment ENV the domain NAME (a hand edit of its file)."""
    path = ws.space_path(team)
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  {env}:"))
    j = next(i for i in range(at, len(lines)) if lines[i].strip().startswith("domains:"))
    lines[j] = lines[j].split("domains:")[0] + f"domains: [{{name: {name}, hosted_zone_id: {ZONE}}}]\n"
    path.write_text("".join(lines))


def in_full(root):
    """What `space list` shows, from every space's full model (the reference)."""
    good, bad = WorkspaceContext.open(root).spaces()
    return {"spaces": [{"team": s.team, "blueprint": s.blueprint, "cost_center": s.cost_center, "owners": s.owners,
                        "environments": {env: e.regions for env, e in s.environments.items()}, "units": len(s.units())}
                       for s in good], "errors": [e.message for e in bad]}


def test_the_list_says_what_the_files_say_and_builds_no_full_model_of_an_unchanged_space(ws):
    assert list_spaces(WorkspaceContext.open(ws.root)) == in_full(ws.root)
    fresh = WorkspaceContext.open(ws.root)
    listed = list_spaces(fresh)
    assert fresh.parsed == {} and fresh.light.derived == 0  # every space from the light index
    assert listed["spaces"][1]["environments"] == {"dev": ["eu-central-1", "eu-west-1"], "prod": ["eu-west-3", "eu-central-1"]}
    assert listed["spaces"][0]["owners"] == ["a@example.com", "b@example.com"] and listed["spaces"][0]["cost_center"] == "CC-7"
    path = ws.space_path("alpha")
    path.write_text(path.read_text().replace("cost_center: CC-7", "cost_center: CC-8"))  # the same size
    edited = WorkspaceContext.open(ws.root)
    assert list_spaces(edited)["spaces"][0]["cost_center"] == "CC-8" and set(edited.parsed) == {"alpha"}


def _overlap(ws):
    theirs = WorkspaceContext.open(ws.root).space("alpha").allocations[0].cidr
    path = ws.space_path("gamma")
    mine = WorkspaceContext.open(ws.root).space("gamma").allocations[0].cidr
    path.write_text(path.read_text().replace(str(mine), str(theirs)))


def _outside(ws):
    path = ws.space_path("gamma")
    mine = WorkspaceContext.open(ws.root).space("gamma").allocations[0].cidr
    path.write_text(path.read_text().replace(str(mine), "192.168.0.0/20"))


@pytest.mark.parametrize("damage, broken", [
    (lambda ws: ws.space_path("gamma").write_text("team: gamma\nblueprint: [standard@1\n"), ["gamma"]),
    (lambda ws: ws.space_path("gamma").write_text(ws.space_path("gamma").read_text().replace("team: gamma", "team: alpha")), ["gamma"]),
    (_overlap, ["alpha", "gamma"]),  # both sides of an overlap are reported
    (_outside, ["gamma"]),
    (lambda ws: _domain(ws, "alpha", "dev", "api.beta.example.com"), ["alpha", "beta"]),  # nested across spaces
    (lambda ws: _domain(ws, "beta", "dev", "beta.example.com"), ["beta"]),  # the same name in two environments
], ids=["unparsable", "another-team", "overlap", "outside-the-pool", "nested-domain", "same-domain-twice"])
def test_the_errors_are_those_of_reading_every_space_in_full(ws, damage, broken):
    list_spaces(WorkspaceContext.open(ws.root))  # every entry made
    damage(ws)
    listed = list_spaces(WorkspaceContext.open(ws.root))
    assert listed == in_full(ws.root)
    assert [e.split("/spaces/")[1].split(".yaml")[0] for e in listed["errors"]] == broken
    assert [s["team"] for s in listed["spaces"]] == [t for t in ("alpha", "beta", "gamma") if t not in broken]
    assert list_spaces(WorkspaceContext.open(ws.root)) == listed  # and again, from the entries written since


def _entries(ws):
    return json.loads((ws.local_dir / NAMES_INDEX).read_text())


def _write_facts(ws, team, change, *, reseal):
    data = _entries(ws)
    entry = data["entries"][team]
    facts = json.loads(entry["data"]["facts"])
    change(facts)
    entry["data"]["facts"] = json.dumps(facts, separators=(",", ":"))
    if reseal:  # a consistent-looking entry: its check made anew over the changed facts
        entry["data"]["check"] = name_index._check(team, entry["digest"], entry["data"]["facts"])
    (ws.local_dir / NAMES_INDEX).write_text(json.dumps(data))


@pytest.mark.parametrize("change, reseal", [
    (lambda f: f["summary"].update(cost_center="CC-forged"), False),  # the check no longer matches
    (lambda f: f["summary"].update(blueprint="standard"), True),  # no version
    (lambda f: f["summary"].update(owners=["not-an-email"]), True),
    (lambda f: f["summary"].update(cost_center="CC\u00007"), True),  # a control character
    (lambda f: f["summary"].update(cost_center="x" * 65), True),  # longer than the model allows
    (lambda f: f["summary"].update(extra="x"), True),
    (lambda f: f.pop("summary"), True),  # an entry of the earlier format
], ids=["unsealed", "blueprint", "owner", "control-character", "too-long", "unknown-key", "no-summary"])
def test_a_damaged_summary_is_never_shown_and_is_named(ws, change, reseal):
    list_spaces(WorkspaceContext.open(ws.root))
    _write_facts(ws, "alpha", change, reseal=reseal)
    fresh = WorkspaceContext.open(ws.root)
    assert list_spaces(fresh) == in_full(ws.root)
    assert fresh.light.damaged == ["alpha"] and set(fresh.parsed) == {"alpha"}  # its file parsed again


def test_an_index_of_another_format_is_rebuilt_without_naming_anything(ws, monkeypatch):
    monkeypatch.setattr(name_index, "FACTS_FORMAT", name_index.FACTS_FORMAT - 1)
    list_spaces(WorkspaceContext.open(ws.root))
    monkeypatch.undo()
    fresh = WorkspaceContext.open(ws.root)
    assert list_spaces(fresh) == in_full(ws.root)
    assert fresh.light.damaged == [] and fresh.light.derived == 3
