"""The render cache: a plan with nothing changed renders nothing again; each kind of change renders again."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from platform_cli.plans import plan_space
from platform_cli.render.cache import (CACHE_DIR, RenderCache, cache_key, code_fingerprint, fingerprint,
                                       render_cached, sdk_versions)
from platform_cli.render.graph import RenderedUnit
from platform_cli.render.inputs import build_unit_inputs
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space
from platform_cli.units import UnitTarget
from platform_cli.workspace import WorkspaceContext

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def ws(workspace):
    folder = workspace.root / "catalog" / "lean"
    folder.mkdir(parents=True)
    (folder / "1.yaml").write_text("schema_version: 1\nname: lean\nversion: 1\n"
                                   "network: {cidr_prefix: 22, azs: 1, nat: none}\n"
                                   "baseline: {log_retention_days: 30}\n")
    cfg = workspace.root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("- builtin", "- builtin\n- catalog"))
    ws = WorkspaceContext.open(workspace.root)
    create_space(ws, CreateSpaceRequest(team="pay", blueprint="lean@1", envs=["dev=DE,FR"]))
    return WorkspaceContext.open(workspace.root)


def fresh(ws):
    return WorkspaceContext.open(ws.root)


def entries(ws):
    return sorted((ws.local_dir / CACHE_DIR).rglob("*.json"))


def test_a_second_plan_renders_nothing_and_gives_the_same_plan(ws):
    first = plan_space(ws, "pay", workers=1)
    assert first.rendered == 2 and len(entries(ws)) == 2
    again = plan_space(fresh(ws), "pay", workers=1)
    assert again.rendered == 0
    assert [u.to_data() for u in again.units] == [u.to_data() for u in first.units]


def test_unit_inputs_invalidate_their_units_and_no_other(ws):
    plan_space(ws, "pay", workers=1)
    create_space(fresh(ws), CreateSpaceRequest(team="ord", blueprint="lean@1", envs=["dev=DE"]))
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 0  # another space changes nothing here
    add_region(fresh(ws), "pay", "dev", "IE")  # a new unit; the regions of the env are inputs of every unit
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 3
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 0
    # one unit asked for alone is a hit
    assert plan_space(fresh(ws), "pay", "dev", "eu-west-1", workers=1).rendered == 0


def test_a_blueprint_file_change_renders_again_but_a_comment_does_not(ws):
    plan_space(ws, "pay", workers=1)
    path = ws.root / "catalog" / "lean" / "1.yaml"
    path.write_text("# a comment changes nothing that is rendered\n" + path.read_text())
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 0
    path.write_text(path.read_text().replace("log_retention_days: 30", "log_retention_days: 60"))
    changed = plan_space(fresh(ws), "pay", workers=1)
    assert changed.rendered == 2
    logs = [r for r in changed.units[0].resources if r["type"] == "aws:cloudwatch/logGroup:LogGroup"]
    assert logs[0]["inputs"]["retentionInDays"] == 60


def test_catalog_inputs_are_in_the_key(ws):
    inputs = build_unit_inputs(ws, UnitTarget(unit="space/pay/dev/eu-central-1"))
    key = cache_key(inputs, "f")
    assert cache_key(inputs.model_copy(update={"owners": ["x@example.com"]}), "f") != key
    bp = inputs.blueprint.model_copy(update={"description": "other"})
    assert cache_key(inputs.model_copy(update={"blueprint": bp}), "f") != key
    assert cache_key(inputs.model_copy(update={"bindings": []}), "f") == key  # the same inputs, the same key


def test_stacks_code_and_sdk_versions_are_in_the_key(tmp_path, ws):
    stacks = tmp_path / "stacks"
    shutil.copytree(REPO / "stacks", stacks, ignore=shutil.ignore_patterns("__pycache__"))
    render = REPO / "platform_cli" / "render"
    versions = sdk_versions()
    base = fingerprint(stacks, render, versions)
    assert fingerprint(stacks, render, versions) == base
    (stacks / "space.py").write_text((stacks / "space.py").read_text() + "\n# changed\n")
    changed_code = fingerprint(stacks, render, versions)
    assert changed_code != base
    assert fingerprint(stacks, render, {**versions, "pulumi-aws": "0.0.1"}) != changed_code
    assert fingerprint(stacks, render, {**versions, "pulumi": "0.0.1"}) != changed_code
    # a cache made with other code holds nothing for this code
    inputs = [build_unit_inputs(ws, UnitTarget(unit="space/pay/dev/eu-central-1"))]
    root = ws.local_dir / CACHE_DIR
    _, n = render_cached(inputs, RenderCache(root, fingerprint=base), workers=1)
    assert n == 1
    assert render_cached(inputs, RenderCache(root, fingerprint=base), workers=1)[1] == 0
    assert render_cached(inputs, RenderCache(root, fingerprint=changed_code), workers=1)[1] == 1
    assert RenderCache(root).fingerprint == code_fingerprint()


def test_damaged_entries_are_ignored_and_rendered_again(ws, monkeypatch):
    plan_space(ws, "pay", workers=1)
    a, b = entries(ws)
    a.write_text('{"format": 1, "key": "')  # cut short
    data = json.loads(b.read_text())
    data["resources"][0]["type"] = ""  # not a resource
    b.write_text(json.dumps(data))
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 2
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 0  # rewritten, valid again
    # an entry of another unit under this key, or too large to read, is not used
    a, b = entries(ws)
    a.write_text(b.read_text())
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 1
    monkeypatch.setattr("platform_cli.render.cache.ENTRY_LIMIT", 100)
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 2


def test_an_entry_that_is_not_a_file_is_skipped_and_the_plan_still_works(ws):
    inputs = build_unit_inputs(ws, UnitTarget(unit="space/pay/dev/eu-central-1"))
    cache = RenderCache(ws.local_dir / CACHE_DIR)
    path = cache.path(cache.key(inputs))
    path.mkdir(parents=True)  # a folder where the entry belongs: neither read nor written
    result = plan_space(fresh(ws), "pay", workers=1)
    assert result.rendered == 2 and path.is_dir()
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 1


def test_turned_off_it_renders_every_unit_and_writes_nothing(ws, monkeypatch):
    monkeypatch.setenv("PLATFORM_RENDER_CACHE", "off")
    assert plan_space(ws, "pay", workers=1).rendered == 2
    assert plan_space(fresh(ws), "pay", workers=1).rendered == 2
    assert entries(ws) == []


def test_concurrent_writers_of_one_key_never_leave_half_an_entry(ws):
    inputs = build_unit_inputs(ws, UnitTarget(unit="space/pay/dev/eu-central-1"))
    cache = RenderCache(ws.local_dir / CACHE_DIR, fingerprint="f")
    big = RenderedUnit(unit=inputs.unit, resources=[
        {"type": "aws:s3/bucket:Bucket", "name": f"b{i}", "parent": None, "inputs": {"bucket": "x" * 2000},
         "outputs": {}} for i in range(200)])
    seen: list[object] = []
    cache.put(inputs, big)  # an entry exists: a reader racing the writers must always see a whole one

    def write():
        for _ in range(20):
            cache.put(inputs, big)

    def read():
        for _ in range(200):
            seen.append(cache.get(inputs))

    threads = [threading.Thread(target=write) for _ in range(3)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 200 and all(g is not None and len(g.resources) == 200 for g in seen)
    assert list(cache.root.rglob("*.tmp")) == []
    assert cache.get(inputs).resources == big.resources
