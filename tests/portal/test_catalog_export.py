"""`platform catalog export`: Backstage's own validators accept every entity, relations resolve
inside the export, the services' catalog-info.yaml say the same, and a re-run rewrites nothing."""

from __future__ import annotations

import os
import shutil

import pytest
import yaml

from platform_cli.errors import ConflictError
from platform_cli.portal.export import export_catalog


def _docs(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _exported(folder):
    return [(str(p.relative_to(folder)), e) for p in sorted(folder.rglob("*.yaml")) for e in _docs(p)]


def _forget(ws, team, name):
    """Remove service NAME's record from spaces/TEAM.yaml (what removing a service does to its space)."""
    space = ws.space(team)
    ws.write_space(space.model_copy(update={"services": [s for s in space.services if s.name != name]}))


def test_validators_reject_what_backstage_rejects(backstage_check):
    """The harness can fail: a bad name, a missing owner, an unknown kind are each reported."""
    good = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "orders"},
            "spec": {"type": "service", "lifecycle": "experimental", "owner": "group:payments"}}
    bad_name = {**good, "metadata": {"name": "orders api"}}
    no_owner = {**good, "spec": {"type": "service", "lifecycle": "experimental"}}
    unknown = {**good, "kind": "Widget"}
    out = backstage_check([("good", good), ("bad-name", bad_name), ("no-owner", no_owner), ("unknown", unknown)])
    assert out[0]["error"] is None and out[0]["ref"] == "component:default/orders"
    assert "metadata.name" in out[1]["error"]
    assert "owner" in out[2]["error"]
    assert "Widget" in out[3]["error"]


def test_every_exported_entity_is_valid_and_every_relation_resolves(teams_ws, backstage_check, tmp_path):
    result = export_catalog(teams_ws, tmp_path / "bs")
    assert result.errors == []
    assert result.counts() == {"Component": 4, "Domain": 1, "Group": 3, "Location": 1,
                               "Resource": 4 + 3 + 3, "System": 2, "User": 2}
    entities = _exported(tmp_path / "bs")
    assert len(entities) == sum(result.counts().values())
    checked = backstage_check(entities)
    assert [(c["source"], c["error"]) for c in checked if c["error"]] == []
    refs = {c["ref"] for c in checked}
    dangling = [(c["ref"], r["type"], r["target"]) for c in checked for r in c["relations"] if r["target"] not in refs]
    assert dangling == []
    rel = {(c["ref"], r["type"], r["target"]) for c in checked for r in c["relations"]}
    assert ("component:default/orders", "dependsOn", "resource:default/orders-db") in rel
    assert ("component:default/orders", "partOf", "system:default/payments") in rel
    assert ("system:default/payments", "partOf", "domain:default/acme") in rel
    assert ("group:default/payments", "childOf", "group:default/acme") in rel
    assert ("group:default/payments", "hasMember", "user:default/lead_example.com") in rel
    assert ("user:default/lead_example.com", "memberOf", "group:default/search") in rel
    assert ("resource:default/search.prod.ap-northeast-1", "dependencyOf", "component:default/indexer") in rel


def test_units_owners_and_location(teams_ws, tmp_path):
    result = export_catalog(teams_ws, tmp_path / "bs")
    by_ref = {f"{e['kind']}:{e['metadata']['name']}": e for e in result.entities}
    unit = by_ref["Resource:payments.prod.eu-west-3"]
    ann = unit["metadata"]["annotations"]
    space = teams_ws.space("payments")
    assert ann["platform.example.dev/vpc-cidr"] == str(space.cidr("prod", "eu-west-3"))
    assert ann["platform.example.dev/blueprint"] == "standard@1"
    assert ann["platform.example.dev/region"] == "eu-west-3"
    assert ann["platform.example.dev/vpc"] == "payments--prod--euw3-vpc"  # the VPC's Name tag
    assert ann["platform.example.dev/status-command"] == "platform space status payments --env prod"
    assert ann["platform.example.dev/plan-command"] == "platform space plan payments --env prod --region eu-west-3"
    group = by_ref["Group:payments"]
    # an owner whose email cannot be a Backstage name stays an annotation only
    assert group["spec"]["members"] == ["user:lead_example.com", "user:ops_example.com"]
    assert "on-call+pager@example.com" in group["metadata"]["annotations"]["platform.example.dev/owners"]
    assert by_ref["System:payments"]["metadata"]["description"] == "Payments & <b>billing</b>"
    location = _docs(tmp_path / "bs" / "catalog-info.yaml")
    assert [d["kind"] for d in location] == ["Location"]
    targets = location[0]["spec"]["targets"]
    assert sorted(targets) == ["./org.yaml", "./teams/payments.yaml", "./teams/search.yaml"]
    assert all((tmp_path / "bs" / t).is_file() for t in targets)


