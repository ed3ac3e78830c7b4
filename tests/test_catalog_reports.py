"""Broken or misplaced catalog files are reported, and blueprint sources must exist."""

from __future__ import annotations

import json

from platform_cli.catalog import Catalog
from platform_cli.catalog.views import list_blueprints, list_offerings
from platform_cli.yamlio import dump_yaml, load_yaml


def test_every_shipped_file_is_where_the_layout_says(repo_copy):
    assert Catalog(sources=[repo_copy]).stray_files() == []


def test_misnamed_blueprint_files_are_reported_not_dropped(repo_copy):
    (repo_copy / "standard" / "v4.yaml").write_text((repo_copy / "standard" / "2.yaml").read_text())
    (repo_copy / "standard" / "4.yml").write_text((repo_copy / "standard" / "2.yaml").read_text())
    (repo_copy / "standard" / "0.yaml").write_text((repo_copy / "standard" / "2.yaml").read_text())
    out = list_blueprints(Catalog(sources=[repo_copy]))
    assert {b["ref"] for b in out["blueprints"]} == {"minimal@1", "standard@1", "standard@2", "standard@3"}
    reported = "\n".join(out["errors"])
    for name in ("v4.yaml", "4.yml", "0.yaml"):
        assert f"standard/{name}: not read" in reported


def test_broken_offering_is_reported_by_marketplace_list(repo_copy, run_cli, tmp_path, monkeypatch):
    (repo_copy / "marketplace" / "queue.yaml").write_text("name: queue\nplans: [}\n")
    (repo_copy / "marketplace" / "cache.yml").write_text("name: cache\n")
    out = list_offerings(Catalog(sources=[repo_copy]))
    assert "queue" not in {o["name"] for o in out["offerings"]} and "postgres" in {o["name"] for o in out["offerings"]}
    text = "\n".join(out["errors"])
    assert "queue.yaml" in text and "cache.yml: not read" in text

    from platform_cli.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, org="acme")
    data = load_yaml(root / "platform.yaml")
    data["blueprint_sources"] = [str(repo_copy)]
    (root / "platform.yaml").write_text(dump_yaml(data))
    monkeypatch.chdir(root)
    result = run_cli("marketplace", "list")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "queue.yaml" in result.stderr and "cache.yml" in result.stderr
    result = run_cli("marketplace", "list", "--json")
    assert any("queue.yaml" in e for e in json.loads(result.stdout)["errors"])


def test_a_blueprint_source_that_does_not_exist_is_an_error(workspace, run_cli, monkeypatch):
    path = workspace.root / "platform.yaml"
    data = load_yaml(path)
    data["blueprint_sources"] = ["builtin", "catalog"]
    path.write_text(dump_yaml(data))
    monkeypatch.chdir(workspace.root)
    result = run_cli("blueprint", "list")
    assert result.exit_code == 3, result.output
    assert "blueprint_sources.1: 'catalog' does not exist" in result.stderr and str(path) in result.stderr
    (workspace.root / "catalog").write_text("not a folder")
    result = run_cli("blueprint", "list")
    assert result.exit_code == 3 and "blueprint_sources.1: 'catalog' is not a folder" in result.stderr
    (workspace.root / "catalog").unlink()
    (workspace.root / "catalog").mkdir()
    assert run_cli("blueprint", "list").exit_code == 0


def test_fleet_status_reports_a_misnamed_blueprint_version(payments, repo_copy):
    from platform_cli.fleet import fleet_status
    from platform_cli.workspace import WorkspaceContext

    (repo_copy / "standard" / "4.yml").write_text((repo_copy / "standard" / "2.yaml").read_text())
    path = payments.root / "platform.yaml"
    data = load_yaml(path)
    data["blueprint_sources"] = [str(repo_copy)]
    path.write_text(dump_yaml(data))
    out = fleet_status(WorkspaceContext.open(payments.root))
    standard = next(b for b in out["blueprints"] if b["name"] == "standard")
    assert standard["latest"] == "standard@3"  # 4.yml is not read ...
    assert any("standard/4.yml: not read" in e for e in out["errors"])  # ... and says so
