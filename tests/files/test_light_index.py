"""The light index (blocks, domains and unit names per unchanged space file): `space create` reads it instead of
every space's full model, it agrees with the files, and a damaged entry is named and never hides its space."""

from __future__ import annotations

import json
from ipaddress import IPv4Network

import pytest

from platform_cli.errors import ConflictError
from platform_cli.files.name_index import NAMES_INDEX
from platform_cli.model import Space
from platform_cli.planning import collisions
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space
from platform_cli.workspace import SPACES_INDEX, WorkspaceContext

LONG_TEAM, ENV_A, ENV_B = "t" * 32, "e" * 20 + "a", "e" * 20 + "b"  # bucket prefixes of ENV_A and ENV_B meet


@pytest.fixture
def ws(workspace):
    for team, envs in (("alpha", ["dev=DE"]), ("beta", ["dev=DE,IE", "prod=FR"]), (LONG_TEAM, [f"{ENV_A}=DE,IE"])):
        create_space(workspace, CreateSpaceRequest(team=team, blueprint="standard@1", envs=envs))
    return WorkspaceContext.open(workspace.root)


def _entries(ws):
    return json.loads((ws.local_dir / NAMES_INDEX).read_text())["entries"]


def _damage(ws, team):
    """TEAM's entry with a unit moved to another region and its seal left as it was."""
    path = ws.local_dir / NAMES_INDEX
    data = json.loads(path.read_text())
    entry = data["entries"][team]["data"]
    entry["facts"] = entry["facts"].replace('"region":"eu-central-1"', '"region":"eu-west-3"', 1)
    path.write_text(json.dumps(data))


def _blocks(space):
    return [a.cidr for a in space.allocations]


def test_create_reads_no_other_space_in_full(ws):
    fresh = WorkspaceContext.open(ws.root)
    made = create_space(fresh, CreateSpaceRequest(team="delta", blueprint="standard@1", envs=["dev=DE,IE"]))
    # only the new space's entry was made: the other three came from the light index, none was parsed
    assert fresh.light.derived == 1 and fresh.light.damaged == []
    others = [b for s in WorkspaceContext.open(ws.root).spaces()[0] if s.team != "delta" for b in _blocks(s)]
    assert len(others) == 6 and not any(a.overlaps(b) for a in _blocks(made) for b in others)


def test_the_light_index_agrees_with_the_files(ws):
    """Every entry served says what its file says; a hand edit is seen at once (the entry is not served)."""
    edited = ws.space_path("beta")
    edited.write_text(edited.read_text().replace("domains: []", "domains: [{name: beta.example.com, "
                                                 "hosted_zone_id: Z0123456789ABCDEFGHIJ}]", 1))
    fresh = WorkspaceContext.open(ws.root)
    assert fresh.light.facts("beta", edited) is None  # changed since its entry was made
    for team in ("alpha", "beta", LONG_TEAM):
        facts = fresh.holdings.facts(team)
        space = Space.load(ws.space_path(team))
        assert [(k.env, k.region) for k, _ in facts.units] == space.units()
        assert all(n == collisions.space_unit_names("acme", k) for k, n in facts.units)
        assert facts.blocks == [(a.env, a.region, a.cidr) for a in space.allocations]
        assert facts.domains == [(env, d.name) for env, e in space.environments.items() for d in e.domains]
    assert fresh.holdings.facts("beta").domains == [("dev", "beta.example.com")]
    assert set(fresh.parsed) == {"beta"} and fresh.light.derived == 1


def test_a_damaged_entry_is_named_and_its_space_still_holds_its_blocks(ws):
    held = _blocks(ws.space("beta"))
    _damage(ws, "beta")
    fresh = WorkspaceContext.open(ws.root)
    made = create_space(fresh, CreateSpaceRequest(team="delta", blueprint="standard@1", envs=["dev=DE,IE,FR"]))
    assert fresh.light.damaged == ["beta"] and fresh.light.derived == 2  # beta parsed again, not skipped
    assert not any(a.overlaps(b) for a in _blocks(made) for b in held)
    assert json.loads(_entries(ws)["beta"]["data"]["facts"])["units"][0]["region"] == "eu-central-1"  # rewritten


def test_a_damaged_entry_never_hides_a_name_clash_and_the_refusal_names_both_sides(ws):
    _damage(ws, LONG_TEAM)
    fresh = WorkspaceContext.open(ws.root)
    with pytest.raises(ConflictError) as info:
        add_region(fresh, LONG_TEAM, ENV_B, "DE", new_env=True)
    message = info.value.message
    assert f"space {LONG_TEAM}/{ENV_B} in eu-central-1" in message and f"of space {LONG_TEAM}/{ENV_A}" in message
    assert "bucket name prefix" in message and fresh.light.damaged == [LONG_TEAM]


def test_a_clash_with_another_team_is_refused_from_the_light_index_naming_both(ws, monkeypatch):
    """Two teams' units whose (here deliberately short) names meet: the units of the other team come from the
    light index, and the refusal names both."""
    def short(org, key):
        return {"platform:space tag": key.team[:2] + "--" + key.env, "resource name prefix": key.team,
                "bucket name prefix": key.team, "Pulumi project": key.team, "secret name prefix": key.team}

    monkeypatch.setattr(collisions, "space_unit_names", short)
    create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(team="gamma", blueprint="standard@1", envs=["dev=DE"]))
    fresh = WorkspaceContext.open(ws.root)
    with pytest.raises(ConflictError) as info:
        create_space(fresh, CreateSpaceRequest(team="gaxx", blueprint="standard@1", envs=["dev=DE"]))
    message = info.value.message
    assert "space gaxx/dev in eu-central-1 would have the platform:space tag 'ga--dev'" in message
    assert "of space gamma/dev in eu-central-1" in message and "nothing was written" in message
    assert fresh.light.derived == 0 and not fresh.space_path("gaxx").exists()


def test_a_wrecked_file_keeps_the_blocks_its_light_entry_held(ws):
    """The space index forgotten, the file overwritten with text naming none of its blocks: what the light
    entry held stays taken, and a pool used up names the file."""
    held = _blocks(ws.space("beta"))
    (ws.local_dir / SPACES_INDEX).unlink(missing_ok=True)
    ws.space_path("beta").write_text("team: beta\n  wrecked: [\n", encoding="utf-8")
    made = create_space(WorkspaceContext.open(ws.root),
                        CreateSpaceRequest(team="delta", blueprint="standard@1", envs=["dev=DE,IE,FR,US"]))
    assert not any(a.overlaps(b) for a in _blocks(made) for b in held)
    assert all(isinstance(b, IPv4Network) for b in WorkspaceContext.open(ws.root).light.remembered("beta"))
    assert sorted(map(str, WorkspaceContext.open(ws.root).light.remembered("beta"))) == sorted(map(str, held))
