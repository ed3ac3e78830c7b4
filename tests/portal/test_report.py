"""`platform report`, `platform cost` and `space plan --summary` on a workspace with two teams,
a service, a fleet upgrade and two rollouts (one halted); the report opened in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import struct

import pytest

from platform_cli.errors import RolloutHalted
from platform_cli.units import UnitResult

from . import _browser

EVIL = "<script>document.body.dataset.pwned='1'</script> & co"


class FakeEngine:
    """Applies nothing; fails the units in FAIL; gives each unit a URL for the health gate."""

    def __init__(self, fail=()):
        self.fail = set(fail)

    def up(self, target, on_event):
        from platform_cli.errors import EngineError

        if target.unit in self.fail:
            raise EngineError(f"{target.unit}: injected failure")
        return UnitResult(unit=target.unit, outputs={"url": f"http://{target.unit.replace('/', '-')}.test"})

    destroy = up

    def preview(self, target, on_event):
        return UnitResult(unit=target.unit)


class NoAlarms:
    """A CloudWatch client with no alarm in ALARM (the alarms gate reads it through its provider)."""

    def get_paginator(self, name):
        return self

    def paginate(self, **kwargs):
        return [{"MetricAlarms": [], "CompositeAlarms": []}]


@pytest.fixture(scope="module")
def report_ws(tmp_path_factory):
    from platform_cli import deploy
    from platform_cli.fleet import UpgradeRequest, upgrade_fleet
    from platform_cli.rollout.progress import NullProgress
    from platform_cli.service_repo import new_service
    from platform_cli.services.bindings import bind
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    root = tmp_path_factory.mktemp("report") / "ws"
    init_workspace(root, org="acme")
    ws = WorkspaceContext.open(root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE", "prod=DE,FR,US"],
                                        owners=["lead@example.com"], description=EVIL))
    create_space(ws, CreateSpaceRequest(team="search", blueprint="standard@1", envs=["dev=IE"]))
    moved = upgrade_fleet(ws, UpgradeRequest(to="standard@2", cohort=1))  # the first in team order moves
    assert [c.team for c in moved.upgraded] == ["payments"]
    svc = root / "services" / "orders"
    new_service(ws, "orders", "payments", template="python-web", ci="github", output_dir=root / "services", allow_repo=True)
    bind(ws, svc, "postgres", "dev", name="db")
    ws = WorkspaceContext.open(root)
    quiet = NullProgress()
    old = os.environ.get("PLATFORM_COMMIT_TIME")
    os.environ["PLATFORM_COMMIT_TIME"] = "2020-01-01T00:00:00+00:00"
    try:
        kw = dict(clients=lambda service, region: NoAlarms(), health_get=lambda url, timeout: 200,
                  sleep=lambda s: None, approve=True, progress=quiet)
        deploy.deploy_service(ws, svc, "dev", "1.0.0", engine=FakeEngine(), **kw)
        with pytest.raises(RolloutHalted):
            deploy.deploy_service(ws, svc, "prod", "1.1.0", engine=FakeEngine(fail={"service/payments/orders/prod/us-east-1"}),
                                  image_digest="sha256:" + "1" * 64, **kw)  # prod runs images by digest
    finally:
        if old is None:
            os.environ.pop("PLATFORM_COMMIT_TIME", None)
        else:
            os.environ["PLATFORM_COMMIT_TIME"] = old
    return WorkspaceContext.open(root)


@pytest.fixture(scope="module")
def independent(report_ws):
    """Totals from `space plan` and `service plan` of each unit (rendered on their own)."""
    from platform_cli.plans import plan_service, plan_space

    svc = report_ws.root / "services" / "orders"
    plans = {"payments": [plan_space(report_ws, "payments"), plan_service(report_ws, svc, "dev"),
                          plan_service(report_ws, svc, "prod")],
             "search": [plan_space(report_ws, "search")]}
    return {team: round(sum(p.total_usd for p in ps), 2) for team, ps in plans.items()}, plans


@pytest.fixture(scope="module")
def workspace_plan(report_ws):
    """Every unit of the workspace planned by `platform cost`'s function (through the process pool)."""
    from platform_cli.portal.costs import plan_workspace

    return plan_workspace(report_ws, workers=2)


@pytest.fixture(scope="module")
def report(report_ws, workspace_plan, tmp_path_factory):
    from platform_cli.portal.report import write_report

    out = tmp_path_factory.mktemp("out") / "report.html"
    return write_report(report_ws, out, planned_units=workspace_plan.plan.units)