def test_generated_catalog_info_is_valid_and_matches_the_export(teams_ws, backstage_check, tmp_path):
    """Every catalog-info.yaml the templates generated (one bound afterwards) passes Backstage's
    validators, and the export holds the same references and relations for those entities."""
    repos = sorted((teams_ws.root / "services").glob("*/catalog-info.yaml"))
    assert [p.parent.name for p in repos] == ["checkout", "indexer", "ledger", "orders"]
    generated = [(str(p), e) for p in repos for e in _docs(p)]
    checked = backstage_check(generated)
    assert [(c["source"], c["error"]) for c in checked if c["error"]] == []
    exported = backstage_check(_exported(export_catalog(teams_ws, tmp_path / "bs").folder))
    ex = {c["ref"]: sorted((r["type"], r["target"]) for r in c["relations"]) for c in exported}
    for c in checked:
        assert c["ref"] in ex, f"{c['ref']} of {c['source']} is not in the export"
        assert sorted((r["type"], r["target"]) for r in c["relations"]) == ex[c["ref"]], c["ref"]


def test_rerun_rewrites_nothing_and_removed_spaces_and_services_disappear(teams_ws, tmp_path):
    folder = tmp_path / "bs"
    first = export_catalog(teams_ws, folder)
    assert sorted(first.written) == ["catalog-info.yaml", "org.yaml", "teams/payments.yaml", "teams/search.yaml"]
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in folder.rglob("*.yaml")}
    again = export_catalog(teams_ws, folder)
    assert again.written == [] and again.removed == []
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in folder.rglob("*.yaml")} == before

    # a copy of the workspace without team search and without service ledger (its folder and its record)
    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    os.unlink(root / "spaces" / "search.yaml")
    shutil.rmtree(root / "services" / "indexer")
    shutil.rmtree(root / "services" / "ledger")
    from platform_cli.workspace import WorkspaceContext

    ws2 = WorkspaceContext.open(root)
    # the folder alone gone: the space file still records ledger, so it stays, described by its record
    kept = {f"{e['kind']}:{e['metadata']['name']}": e for e in export_catalog(ws2, tmp_path / "bs-kept").entities}
    assert kept["Component:ledger"]["metadata"]["annotations"]["platform.example.dev/known-from"] == "space file"
    _forget(ws2, "payments", "ledger")

    after = export_catalog(WorkspaceContext.open(root), folder)
    assert after.removed == ["teams/search.yaml"]
    assert sorted(after.written) == ["catalog-info.yaml", "org.yaml", "teams/payments.yaml"]
    names = {e["metadata"]["name"] for e in after.entities}
    assert "ledger" not in names and "search" not in names and "checkout" not in names and "orders" in names
    assert any("search" in e and "checkout" in e for e in after.errors)
    assert not (folder / "teams" / "search.yaml").exists()


def test_a_file_in_the_way_is_not_overwritten(teams_ws, tmp_path):
    folder = tmp_path / "bs"
    (folder / "teams").mkdir(parents=True)
    (folder / "teams" / "payments.yaml").write_text("# mine\n")
    with pytest.raises(ConflictError, match="was not written by"):
        export_catalog(teams_ws, folder)
    assert sorted(p.name for p in folder.rglob("*")) == ["payments.yaml", "teams"]
    assert (folder / "teams" / "payments.yaml").read_text() == "# mine\n"


def test_a_team_named_like_the_org_is_refused_before_writing(teams_ws, tmp_path):
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    ws = WorkspaceContext.open(root)
    create_space(ws, CreateSpaceRequest(team="acme", blueprint="standard@1", envs=["dev=DE"]))
    with pytest.raises(ConflictError, match="group:acme"):
        export_catalog(ws, tmp_path / "bs")
    assert not (tmp_path / "bs").exists()


def test_cli_json_and_a_broken_space_is_reported_not_fatal(teams_ws, run_cli, tmp_path):
    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    (root / "spaces" / "broken.yaml").write_text("team: [\n")
    res = run_cli("-w", str(root), "catalog", "export", str(tmp_path / "bs"), "--json")
    assert res.exit_code == 0, res.stderr
    import json

    data = json.loads(res.stdout)
    assert data["counts"]["System"] == 2
    assert any("broken.yaml" in e for e in data["errors"])
    assert "broken.yaml" in res.stderr



