"""`platform quickstart`: the whole flow on embedded defaults, from an empty folder."""

from __future__ import annotations

import json
import shutil

import pytest

from platform_cli.model import Service, Space


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One quickstart run shared by the tests of this module (it renders a dozen units)."""
    from platform_cli.quickstart import run_quickstart

    root = tmp_path_factory.mktemp("qs") / "demo"
    steps = run_quickstart(root)
    return root, steps


def test_every_step_reports_what_it_did(demo):
    root, steps = demo
    names = [s.name for s in steps]
    assert names[:10] == ["workspace", "space", "show", "plan", "service", "bind", "service-plan", "waves", "accounts",
                          "local-cloud" if shutil.which("pulumi") else "apply"]
    assert all(s.detail for s in steps)
    assert steps[0].status == "done" and steps[1].status == "done"


def test_space_over_three_countries(demo):
    root, _ = demo
    space = Space.load(root / "spaces" / "demo.yaml")
    assert space.environments["prod"].markets == ["DE", "FR", "US"]
    assert space.environments["prod"].regions == ["eu-central-1", "eu-west-3", "us-east-1"]
    assert len({str(a.cidr) for a in space.allocations}) == len(space.units()) == 4


def test_plan_step_has_cost_and_no_mandatory_findings(demo):
    _, steps = demo
    plan = next(s for s in steps if s.name == "plan").data["plan"]
    assert plan["units"] == 4 and plan["resources"] > 100
    assert plan["mandatory"] == 0
    assert plan["monthly_cost_usd"] > 0


def test_service_with_postgres_binding_and_ci(demo):
    root, _ = demo
    svc_dir = root / "services" / "orders"
    service = Service.load(svc_dir / "service.yaml")
    assert [(b.name, b.offering, b.plan) for b in service.bindings] == [("db", "postgres", "dev")]
    assert (svc_dir / ".github" / "workflows").is_dir()
    assert (svc_dir / ".platform" / "answers.yml").is_file()


def test_waves_canary_first(demo):
    _, steps = demo
    waves = next(s for s in steps if s.name == "waves").data["rollout"]["waves"]
    assert len(waves[0]["regions"]) == 1
    assert sorted(r for w in waves for r in w["regions"]) == ["eu-central-1", "eu-west-3", "us-east-1"]


@pytest.mark.skipif(shutil.which("pulumi") is not None, reason="the engine exists: apply runs instead")
def test_apply_is_skipped_with_the_install_hint_without_pulumi(demo):
    _, steps = demo
    apply = next(s for s in steps if s.name == "apply")
    assert apply.status == "skipped"
    assert "pulumi" in apply.detail.lower() and "install" in apply.detail.lower()


def test_second_run_reuses_and_changes_nothing(demo, run_cli):
    root, _ = demo
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".platform" not in p.parts}
    result = run_cli("quickstart", str(root), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    status = {s["name"]: s["status"] for s in data["steps"]}
    assert status["workspace"] == status["space"] == status["service"] == status["bind"] == "reused"
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".platform" not in p.parts}
    # the report is written afresh each run (it says when it was made); every other file is untouched
    report = root / "platform-report.html"
    assert data["report"] == str(report) and b"data-team=\"demo\"" in after.pop(report)
    before.pop(report)
    assert after == before


def test_ends_by_writing_the_report(demo):
    root, steps = demo
    last = steps[-1]
    assert last.name == "report" and last.status == "done"
    path = root / "platform-report.html"
    assert last.data["path"] == str(path) and str(path) in last.detail
    html = path.read_text()
    assert 'data-team="demo"' in html and 'data-region="us-east-1"' in html
