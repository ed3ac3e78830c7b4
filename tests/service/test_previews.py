"""Previews of pull requests: bounded names, the unprotected environment in one region, the
cheapest plans, an exact offline plan, the blueprint's limit of open previews, and no engine
means exit 8 with nothing recorded."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from platform_cli.errors import ConflictError, UsageError
from platform_cli.model.base import DNS_NAME
from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path
from platform_cli.service_repo import new_service
from platform_cli.services.bindings import bind
from platform_cli.services.preview import (PR_MAX, check_quota, open_previews, plan_preview, preview_name,
                                           preview_target)


@pytest.fixture
def svc(payments, tmp_path):
    path = new_service(payments, "orders", "payments", output_dir=tmp_path).path
    bind(payments, path, "postgres", "standard", "db")
    return path


def test_names_are_bounded_dns_names_and_unique():
    assert preview_name("orders", 7) == "orders-pr7"
    exact = "a" * (32 - len("-pr12"))
    assert preview_name(exact, 12) == exact + "-pr12"  # exactly 32: kept whole
    long_a, long_b = "a" * 27 + "-one", "a" * 27 + "-two"
    na, nb = preview_name(long_a, 12), preview_name(long_b, 12)
    assert na != nb and len(na) == len(nb) <= 32 and na.endswith("-pr12")
    assert preview_name(exact + "b", 12) != exact + "-pr12"
    for name in (na, nb, preview_name("x" * 32, PR_MAX - 1)):
        assert re.match(DNS_NAME, name) and len(name) <= 32, name
    for bad in (0, -1, PR_MAX):
        with pytest.raises(UsageError, match="--pr"):
            preview_name("orders", bad)


def test_the_preview_runs_in_the_unprotected_environment_in_one_region_on_the_cheapest_plans(payments, svc):
    t = preview_target(payments, svc, 42)
    assert (t.service.name, t.env, t.region) == ("orders-pr42", "dev", "eu-central-1")
    assert t.unit == "service/payments/orders-pr42/dev/eu-central-1"
    assert list(t.service.environments) == ["dev"] and t.service.environments["dev"].regions == ["eu-central-1"]
    assert [(b.name, b.offering, b.plan) for b in t.service.bindings] == [("db", "postgres", "dev")]
    assert t.plans == {"db": ("standard", "dev")}
    assert t.service.scaling.min == t.service.scaling.max == 1
    assert (t.max_open, t.ttl_hours) == (3, 72)


def test_the_offline_plan_shows_exactly_what_the_preview_creates_and_costs(payments, svc, run_cli):
    target, result = plan_preview(payments, svc, 42)
    [unit] = result.units
    assert unit.unit == target.unit
    names = [r["name"] for r in unit.resources]
    assert names and all("orders-pr42" in n or "pr42" in n for n in names if "orders" in n)
    assert not [n for n in names if "prod" in n] and "aws:rds/instance:Instance" in unit.counts()
    assert unit.monthly_cost_usd == pytest.approx(sum(c["amount_usd"] for c in unit.cost_lines), abs=0.05)
    items = {c["item"] for c in unit.cost_lines}
    assert "postgres/dev (db)" in items and not [i for i in items if "standard" in i]
    # the same service at its own plan costs more: the preview's database is the dev plan
    from platform_cli.plans import plan_service

    dev = plan_service(payments, svc, "dev")
    assert unit.monthly_cost_usd < dev.units[0].monthly_cost_usd
    r = run_cli("-w", str(payments.root), "service", "preview", "plan", str(svc), "--pr", "42", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["preview"]["name"] == "orders-pr42" and [u["unit"] for u in data["units"]] == [target.unit]
    text = run_cli("-w", str(payments.root), "service", "preview", "plan", str(svc), "--pr", "42")
    assert f"{target.unit} creates {len(unit.resources)} resources" in text.stdout
    assert "binding db: plan dev (the service uses standard)" in text.stderr


def _record(ws, name, action, start, result="succeeded"):
    SQLiteHistory(sqlite_path(ws.local_dir)).add(Deployment(
        rollout="r", unit=f"service/payments/{name}/dev/eu-central-1", team="payments", env="dev",
        region="eu-central-1", kind="service", what=name, action=action, version="abc", who="ci", start=start,
        end=start, result=result))


def test_the_blueprint_limits_open_previews(payments, svc):
    target = preview_target(payments, svc, 9)
    _record(payments, "orders-pr1", "up", "2026-01-01T00:00:00Z")
    _record(payments, "orders-pr2", "up", "2026-01-01T00:00:00Z")
    _record(payments, "orders-pr3", "up", "2026-01-01T00:00:00Z", result="failed")  # never came up
    _record(payments, "orders-pr4", "up", "2026-01-01T00:00:00Z")
    _record(payments, "orders-pr4", "destroy", "2026-01-02T00:00:00Z")  # closed
    _record(payments, "orders", "up", "2026-01-01T00:00:00Z")  # the service itself is no preview
    now_open = open_previews(payments, "payments")
    assert [p["name"] for p in now_open] == ["orders-pr1", "orders-pr2"]
    check_quota(target, now_open, "payments")  # 2 of 3: one more may open
    _record(payments, "orders-pr5", "up", "2026-01-03T00:00:00Z")
    now_open = open_previews(payments, "payments")
    with pytest.raises(ConflictError, match="3 open previews .* allows 3"):
        check_quota(target, now_open, "payments")
    check_quota(preview_target(payments, svc, 5), now_open, "payments")  # updating an open one is fine


def test_previews_expire_after_the_blueprint_ttl(payments, svc):
    _record(payments, "orders-pr1", "up", "2026-01-01T00:00:00Z")
    _record(payments, "orders-pr1", "up", "2026-01-02T00:00:00Z")  # an update does not extend its life
    before = datetime(2026, 1, 3, 23, 59, tzinfo=timezone.utc)
    at = datetime(2026, 1, 4, 0, 0, tzinfo=timezone.utc)
    [p] = open_previews(payments, "payments", now=before)
    assert p["expires"] == "2026-01-04T00:00:00Z" and not p["expired"] and p["pr"] == 1
    assert open_previews(payments, "payments", now=at)[0]["expired"]


@pytest.mark.parametrize("verb", [["up", "--version", "abc123"], ["down", "--yes"], ["down", "--expired", "--yes"]])
def test_without_the_engine_up_and_down_exit_8_and_record_nothing(payments, svc, run_cli, monkeypatch, verb):
    monkeypatch.setenv("PATH", "/nonexistent")
    local = payments.local_dir
    before = sorted(p.relative_to(local).as_posix() for p in local.rglob("*"))
    pr = [] if "--expired" in verb else ["--pr", "3"]
    r = run_cli("-w", str(payments.root), "service", "preview", verb[0], str(svc), *pr, *verb[1:])
    assert r.exit_code == 8, r.stderr
    assert "pulumi" in r.stderr.lower()
    assert sorted(p.relative_to(local).as_posix() for p in local.rglob("*")) == before


def test_list_of_open_previews(payments, svc, run_cli):
    _record(payments, "orders-pr1", "up", "2026-01-01T00:00:00Z")
    r = run_cli("-w", str(payments.root), "service", "preview", "list", str(svc), "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["max_open"] == 3 and [p["name"] for p in data["previews"]] == ["orders-pr1"]


def _allow_one(monkeypatch, svc):
    """The blueprint's previews.max_open as 1 for this test; the service bakes no time and has no gates."""
    import dataclasses

    from platform_cli.services import preview as previews

    spec = svc / "service.yaml"
    text = spec.read_text()
    assert "  bake_minutes: 5\n" in text
    spec.write_text(text.replace("  bake_minutes: 5\n", "  bake_minutes: 0\n  gates: {alarms: false, health_check: false}\n"))

    real = previews.preview_target
    monkeypatch.setattr(previews, "preview_target", lambda *a, **kw: dataclasses.replace(real(*a, **kw), max_open=1))