def _num(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def test_workspace_cost_is_the_sum_of_space_and_service_plans(report_ws, independent, workspace_plan, run_cli):
    from platform_cli.portal.costs import workspace_cost

    by_team, plans = independent
    assert workspace_plan.errors == []
    data = workspace_cost(report_ws, "team", planned=workspace_plan)
    assert {r["team"]: r["monthly_cost_usd"] for r in data["rows"]} == by_team
    assert data["total_usd"] == round(sum(by_team.values()), 2)
    assert data["units"] == 4 + 1 + 1 + 3
    by_env = workspace_cost(report_ws, "env", planned=workspace_plan)
    assert sum(r["monthly_cost_usd"] for r in by_env["rows"]) == pytest.approx(data["total_usd"], abs=0.011)
    dev = sum(u.monthly_cost_usd for ps in plans.values() for p in ps for u in p.units if "/dev/" in u.unit)
    assert {r["env"]: r["monthly_cost_usd"] for r in by_env["rows"]}["dev"] == round(dev, 2)
    by_offering = {r["offering"]: r for r in workspace_cost(report_ws, "offering", planned=workspace_plan)["rows"]}
    db = [u for u in plans["payments"][1].units + plans["payments"][2].units]
    postgres = sum(line["amount_usd"] for u in db for line in u.cost_lines if line["offering"] == "postgres")
    assert by_offering["postgres"]["monthly_cost_usd"] == round(postgres, 2) and by_offering["postgres"]["units"] == 4
    assert set(by_offering) == {"space", "service", "postgres"}
    res = run_cli("-w", str(report_ws.root), "cost", "--by", "nope")
    assert res.exit_code == 2


def test_space_plan_summary_is_one_line_per_unit(payments, run_cli):
    res = run_cli("-w", str(payments.root), "space", "plan", "payments", "--env", "prod", "--region", "FR", "--summary")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].split() == ["UNIT", "RESOURCES", "MANDATORY", "ADVISORY", "MONTHLY", "USD"]
    assert [ln.split()[0] for ln in lines[1:]] == ["space/payments/prod/eu-west-3", "total"]
    res = run_cli("-w", str(payments.root), "space", "plan", "payments", "--env", "prod", "--region", "FR",
                  "--summary", "--json")
    data = json.loads(res.stdout)
    assert [u["unit"] for u in data["units"]] == ["space/payments/prod/eu-west-3"]
    assert data["units"][0]["resources"] > 20 and data["total_usd"] == data["units"][0]["monthly_cost_usd"] > 0