def test_services_generated_outside_the_workspace_come_from_their_space_records(teams_ws, backstage_check, tmp_path):
    from platform_cli.service_repo import new_service
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    ws = WorkspaceContext.open(root)
    outside = tmp_path / "elsewhere" / "a" / "b" / "c" / "d"  # beyond the scan and outside the workspace
    new_service(ws, "billing", "payments", template="python-web", ci="gitlab", output_dir=outside, allow_repo=True)
    deep = root / "x" / "y" / "z" / "w"  # inside the workspace, deeper than the scan reaches
    new_service(ws, "invoices", "payments", template="python-worker", ci="github", output_dir=deep, allow_repo=True)
    ws = WorkspaceContext.open(root)
    assert {s.name: s.path for s in ws.space("payments").services}["billing"] is None

    result = export_catalog(ws, tmp_path / "bs")
    assert result.errors == []
    by_ref = {f"{e['kind']}:{e['metadata']['name']}": e for e in result.entities}
    billing = by_ref["Component:billing"]
    assert billing["metadata"]["annotations"]["platform.example.dev/known-from"] == "space file"
    assert billing["metadata"]["annotations"]["gitlab.com/project-slug"] == "acme/billing"
    assert billing["metadata"]["annotations"]["platform.example.dev/template"].startswith("python-web@")
    assert billing["spec"]["system"] == "payments" and billing["spec"]["owner"] == "group:payments"
    invoices = by_ref["Component:invoices"]  # read from its service.yaml through the record's path
    assert "platform.example.dev/known-from" not in invoices["metadata"]["annotations"]
    assert "python" in invoices["metadata"]["tags"] and "worker" in invoices["metadata"]["tags"]
    assert invoices["metadata"]["annotations"]["github.com/project-slug"] == "acme/invoices"
    # the export names them like their own catalog-info.yaml does
    for folder, name in ((outside / "billing", "billing"), (deep / "invoices", "invoices")):
        own = next(d for d in _docs(folder / "catalog-info.yaml") if d["kind"] == "Component")
        assert own["metadata"]["name"] == name and own["spec"]["system"] == by_ref[f"Component:{name}"]["spec"]["system"]
        assert {k: v for k, v in own["metadata"]["annotations"].items() if k.endswith("project-slug")} == \
            {k: v for k, v in by_ref[f"Component:{name}"]["metadata"]["annotations"].items() if k.endswith("project-slug")}
    checked = backstage_check(_exported(tmp_path / "bs"))
    assert [(c["source"], c["error"]) for c in checked if c["error"]] == []


def test_a_record_whose_path_leaves_the_workspace_is_not_followed(teams_ws, tmp_path):
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    ws = WorkspaceContext.open(root)
    space = ws.space("payments")
    moved = [s.model_copy(update={"path": "../../x"}) if s.name == "ledger" else s for s in space.services]
    ws.write_space(space.model_copy(update={"services": moved}))
    shutil.rmtree(root / "services" / "ledger")
    result = export_catalog(WorkspaceContext.open(root), tmp_path / "bs")
    assert any("ledger" in e and "leads out of the workspace" in e for e in result.errors)
    names = {f"{e['kind']}:{e['metadata']['name']}" for e in result.entities}
    assert "Component:ledger" in names  # still known from its record


def test_the_unit_of_an_environment_with_a_vended_account_carries_its_id(teams_ws, backstage_check, tmp_path):
    from platform_cli.model.space import AccountRecord
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws2"
    shutil.copytree(teams_ws.root, root, symlinks=True)
    ws = WorkspaceContext.open(root)
    space = ws.space("payments")
    accounts = [AccountRecord(env="prod", account_id="210987654321", email="aws+payments-prod@example.com",
                              created_at="2026-01-01T00:00:00Z")]
    ws.write_space(space.model_copy(update={"accounts": accounts}))
    result = export_catalog(WorkspaceContext.open(root), tmp_path / "bs")
    by_ref = {f"{e['kind']}:{e['metadata']['name']}": e for e in result.entities}
    for region in ("eu-central-1", "eu-west-3", "us-east-1"):
        ann = by_ref[f"Resource:payments.prod.{region}"]["metadata"]["annotations"]
        assert ann["platform.example.dev/account-id"] == "210987654321"
        assert "platform.example.dev/account-state" not in ann
    assert "platform.example.dev/account-id" not in by_ref["Resource:payments.dev.eu-central-1"]["metadata"]["annotations"]
    assert "platform.example.dev/account-id" not in by_ref["Resource:search.prod.eu-west-1"]["metadata"]["annotations"]
    checked = backstage_check(_exported(tmp_path / "bs"))
    assert [(c["source"], c["error"]) for c in checked if c["error"]] == []