def _history(ws):
    return SQLiteHistory(sqlite_path(ws.local_dir))


def test_two_previews_started_together_cannot_both_pass_the_limit(payments, svc, monkeypatch):
    """max_open is checked and the preview recorded under one lock: while preview 1 deploys, preview 2 of a
    space that allows one open preview is refused, although the history shows none open yet."""
    import threading

    from platform_cli.services import preview as previews

    _allow_one(monkeypatch, svc)
    deploying, release = threading.Event(), threading.Event()

    class SlowEngine:
        def up(self, target, on_event):
            from platform_cli.units import UnitResult

            deploying.set()
            assert release.wait(60)
            return UnitResult(unit=target.unit, outputs={"url": "https://pr.example"})

    results: dict[str, object] = {}

    def first():
        try:
            results["first"] = previews.preview_up(payments, svc, 1, "abc", engine=SlowEngine(), history=_history(payments))
        except Exception as exc:  # reported by the assertion below
            results["first"] = exc

    t = threading.Thread(target=first)
    t.start()
    try:
        while not deploying.wait(0.1):
            assert t.is_alive(), f"the first preview failed: {results.get('first')!r}"
        assert open_previews(payments, "payments", _history(payments)) == []  # not in the history yet
        with pytest.raises(ConflictError, match=r"1 open previews \(orders-pr1\).*allows 1"):
            previews.preview_up(payments, svc, 2, "abc", engine=SlowEngine(), history=_history(payments))
    finally:
        release.set()
        t.join(60)
    target, outcome = results["first"]
    assert outcome.status == "succeeded"
    assert not list((payments.local_dir / "previews" / "payments" / previews.OPENING).iterdir())  # record removed
    # the first is open now (history): the second is still refused, updating the first is fine
    with pytest.raises(ConflictError, match="allows 1"):
        previews.preview_up(payments, svc, 2, "abc", engine=SlowEngine(), history=_history(payments))
    release.set()
    assert previews.preview_up(payments, svc, 1, "def", engine=SlowEngine(), history=_history(payments))[1].status == "succeeded"


