"""Checks that span files: a space's blocks against the workspace pool and the other spaces."""

from __future__ import annotations

import pytest

from platform_cli.errors import SpecError
from platform_cli.model import Workspace
from platform_cli.spaces import CreateSpaceRequest, create_space, list_spaces
from platform_cli.workspace import WorkspaceContext
from platform_cli.yamlio import load_yaml, dump_yaml


def _set_cidr(ws: WorkspaceContext, team: str, index: int, cidr: str) -> None:
    path = ws.space_path(team)
    data = load_yaml(path)
    data["allocations"][index]["cidr"] = cidr
    path.write_text(dump_yaml(data))


def _set_pool(ws: WorkspaceContext, pool: str) -> WorkspaceContext:
    path = ws.root / "platform.yaml"
    data = load_yaml(path)
    data["network_pool"] = pool
    path.write_text(dump_yaml(data))
    return WorkspaceContext.open(ws.root)


@pytest.fixture
def two(workspace):
    for team in ("payments", "search"):
        create_space(workspace, CreateSpaceRequest(team=team, blueprint="standard@1", envs=["dev=eu-central-1"]))
    return WorkspaceContext.open(workspace.root)


def test_untouched_spaces_load(two):
    assert [str(a.cidr) for a in two.space("payments").allocations] == ["10.0.0.0/20"]
    assert [str(a.cidr) for a in two.space("search").allocations] == ["10.0.16.0/20"]


@pytest.mark.parametrize("cidr, how", [
    ("10.0.0.0/20", "overlaps 10.0.0.0/20 of spaces/payments.yaml dev/eu-central-1"),   # the same block
    ("10.0.8.0/21", "overlaps 10.0.0.0/20 of spaces/payments.yaml"),                     # inside another
    ("10.0.0.0/16", "overlaps 10.0.0.0/20 of spaces/payments.yaml"),                     # contains another
])
def test_a_block_overlapping_another_space_names_both_files(two, cidr, how):
    _set_cidr(two, "search", 0, cidr)
    ws = WorkspaceContext.open(two.root)
    with pytest.raises(SpecError) as info:
        ws.space("search")
    text = str(info.value)
    assert str(ws.space_path("search")) in text and "allocations.0.cidr" in text and how in text
    # the other side of the overlap is refused too: neither can be planned as if it were alone
    with pytest.raises(SpecError, match="overlaps"):
        WorkspaceContext.open(two.root).space("payments")


def test_adjacent_blocks_do_not_overlap(two):
    _set_cidr(two, "search", 0, "10.0.16.0/24")  # right after payments' 10.0.0.0/20
    assert str(WorkspaceContext.open(two.root).space("search").allocations[0].cidr) == "10.0.16.0/24"


@pytest.mark.parametrize("pool, cidr, how", [
    ("10.0.0.0/16", "10.1.0.0/20", "lies outside the pool 10.0.0.0/16"),
    ("10.0.0.0/20", "10.0.0.0/19", "contains the whole pool 10.0.0.0/20"),
    ("10.0.16.0/20", "10.0.0.0/19", "contains the whole pool"),
    ("10.0.0.0/17", "10.0.64.0/18", None),                 # inside, touching the pool's last address
    ("10.0.0.0/17", "10.0.127.240/28", None),
])
def test_a_block_must_lie_inside_the_pool(two, pool, cidr, how):
    _set_cidr(two, "search", 0, cidr)
    _set_cidr(two, "payments", 0, "10.0.0.0/28" if pool != "10.0.16.0/20" else "10.0.16.0/28")
    ws = _set_pool(two, pool)
    if how is None:
        assert str(ws.space("search").allocations[0].cidr) == cidr
        return
    with pytest.raises(SpecError) as info:
        ws.space("search")
    assert how in str(info.value) and "allocations.0.cidr" in str(info.value)


def test_a_block_holding_the_pool_or_beside_it_is_outside_it():
    from ipaddress import IPv4Network

    from platform_cli.planning.cidr import allocation_problems

    pool = IPv4Network("10.0.16.0/20")
    assert "contains the whole pool" in allocation_problems([("a", IPv4Network("10.0.0.0/15"))], pool, [])[0]
    assert "contains the whole pool" in allocation_problems([("a", IPv4Network("10.0.0.0/19"))], pool, [])[0]
    assert "lies outside" in allocation_problems([("a", IPv4Network("10.0.32.0/20"))], pool, [])[0]
    assert "lies outside" in allocation_problems([("a", IPv4Network("10.0.15.240/28"))], pool, [])[0]
    assert allocation_problems([("a", IPv4Network("10.0.16.0/20"))], pool, []) == []
    assert allocation_problems([("a", IPv4Network("10.0.31.240/28"))], pool, []) == []


def test_list_reports_the_broken_space_and_keeps_the_others(two, workspace):
    create_space(two, CreateSpaceRequest(team="ledger", blueprint="standard@1", envs=["dev=eu-central-1"]))
    _set_cidr(two, "ledger", 0, "10.200.0.0/20")
    ws = _set_pool(two, "10.0.0.0/12")
    out = list_spaces(ws)
    assert [s["team"] for s in out["spaces"]] == ["payments", "search"]
    assert len(out["errors"]) == 1 and "ledger.yaml" in out["errors"][0] and "outside the pool" in out["errors"][0]


def test_new_blocks_skip_a_hand_edited_overlap(two):
    """Allocation still sees every block, so a new space never gets a block someone holds."""
    _set_cidr(two, "search", 0, "10.0.32.0/20")
    ws = WorkspaceContext.open(two.root)
    space = create_space(ws, CreateSpaceRequest(team="ledger", blueprint="standard@1", envs=["dev=DE,FR"]))
    assert [str(a.cidr) for a in space.allocations] == ["10.0.16.0/20", "10.0.48.0/20"]


def test_pool_rule_is_one_function():
    from ipaddress import IPv4Network

    from platform_cli.model.network import pool_problem

    assert pool_problem(IPv4Network("10.0.0.0/20"), 20) is None
    assert "too small for one /19 block" in pool_problem(IPv4Network("10.0.0.0/20"), 19)
    assert Workspace(org="acme", network_pool="100.64.0.0/10").network_pool == IPv4Network("100.64.0.0/10")
    with pytest.raises(ValueError, match="not wholly inside one private range"):
        Workspace(org="acme", network_pool="100.0.0.0/8")
