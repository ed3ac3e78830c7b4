"""Address pools per region or partition (network_pools in platform.yaml): blocks are distinct within a
pool, may repeat across pools, and a pool that is full does not stop the others."""

from __future__ import annotations

import pytest

from platform_cli.errors import ConflictError, SpecError
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space
from platform_cli.workspace import WorkspaceContext


def with_pools(ws, text: str) -> WorkspaceContext:
    cfg = ws.root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("network_pools: {}\n", "") + text)
    return WorkspaceContext.open(ws.root)


def blocks(space):
    return {(a.env, a.region): str(a.cidr) for a in space.allocations}


def test_a_region_with_its_own_pool_reuses_addresses_of_the_default_pool(workspace):
    ws = with_pools(workspace, "network_pools:\n  eu-west-1: 10.0.0.0/8\n")
    a = create_space(ws, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=eu-central-1,eu-west-1"]))
    assert blocks(a) == {("dev", "eu-central-1"): "10.0.0.0/20", ("dev", "eu-west-1"): "10.0.0.0/20"}
    b = create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(
        team="beta", blueprint="standard@1", envs=["dev=eu-west-1", "prod=eu-central-1,eu-west-1"]))
    assert blocks(b) == {("dev", "eu-west-1"): "10.0.16.0/20", ("prod", "eu-central-1"): "10.0.16.0/20",
                         ("prod", "eu-west-1"): "10.0.32.0/20"}
    fresh = WorkspaceContext.open(ws.root)
    assert fresh.space("alpha") and fresh.space("beta")  # both valid under the pools


def test_without_a_pool_of_its_own_every_region_shares_the_default(workspace):
    a = create_space(workspace, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=eu-central-1,eu-west-1"]))
    assert blocks(a) == {("dev", "eu-central-1"): "10.0.0.0/20", ("dev", "eu-west-1"): "10.0.16.0/20"}


def test_a_partition_pool_serves_its_regions(workspace):
    ws = with_pools(workspace, "network_pools:\n  aws-cn: 172.16.0.0/12\n")
    a = create_space(ws, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=DE", "cn=CN"]))
    assert blocks(a)[("dev", "eu-central-1")] == "10.0.0.0/20"
    assert blocks(a)[("cn", "cn-north-1")] == "172.16.0.0/20"


def test_a_full_pool_refuses_only_its_region(workspace):
    ws = with_pools(workspace, "network_pools:\n  eu-west-1: 192.168.0.0/19\n")  # two /20 blocks
    create_space(ws, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=eu-west-1", "prod=eu-west-1"]))
    with pytest.raises(ConflictError, match="192.168.0.0/19 has no free /20"):
        create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(team="beta", blueprint="standard@1",
                                                                         envs=["dev=eu-west-1"]))
    assert not (ws.spaces_dir / "beta.yaml").exists()
    create_space(WorkspaceContext.open(ws.root), CreateSpaceRequest(team="beta", blueprint="standard@1",
                                                                     envs=["dev=eu-central-1"]))
    with pytest.raises(ConflictError):
        add_region(WorkspaceContext.open(ws.root), "beta", "dev", "eu-west-1")


def test_hand_edits_are_checked_against_the_right_pool(workspace):
    ws = with_pools(workspace, "network_pools:\n  eu-west-1: 192.168.0.0/16\n")
    create_space(ws, CreateSpaceRequest(team="alpha", blueprint="standard@1", envs=["dev=eu-central-1,eu-west-1"]))
    path = ws.space_path("alpha")
    good = path.read_text()
    # a block of the default pool in the region with a pool of its own
    path.write_text(good.replace("cidr: 192.168.0.0/20", "cidr: 10.0.16.0/20"))
    with pytest.raises(SpecError) as err:
        WorkspaceContext.open(ws.root).space("alpha")
    assert "lies outside the pool 192.168.0.0/16 (network_pools.eu-west-1 in platform.yaml)" in str(err.value.problems)
    # two regions of one pool may not share a block, even within one space
    cfg = ws.root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("network_pools:\n  eu-west-1: 192.168.0.0/16\n", ""))
    path.write_text(good.replace("cidr: 192.168.0.0/20", "cidr: 10.0.0.0/20"))
    with pytest.raises(SpecError) as err:
        WorkspaceContext.open(ws.root).space("alpha")
    assert "overlaps 10.0.0.0/20 of spaces/alpha.yaml dev/eu-central-1" in str(err.value.problems)


def test_a_pool_key_that_is_neither_a_region_nor_a_partition_is_refused(run_cli, workspace):
    cfg = workspace.root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("network_pools: {}\n", "network_pools:\n  mars-north-1x: 10.0.0.0/8\n"))
    r = run_cli("-w", str(workspace.root), "space", "list")
    assert r.exit_code == 3
    assert "platform.yaml" in r.stderr and "network_pools" in r.stderr and "partition" in r.stderr
    cfg.write_text(cfg.read_text().replace("mars-north-1x: 10.0.0.0/8", "eu-west-1: 8.8.0.0/16"))
    r = run_cli("-w", str(workspace.root), "space", "list")
    assert r.exit_code == 3 and "network_pools" in r.stderr and "public range" in r.stderr
