"""`space status` names a damaged journal or history record and still shows everything else."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from platform_cli.rollout.journal import rollouts_dir


def _journal(ws):
    folder = rollouts_dir(ws.local_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "r-test.jsonl"


DAMAGE = {
    "not json": lambda p: p.write_text("{not json\n"),
    "nested": lambda p: p.write_text("[" * 100_000 + "]" * 100_000 + "\n"),
    "bad event": lambda p: p.write_text(json.dumps({"ts": "2025-01-01T00:00:00", "event": "rollout.started",
                                                    "spec": {}}) + "\n"),
    "fifo": lambda p: os.mkfifo(p),
    "folder": lambda p: p.mkdir(),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_journal_is_named_and_the_units_still_shown(payments, record, run_cli, kind):
    record("space/payments/dev/eu-central-1")
    record("space/payments/prod/eu-west-3")
    path = _journal(payments)
    DAMAGE[kind](path)
    r = run_cli("-w", str(payments.root), "space", "status", "payments", "--no-cloud", "--json")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
    data = json.loads(r.stdout)
    assert {u["unit"] for u in data["units"] if u["applied"]} == {"space/payments/dev/eu-central-1",
                                                                   "space/payments/prod/eu-west-3"}
    assert len(data["damaged"]) == 1 and str(path) in data["damaged"][0]  # once, not once per unit
    assert f"warning: rollout r-test: journal {path}" in r.stderr
    assert not data["clean"]
    r = run_cli("-w", str(payments.root), "space", "status", "payments", "--no-cloud", "--exit-code")
    assert r.exit_code == 12 and "1 damaged record(s)" in r.stderr and str(path) in r.stderr


def test_a_missing_journal_is_not_damage(payments, record, run_cli):
    record("space/payments/dev/eu-central-1")
    r = run_cli("-w", str(payments.root), "space", "status", "payments", "--no-cloud", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["damaged"] == [] and "warning" not in r.stderr


def test_a_history_row_naming_a_path_as_its_rollout_opens_nothing_and_is_named(payments, record, run_cli, tmp_path):
    record("space/payments/dev/eu-central-1")
    outside = tmp_path / "outside.jsonl"
    outside.write_text("{}\n")
    with sqlite3.connect(record.store.path) as conn:
        conn.execute("UPDATE deployments SET rollout = ?", (str(outside)[:-len(".jsonl")],))
    r = run_cli("-w", str(payments.root), "space", "status", "payments", "--no-cloud", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["units"][0]["applied"] and "is not a rollout id" in data["damaged"][0]


def test_a_damaged_history_row_is_named_and_the_others_still_shown(payments, record, run_cli):
    record("space/payments/dev/eu-central-1")
    record("space/payments/prod/eu-west-3")
    with sqlite3.connect(record.store.path) as conn:
        conn.execute("UPDATE deployments SET start = '2025-01-01T00:00:00' WHERE unit LIKE '%prod%'")
    r = run_cli("-w", str(payments.root), "space", "status", "payments", "--no-cloud", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [u["unit"] for u in data["units"] if u["applied"]] == ["space/payments/dev/eu-central-1"]
    assert len(data["damaged"]) == 1 and "history.sqlite" in data["damaged"][0] and "start:" in data["damaged"][0]
    assert "row 2" in data["damaged"][0] and "warning:" in r.stderr
