"""A command checks everything it needs before it records anything: a rollout command that fails
for a reason it could know first (engine missing, rollout unknown, not confirmed) leaves every
journal, lock and history row exactly as it was."""

from __future__ import annotations

import pytest

from platform_cli import deploy
from platform_cli.rollout.journal import rollouts_dir

ENGINE_MISSING, NOT_FOUND, ABORTED = 8, 4, 11


@pytest.fixture
def halted(wide, make_service, fake_engine, quiet):
    """Two rollouts of globex/live: v1 succeeded everywhere, v2 halted at its second unit."""
    from platform_cli.errors import RolloutHalted
    from platform_cli.planning.names import service_unit

    svc = make_service(regions=["eu-central-1", "eu-west-1"], batch=1, parallel=1)
    deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine(), progress=quiet)
    failing = service_unit("globex", "api", "live", "eu-west-1")
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v2", engine=fake_engine({failing: 1}), progress=quiet)
    return wide, exc.value.outcome.id


def _snapshot(ws):
    """Every byte of local state a rollout command could record: journals, locks, history."""
    files = {}
    for folder in (rollouts_dir(ws.local_dir), ws.local_dir / "locks"):
        if folder.is_dir():
            files.update({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    history = ws.local_dir / "history.sqlite"
    files["history"] = history.read_bytes() if history.exists() else None
    return files


@pytest.mark.parametrize("command", [("rollback", "--yes"), ("resume",)])
def test_without_the_engine_nothing_is_recorded(halted, run_cli, monkeypatch, command):
    ws, rid = halted
    monkeypatch.setenv("PATH", "/nonexistent")  # no pulumi CLI
    before = _snapshot(ws)
    r = run_cli("-w", str(ws.root), "rollout", command[0], rid, *command[1:])
    assert r.exit_code == ENGINE_MISSING, r.stderr
    assert "pulumi" in r.stderr.lower() and "Traceback" not in r.stderr
    assert _snapshot(ws) == before
    assert deploy.rollout_status(ws, rid)["status"] == "halted", "the rollout can still be resumed"


def test_rollback_not_confirmed_records_nothing(halted, fake_engine, quiet):
    from platform_cli.errors import UserAbort

    ws, rid = halted
    before = _snapshot(ws)
    asked = []

    def decline(question):
        asked.append(question)
        raise UserAbort("not confirmed")

    engine = fake_engine()
    with pytest.raises(UserAbort):
        deploy.rollback_rollout(ws, rid, engine=engine, progress=quiet, confirm=decline)
    assert asked and rid in asked[0]
    assert _snapshot(ws) == before and engine.calls == []


def test_rollback_of_an_unknown_rollout_is_not_found_before_any_question(halted, run_cli):
    ws, _ = halted
    before = _snapshot(ws)
    r = run_cli("-w", str(ws.root), "rollout", "rollback", "20250101T000000000-nope-abcdef", "--yes")
    assert r.exit_code == NOT_FOUND and "does not exist" in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "rollback", "20250101T000000000-nope-abcdef")  # not asked first
    assert r.exit_code == NOT_FOUND and "does not exist" in r.stderr
    assert _snapshot(ws) == before


def test_cancel_not_confirmed_records_nothing(halted, run_cli):
    ws, rid = halted
    before = _snapshot(ws)
    r = run_cli("-w", str(ws.root), "rollout", "cancel", rid)
    assert r.exit_code == ABORTED
    assert _snapshot(ws) == before


def test_rollback_with_the_engine_still_closes_the_rolled_back_rollout(halted, fake_engine, quiet):
    ws, rid = halted
    deploy.rollback_rollout(ws, rid, engine=fake_engine(), progress=quiet)
    assert deploy.rollout_status(ws, rid)["status"] == "cancelled"