def test_an_opening_record_of_a_process_that_is_gone_does_not_count(payments, svc, monkeypatch):
    from platform_cli.services import preview as previews
    from platform_cli.units import UnitResult

    _allow_one(monkeypatch, svc)
    folder = payments.local_dir / "previews" / "payments" / previews.OPENING
    folder.mkdir(parents=True)
    holder = {"user": "x", "host": __import__("socket").gethostname(), "pid": 4_000_000, "start": "2025-01-01T00:00:00+00:00"}
    (folder / "orders-pr9.json").write_text(json.dumps({"unit": "service/payments/orders-pr9/dev/eu-central-1",
                                                        "name": "orders-pr9", "holder": holder}))

    class Engine:
        def up(self, target, on_event):
            return UnitResult(unit=target.unit)

    assert previews.preview_up(payments, svc, 1, "abc", engine=Engine(), history=_history(payments))[1].status == "succeeded"
    (folder / "orders-pr9.json").write_text('{"unit": 5}')
    with pytest.raises(Exception, match=r"orders-pr9.json: the record of a preview being deployed is damaged"):
        previews.preview_up(payments, svc, 2, "abc", engine=Engine(), history=_history(payments))


@pytest.mark.parametrize("digest", ["sha256:" + "c" * 64, None])
def test_up_runs_the_image_by_the_digest_ci_pushed(payments, svc, monkeypatch, digest):
    from platform_cli.services import preview as previews
    from platform_cli.units import UnitResult

    _allow_one(monkeypatch, svc)
    seen: list[str | None] = []

    class Engine:
        def up(self, target, on_event):
            seen.append(target.release)
            return UnitResult(unit=target.unit)

    _, outcome = previews.preview_up(payments, svc, 1, "abc", image_digest=digest, engine=Engine(),
                                     history=_history(payments))
    release = preview_target(payments, svc, 1).release("abc")
    assert outcome.status == "succeeded" and seen == [f"{release}@{digest}" if digest else release]


