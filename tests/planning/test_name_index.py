"""The name index finds exactly the clashes the full comparison finds, and is never trusted when stale or
damaged: an edited space file, an entry that does not list the space's units, another organisation or
naming code, or a broken index file all make the names be derived again."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from platform_cli.errors import ConflictError
from platform_cli.files import name_index
from platform_cli.files.index import identity
from platform_cli.files.name_index import NAMES_INDEX, SpaceNames
from platform_cli.planning import collisions
from platform_cli.planning.collisions import NameIndex, SpaceUnitKey, space_collisions
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space
from platform_cli.workspace import WorkspaceContext

# Two environments of one long team name whose bucket prefixes are cut to the same 53 characters.
LONG_TEAM, ENV_A, ENV_B = "t" * 32, "e" * 20 + "a", "e" * 20 + "b"


def _short_names(org, key):
    """A derivation that makes clashes of every kind likely: short names over a small alphabet."""
    return {"platform:space tag": key.team[:2] + key.env[:1], "resource name prefix": key.team[:2] + key.region[:1],
            "bucket name prefix": key.env[:3], "Pulumi project": key.team[:1], "secret name prefix": key.team + key.env[:1]}


keys_st = st.builds(SpaceUnitKey, st.text("ab-", min_size=1, max_size=3), st.text("ab", min_size=1, max_size=3),
                    st.sampled_from(["a1", "b1", "ab"]))


@settings(max_examples=300, deadline=None)
@given(existing=st.lists(keys_st, max_size=25), new=st.lists(keys_st, min_size=1, max_size=5))
def test_the_index_gives_the_full_comparisons_clashes_in_its_order(existing, new):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(collisions, "space_unit_names", _short_names)
        index = NameIndex((k, _short_names("acme", k)) for k in existing)
        assert index.collisions("acme", new) == space_collisions("acme", new, existing)


def test_the_index_gives_the_clashes_of_real_names():
    existing = [SpaceUnitKey(LONG_TEAM, ENV_A, r) for r in ("eu-central-1", "eu-west-1")]
    existing += [SpaceUnitKey("shop", "prod-eu", "eu-west-1"), SpaceUnitKey(LONG_TEAM, "dev", "eu-west-1")]
    new = [SpaceUnitKey(LONG_TEAM, ENV_B, "eu-central-1"), SpaceUnitKey("shop-prod", "eu", "eu-west-1")]
    index = NameIndex((k, collisions.space_unit_names("acme", k)) for k in existing)
    found = index.collisions("acme", new)
    assert found == space_collisions("acme", new, existing)
    assert len(found) == 2 and all("bucket name prefix" in p and f"{LONG_TEAM}/{ENV_A}" in p for p in found)


def _workspace(workspace):
    for team, env in (("alpha", "dev"), ("beta", "prod"), (LONG_TEAM, ENV_A)):
        create_space(workspace, CreateSpaceRequest(team=team, blueprint="standard@1", envs=[f"{env}=DE,IE"]))
    return WorkspaceContext.open(workspace.root)


def _both(ws, new):
    """(clashes from the name index, clashes from the full comparison, spaces whose names were derived)."""
    indexed = ws.holdings.name_index().collisions(ws.config.org, new)  # from the light index, no space parsed
    ws.light.index.flush()  # as a command does once it wrote its space
    spaces, _ = WorkspaceContext.open(ws.root).spaces()
    existing = [SpaceUnitKey(s.team, env, r) for s in spaces for env, e in s.environments.items() for r in e.regions]
    return indexed, space_collisions(ws.config.org, new, existing), ws.light.derived


NEW = [SpaceUnitKey(LONG_TEAM, ENV_B, "eu-central-1"), SpaceUnitKey(LONG_TEAM, ENV_B, "eu-west-1")]


def test_a_refused_command_leaves_the_index_as_it_was(workspace):
    ws = _workspace(workspace)
    path = ws.local_dir / NAMES_INDEX
    before = path.read_bytes()
    ws.space_path("alpha").write_text(ws.space_path("alpha").read_text().replace("unassigned", "CC-1"))  # stale entry
    with pytest.raises(ConflictError, match="bucket name prefix"):
        add_region(WorkspaceContext.open(ws.root), LONG_TEAM, ENV_B, "DE", new_env=True)
    assert path.read_bytes() == before


def test_commands_keep_the_index_and_it_agrees_with_the_full_comparison_after_a_hand_edit(workspace):
    ws = _workspace(workspace)  # each create checked its units through the index and added its own
    assert sorted(json.loads((ws.local_dir / NAMES_INDEX).read_text())["entries"]) == ["alpha", "beta", LONG_TEAM]
    indexed, full, derived = _both(ws, NEW)
    assert indexed == full and len(full) == 4 and derived == 0  # all from the index
    # a hand edit renames the long team's environment: its entry is stale, and the clash is gone
    path = ws.space_path(LONG_TEAM)
    original = path.read_text()
    path.write_text(original.replace(ENV_A, "dev"))
    indexed, full, derived = _both(WorkspaceContext.open(ws.root), NEW)
    assert indexed == full == [] and derived == 1
    # the file put back by hand: its units clash again
    path.write_text(original)
    indexed, full, derived = _both(WorkspaceContext.open(ws.root), NEW)
    assert indexed == full and len(full) == 4 and derived == 1
    with pytest.raises(ConflictError, match="bucket name prefix"):
        add_region(WorkspaceContext.open(ws.root), LONG_TEAM, ENV_B, "DE", new_env=True)


def _facts(data, team):
    return json.loads(data["entries"][team]["data"]["facts"])


def _seal(ws, data, team, facts):
    """Put FACTS into TEAM's entry with a check that matches: only the model and the consistency rules can
    refuse it then."""
    text = json.dumps(facts)
    digest = identity(ws.space_path(team))
    data["entries"][team]["data"] = {"facts": text, "check": name_index._check(team, digest, text)}


@pytest.mark.parametrize("damage", ["truncated", "not an index", "other org", "entry lacks a unit",
                                    "entry lists another unit", "entry lacks a kind", "entry of another team",
                                    "names edited", "entry not an entry", "a block lacks its unit",
                                    "a block is no block"])
def test_a_stale_or_damaged_index_is_rebuilt_never_trusted(workspace, damage):
    ws = _workspace(workspace)
    _both(ws, NEW)
    path = ws.local_dir / NAMES_INDEX
    data = json.loads(path.read_text())
    facts = _facts(data, LONG_TEAM)
    units = facts["units"]
    for u in units:
        u["names"]["bucket name prefix"] = "acme--elsewhere--"  # a wrong name: must never be served
    sealed = damage.startswith(("entry l", "a block"))  # well-formed, with a matching check
    if damage == "entry lacks a unit":
        units.pop()
    elif damage == "entry lists another unit":
        units[0]["region"] = "us-east-1"
    elif damage == "entry lacks a kind":
        for u in units:
            u["names"] = {k: v for k, v in u["names"].items() if k != "Pulumi project"}
    elif damage == "a block lacks its unit":
        facts["allocations"].pop()
    elif damage == "a block is no block":
        facts["allocations"][0]["block"][0] += 1  # host bits set
    if sealed:
        _seal(ws, data, LONG_TEAM, facts)
    elif damage == "names edited":  # the check no longer matches
        data["entries"][LONG_TEAM]["data"]["facts"] = json.dumps(facts)
    elif damage == "entry of another team":
        data["entries"][LONG_TEAM]["data"] = data["entries"]["alpha"]["data"]
    elif damage == "entry not an entry":
        data["entries"][LONG_TEAM] = {"digest": "nope", "data": []}
    elif damage == "other org":
        data["schema_digest"] = SpaceNames(ws.local_dir, "globex").index.schema_digest
    text = json.dumps(data)
    if damage == "truncated":
        text = text[:-40]
    elif damage == "not an index":
        text = json.dumps({"format": 1, "entries": []})
    path.write_text(text)
    fresh = WorkspaceContext.open(ws.root)
    indexed, full, derived = _both(fresh, NEW)
    assert indexed == full and len(full) == 4 and derived >= 1
    if damage not in ("truncated", "not an index", "other org"):  # one damaged entry: named, the others served
        assert fresh.light.damaged == [LONG_TEAM] and derived == 1
    rebuilt = _facts(json.loads(path.read_text()), LONG_TEAM)["units"]
    assert all(u["names"]["bucket name prefix"] != "acme--elsewhere--" for u in rebuilt)


def test_the_index_names_the_org_and_the_naming_code(workspace):
    """Names depend only on the org, the naming code and the units: the index names the first two (an index
    of another is rebuilt, see above) and each entry lists the units."""
    ws = _workspace(workspace)
    a, b = SpaceNames(ws.local_dir, "acme"), SpaceNames(ws.local_dir, "globex")
    assert a.index.schema_digest != b.index.schema_digest
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("platform_cli.files.name_index._code_digest", lambda: "changed")
        assert SpaceNames(ws.local_dir, "acme").index.schema_digest != a.index.schema_digest
