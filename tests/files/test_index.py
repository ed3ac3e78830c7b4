"""The index of space files: used while a file's bytes are unchanged, never after an edit; a damaged index
or entry is ignored and rebuilt."""

from __future__ import annotations

import json

import pytest

from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import SPACES_INDEX, WorkspaceContext


@pytest.fixture
def ws(workspace):
    for team in ("alpha", "beta", "gamma"):
        create_space(workspace, CreateSpaceRequest(team=team, blueprint="standard@1", envs=["dev=DE"]))
    return WorkspaceContext.open(workspace.root)


def read_all(ws):
    """Every space read in full, as the commands that need whole spaces read them (this fills the index)."""
    good, bad = ws.spaces()
    return {"spaces": [s.to_data() for s in good], "errors": [e.message for e in bad]}


def index_data(ws):
    return json.loads((ws.local_dir / SPACES_INDEX).read_text())


def test_reading_the_spaces_fills_the_index_and_a_second_read_gives_the_same(ws):
    first = read_all(ws)
    entries = index_data(ws)["entries"]
    assert sorted(entries) == ["alpha", "beta", "gamma"]
    assert entries["alpha"]["data"]["team"] == "alpha"
    assert read_all(WorkspaceContext.open(ws.root)) == first


def test_an_edit_of_the_same_size_is_seen_at_once(ws):
    read_all(ws)
    path = ws.space_path("beta")
    text = path.read_text()
    path.write_text(text.replace("cost_center: unassigned", "cost_center: CC-1234567"))  # same length, same inode
    assert len(path.read_text()) == len(text)
    assert WorkspaceContext.open(ws.root).space("beta").cost_center == "CC-1234567"
    path.write_text(text)  # put back
    assert WorkspaceContext.open(ws.root).space("beta").cost_center == "unassigned"


def test_a_broken_file_is_not_served_from_the_index(ws):
    read_all(ws)
    ws.space_path("gamma").write_text("team: gamma\nblueprint: [standard@1\n")
    data = read_all(WorkspaceContext.open(ws.root))
    assert [s["team"] for s in data["spaces"]] == ["alpha", "beta"]
    assert len(data["errors"]) == 1 and "gamma.yaml" in data["errors"][0]
    # the entry stays as what the file held when it last parsed (its blocks stay taken), never served:
    # its digest is not the broken file's
    from platform_cli.files.index import identity

    assert index_data(ws)["entries"]["gamma"]["digest"] != identity(ws.space_path("gamma"))
    assert read_all(WorkspaceContext.open(ws.root))["errors"] == data["errors"]


def test_a_damaged_index_or_entry_is_ignored_and_rebuilt(ws):
    read_all(ws)
    path = ws.local_dir / SPACES_INDEX
    path.write_text('{"format": 1, "entries": {')
    assert [s["team"] for s in read_all(WorkspaceContext.open(ws.root))["spaces"]] == ["alpha", "beta", "gamma"]
    assert sorted(index_data(ws)["entries"]) == ["alpha", "beta", "gamma"]
    # an entry whose data is not a valid space (or names another team) is not used
    data = index_data(ws)
    data["entries"]["alpha"]["data"]["environments"] = "nowhere"
    data["entries"]["beta"]["data"]["team"] = "gamma"
    path.write_text(json.dumps(data))
    fresh = WorkspaceContext.open(ws.root)
    assert fresh.space("alpha").environments["dev"].regions == ["eu-central-1"]
    assert fresh.space("beta").team == "beta"


def test_a_removed_space_leaves_the_index(ws):
    read_all(ws)
    ws.space_path("alpha").unlink()
    assert [s["team"] for s in read_all(WorkspaceContext.open(ws.root))["spaces"]] == ["beta", "gamma"]
    assert sorted(index_data(ws)["entries"]) == ["beta", "gamma"]


def test_allocation_still_sees_every_block(ws):
    read_all(ws)
    taken = {str(b) for b in WorkspaceContext.open(ws.root).taken_cidrs()}
    new = create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(team="delta", blueprint="standard@1",
                                                                           envs=["dev=DE"]))
    assert str(new.allocations[0].cidr) not in taken and len(taken) == 3


def test_an_index_written_under_another_model_is_ignored(ws):
    """Entries parsed before the space model gained a field would lack it: they are not served."""
    read_all(ws)
    path = ws.local_dir / SPACES_INDEX
    data = index_data(ws)
    assert len(data["schema_digest"]) == 64
    data["schema_digest"] = "0" * 64
    data["entries"]["alpha"]["data"]["cost_center"] = "from-an-old-index"  # served only if the index were trusted
    path.write_text(json.dumps(data))
    assert WorkspaceContext.open(ws.root).space("alpha").cost_center == "unassigned"
    read_all(WorkspaceContext.open(ws.root))
    rebuilt = index_data(ws)  # rebuilt under the current model
    assert rebuilt["schema_digest"] != "0" * 64 and rebuilt["entries"]["alpha"]["data"]["cost_center"] == "unassigned"
