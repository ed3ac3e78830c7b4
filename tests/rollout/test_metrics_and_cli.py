"""DORA metrics from history records, and the read/change commands end to end."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from platform_cli import deploy
from platform_cli.errors import RolloutHalted
from platform_cli.rollout.history import Deployment
from platform_cli.rollout.metrics import dora, parse_since

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def _rec(rollout, day, hours, *, result="succeeded", action="up", what="api", commit_hours_before=None, region="eu-central-1"):
    start = T0 + timedelta(days=day)
    end = start + timedelta(hours=hours)
    commit = (start - timedelta(hours=commit_hours_before)).isoformat() if commit_hours_before is not None else None
    return Deployment(rollout=rollout, unit=f"service/payments/{what}/prod/{region}", team="payments", env="prod",
                      region=region, kind="service", what=what, action=action, version=rollout, who="alice",
                      start=start.isoformat(), end=end.isoformat(), result=result, commit_time=commit)


def test_dora_from_a_known_history():
    records = [
        _rec("r1", 0, 1, commit_hours_before=2),  # lead time 3 h
        _rec("r2", 2, 1, commit_hours_before=4),  # lead time 5 h
        _rec("r3", 4, 1, result="failed"),  # failed change ...
        _rec("r3", 4, 1, region="us-east-1"),
        _rec("r4", 4, 3),  # ... restored by r4, 2 h after r3 ended
        _rec("r5", 6, 1),  # succeeded, then rolled back: also a failed change
        _rec("r6", 6, 2, action="rollback"),  # restores 1 h after r5 ended
        _rec("x1", 1, 1, what="worker", action="destroy"),  # not a deployment
    ]
    m = dora(records, since=T0, until=T0 + timedelta(days=10))
    assert m["deployments"] == 5 and m["successful_deployments"] == 4
    assert m["deploy_frequency_per_day"] == 0.4 and m["deploy_frequency_per_week"] == 2.8
    assert m["lead_time_seconds_median"] == 4 * 3600 and m["lead_time_samples"] == 2
    assert m["change_failure_rate"] == 0.4 and m["failed_changes"] == 2
    assert m["time_to_restore_seconds_median"] == 1.5 * 3600 and m["restores"] == 2
    later = dora(records, since=T0 + timedelta(days=5), until=T0 + timedelta(days=10))
    assert later["deployments"] == 1 and later["change_failure_rate"] == 1.0


def test_dora_of_nothing_and_since_parsing():
    m = dora([], since=T0, until=T0 + timedelta(days=1))
    assert m["deployments"] == 0 and m["change_failure_rate"] is None and m["lead_time_seconds_median"] is None
    now = datetime(2025, 3, 31, tzinfo=UTC)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2025-03-01", now) == T0
    from platform_cli.errors import UsageError

    with pytest.raises(UsageError, match="--since 'soon'"):
        parse_since("soon", now)


@pytest.fixture
def deployed(wide, make_service, fake_engine, quiet):
    svc = make_service(regions=["eu-central-1", "eu-west-1", "us-east-1"], batch=2, parallel=1)
    ok = deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine(), progress=quiet)
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine({"service/globex/api/live/eu-west-1": 1}),
                              progress=quiet)
    return wide, ok.id, exc.value.outcome.id


def test_history_metrics_and_status_commands(deployed, run_cli):
    ws, ok_id, halted_id = deployed
    w = ("-w", str(ws.root))
    r = run_cli(*w, "history", "--team", "globex", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)["deployments"]
    assert len(rows) == 3 + 2 and {x["rollout"] for x in rows} == {ok_id, halted_id}
    r = run_cli(*w, "metrics", "dora", "--team", "globex", "--json")
    m = json.loads(r.stdout)
    assert m["deployments"] == 2 and m["change_failure_rate"] == 0.5
    r = run_cli(*w, "metrics", "dora")
    assert r.exit_code == 0 and "change failure rate" in r.stdout
    r = run_cli(*w, "rollout", "status", "--json")
    data = json.loads(r.stdout)
    assert data["id"] == halted_id and data["status"] == "halted" and data["next"] == f"platform rollout resume {halted_id}"
    r = run_cli(*w, "rollout", "status", ok_id)
    assert r.exit_code == 0 and "succeeded" in r.stdout
    r = run_cli(*w, "rollout", "list", "--json")
    assert [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [halted_id, ok_id]
    r = run_cli(*w, "rollout", "cancel", halted_id, "--yes")
    assert r.exit_code == 0 and f"platform rollout status {halted_id}" in r.stderr
    r = run_cli(*w, "rollout", "resume", halted_id)
    assert r.exit_code == 5 and "cancelled" in r.stderr
    r = run_cli(*w, "rollout", "status", "nope-123")
    assert r.exit_code == 4


def test_destroy_without_terminal_or_yes_refuses_and_changes_nothing(wide, run_cli):
    r = run_cli("-w", str(wide.root), "space", "destroy", "globex", "--env", "live")
    assert r.exit_code == 11 and "--yes" in r.stderr
    assert deploy.list_rollouts(wide) == []


@pytest.mark.skipif(shutil.which("pulumi") is not None, reason="checks the message shown when pulumi is missing")
def test_deploy_without_pulumi_says_how_to_install_it(wide, make_service, run_cli):
    r = run_cli("-w", str(wide.root), "service", "deploy", str(make_service()), "--env", "live", "--version", "v1")
    assert r.exit_code == 8, r.stderr
    assert "pulumi" in r.stderr.lower() and "Traceback" not in r.stderr
    assert deploy.list_rollouts(wide) == []