def test_report_is_self_contained_and_escapes_everything(report):
    html = report.path.read_text()
    refs = re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?([^"')\s>]+)""", html)
    assert refs and all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")]
    assert "<link" not in html and "@import" not in html
    assert EVIL not in html and "&lt;script&gt;document.body.dataset.pwned" in html
    assert html.count("<script") == 1  # the page's own, allowed by its hash in the CSP
    assert "default-src 'none'" in html


def test_report_in_headless_chromium(report, report_ws, independent, tmp_path):
    """Open the report in a real browser: no script error, and the map, charts and tables hold
    the numbers of the workspace (read from the DOM the browser built)."""
    shot = tmp_path / "report.png"
    done = _browser.run(report.path, tmp_path / "profile", "--window-size=1280,2400", f"--screenshot={shot}")
    assert _browser.console_messages(done.stderr) == []
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (1280, 2400)
    assert shot.stat().st_size > 50_000  # a blank page is a few KiB

    dom = _browser.parse(_browser.run(report.path, tmp_path / "profile2", "--dump-dom").stdout)
    body = dom.find_all("body")[0]
    assert body.attrs.get("data-ready") == "1" and "data-pwned" not in body.attrs
    assert dom.find_all(id="script-errors")[0].text.strip() == ""
    assert EVIL in dom.find_all("div", data_team="payments")[0].text

    # map: one marker group per region, units per region as the space files say
    expected = {}
    for team in ("payments", "search"):
        for _env, region in report_ws.space(team).units():
            expected[region] = expected.get(region, 0) + 1
    regions = {g.attrs["data-region"]: int(g.attrs["data-units"]) for g in dom.find_all("g", class_="region")}
    assert regions == expected == {"eu-central-1": 2, "eu-west-3": 1, "us-east-1": 1, "eu-west-1": 1}
    assert body.attrs["data-regions"] == "4"
    assert dom.find_all("path", class_="land")[0].attrs["d"].startswith("M")
    eu = dom.find_all("g", data_region="eu-central-1")[0]
    assert sorted(c.attrs["data-env"] for c in eu.find_all("circle")) == ["dev", "prod"]
    assert eu.attrs["data-countries"] == "DE"
    table = {r[0]: r for r in _browser.table_rows(dom.find_all("table", id="region-table")[0])[1:]}
    assert table["us-east-1"][2] == "1" and "United States" in table["us-east-1"][5]

    # fleet: one space on each of two versions, none yet on the latest (standard@3, an account per env), one cohort
    fleet = _browser.table_rows(dom.find_all("table", id="fleet-table")[0])
    assert fleet[1][:5] == ["standard", "standard@3", "2", "0", "0.0%"]
    bars = {r.attrs["data-label"]: float(r.attrs["data-value"]) for r in dom.find_all("svg", data_chart="versions")[0].find_all("rect")}
    assert bars == {"standard@1": 1.0, "standard@2": 1.0, "standard@3": 0.0}
    points = dom.find_all("svg", data_chart="cohorts")[0].find_all("circle")
    assert [float(c.attrs["data-value"]) for c in points] == [0.0, 50.0]  # before the cohort, after it
    assert points[0].attrs["data-label"] == "before"

    # cost: the chart and the tables say what space plan and service plan say
    by_team, _ = independent
    chart = {r.attrs["data-label"]: float(r.attrs["data-value"]) for r in dom.find_all("svg", data_chart="cost-team")[0].find_all("rect")}
    assert chart == by_team
    assert _num(dom.find_all(id="cost-total")[0].text) == round(sum(by_team.values()), 2)
    for team, total in by_team.items():
        cell = dom.find_all("div", data_team=team)[0].find_all("th", class_="num space-total")[0]
        assert _num(cell.text) == total

    # rollouts: newest first; the halted one failed in us-east-1 in wave 2, after wave 1's gates passed
    rollouts = dom.find_all("div", class_="rollout")
    assert [r.attrs["data-status"] for r in rollouts] == ["halted", "succeeded"]
    bars = rollouts[0].find_all("rect", class_="unit-bar")
    states = {(b.attrs["data-wave"], b.attrs["data-unit"].split("/")[-1]): b.attrs["data-state"] for b in bars}
    assert states[("1", "eu-central-1")] == "succeeded"
    assert states[("2", "us-east-1")] == "failed"
    gates = [(g.attrs["data-wave"], g.attrs["data-gate"], g.attrs["data-passed"]) for g in rollouts[0].find_all("path", class_="gate")]
    assert ("1", "alarms", "true") in gates and ("1", "health", "true") in gates
    assert not [g for g in gates if g[0] == "2"]  # a failed wave's gates never run

    # DORA: payments deployed twice, one failed
    dora = {r[0]: r for r in _browser.table_rows(dom.find_all("table", id="dora-table")[0])[1:]}
    assert dora["payments"][3] == "50%"
    spark = dom.find_all("svg", data_chart="dora-payments")[0].find_all("rect")
    assert sum(float(r.attrs["data-value"]) for r in spark) == 1.0


def test_report_on_a_fresh_workspace_says_what_is_not_there(workspace, run_cli, tmp_path):
    out = tmp_path / "fresh.html"
    res = run_cli("-w", str(workspace.root), "report", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["spaces"] == 0 and data["units"] == 0 and data["path"] == str(out.resolve())
    dom = _browser.parse(out.read_text())
    for section, words in (("fleet", "No team space yet"), ("map-section", "No region yet"),
                           ("rollouts", "No rollout yet"), ("dora", "No deployment recorded yet"),
                           ("cost", "Nothing to cost yet")):
        assert words in dom.find_all("section", id=section)[0].text, section
    res = run_cli("-w", str(workspace.root), "report", "--out", str(tmp_path))
    assert res.exit_code == 2 and "is a directory" in res.stderr
    res = run_cli("-w", str(workspace.root), "cost", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == {"by": "team", "rows": [], "units": 0, "total_usd": 0, "errors": []}


def test_damaged_journal_and_fleet_event_are_named_not_fatal(report_ws, tmp_path):
    import shutil

    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws"
    shutil.copytree(report_ws.root, root, symlinks=True)
    (root / ".platform" / "rollouts" / "29990101T000000000-bad-000000.jsonl").write_text("{not json\n")
    with open(root / ".platform" / "fleet.jsonl", "a") as fh:
        fh.write('{"time": "yesterday"}\n')
    from platform_cli.portal.report.data import fleet_events, rollouts_section

    ws = WorkspaceContext.open(root)
    errors: list[str] = []
    assert len(fleet_events(ws, errors)) == 1
    assert len(rollouts_section(ws, errors)) == 2
    assert any("fleet.jsonl:2" in e for e in errors) and any("29990101T000000000-bad" in e for e in errors)


def test_each_space_shows_the_account_of_each_environment_where_one_is_vended(payments, tmp_path):
    from platform_cli.model.space import AccountRecord
    from platform_cli.portal.report import write_report
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(payments, CreateSpaceRequest(team="search", blueprint="standard@1", envs=["dev=IE"]))
    space = payments.space("payments")
    payments.write_space(space.model_copy(update={"accounts": [
        AccountRecord(env="prod", account_id="210987654321", email="aws+payments-prod@example.com",
                      created_at="2026-01-01T00:00:00Z")]}))
    out = tmp_path / "report.html"
    write_report(payments, out, planned_units=[])
    dom = _browser.parse(out.read_text())
    tables = {div.attrs["data-team"]: div.find_all("table", class_="units")[0] for div in dom.find_all("div", class_="space")}
    rows = _browser.table_rows(tables["payments"])
    assert rows[0][:3] == ["env", "region", "account"]
    assert {(r[0], r[1]): r[2] for r in rows[1:]} == {
        ("dev", "eu-central-1"): "not vended", ("prod", "eu-central-1"): "210987654321",
        ("prod", "eu-west-3"): "210987654321", ("prod", "us-east-1"): "210987654321"}
    assert "account" not in _browser.table_rows(tables["search"])[0]  # no account vended: no column