@pytest.mark.parametrize("bad", ["sha256:" + "c" * 63, "sha256:" + "C" * 64, "sha256:" + "c" * 64 + "\n", "latest",
                                 "sha512:" + "c" * 64, ""])
def test_up_refuses_a_malformed_digest_before_recording_anything(payments, svc, monkeypatch, bad):
    from platform_cli.services import preview as previews

    _allow_one(monkeypatch, svc)

    class Engine:
        def up(self, target, on_event):
            raise AssertionError("the engine is never reached")

    before = sorted(p.relative_to(payments.local_dir) for p in payments.local_dir.rglob("*"))
    with pytest.raises(UsageError, match="expected sha256: and 64 lowercase hex digits; nothing was recorded"):
        previews.preview_up(payments, svc, 1, "abc", image_digest=bad, engine=Engine(), history=_history(payments))
    assert sorted(p.relative_to(payments.local_dir) for p in payments.local_dir.rglob("*")) == before


def _damage(ws, name):
    import sqlite3

    with sqlite3.connect(sqlite_path(ws.local_dir)) as conn:
        conn.execute("UPDATE deployments SET start = '2026-01-01T00:00:00' WHERE what = ?", (name,))  # no zone
    conn.close()


def test_up_leaves_a_damaged_record_out_of_the_quota_and_names_it(payments, svc, monkeypatch):
    """A damaged record is not counted (it cannot be read), never stops the preview, and is named; the
    Python API without a list to collect it refuses naming it."""
    from platform_cli.errors import SpecError
    from platform_cli.services import preview as previews
    from platform_cli.units import UnitResult

    _allow_one(monkeypatch, svc)

    class Engine:
        def up(self, target, on_event):
            return UnitResult(unit=target.unit)

    _record(payments, "orders-pr1", "up", "2026-01-01T00:00:00Z")
    _damage(payments, "orders-pr1")
    with pytest.raises(SpecError, match="history record .* is damaged"):
        previews.preview_up(payments, svc, 2, "abc", engine=Engine(), history=_history(payments))
    damaged: list[str] = []
    _, outcome = previews.preview_up(payments, svc, 2, "abc", engine=Engine(), history=_history(payments),
                                     damaged=damaged)
    assert outcome.status == "succeeded"
    assert len(damaged) == 1 and "history.sqlite: table deployments, row 1" in damaged[0] and "start:" in damaged[0]
    # the quota counts the readable ones: pr2 is open now, so pr3 is refused, the damaged record named again
    again: list[str] = []
    with pytest.raises(ConflictError, match=r"1 open previews \(orders-pr2\)"):
        previews.preview_up(payments, svc, 3, "abc", engine=Engine(), history=_history(payments), damaged=again)
    assert again == damaged


def test_down_of_a_preview_whose_only_record_is_damaged_says_so(payments, svc, run_cli):
    from platform_cli.errors import NotFoundError
    from platform_cli.services import preview as previews

    _record(payments, "orders-pr4", "up", "2026-01-01T00:00:00Z")
    _damage(payments, "orders-pr4")
    damaged: list[str] = []
    with pytest.raises(NotFoundError, match=r"no open preview orders-pr4 .* \(1 damaged record\(s\) left out, the "
                                            r"first: .*history.sqlite: table deployments, row 1"):
        previews.preview_down(payments, svc, 4, engine=object(), history=_history(payments), damaged=damaged)
    assert len(damaged) == 1
    assert previews.expired_previews(payments, svc, _history(payments), damaged=damaged) == [] and len(damaged) == 2
