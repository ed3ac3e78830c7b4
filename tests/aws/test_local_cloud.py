"""`platform local up|status|down` against moto's real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from platform_cli.aws.local_cloud import free_port, local_status, probe


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_up_status_down_is_idempotent(run_cli, workspace):
    w = ["-w", str(workspace.root)]
    first = _json(run_cli(*w, "local", "up", "--json"))
    try:
        assert first["running"] is True
        assert first["endpoint"].startswith("http://127.0.0.1:")
        assert probe(first["endpoint"])
        record = json.loads((workspace.local_dir / "local-cloud.json").read_text())
        assert record["pid"] == first["pid"] and record["endpoint"] == first["endpoint"]

        again = _json(run_cli(*w, "local", "up", "--json"))
        assert (again["pid"], again["endpoint"]) == (first["pid"], first["endpoint"])
        assert again["changed"] is False

        status = _json(run_cli(*w, "local", "status", "--json"))
        assert status["running"] is True and status["endpoint"] == first["endpoint"]
    finally:
        down = _json(run_cli(*w, "local", "down", "--json"))
    assert down["changed"] is True
    assert not probe(first["endpoint"])
    assert not (workspace.local_dir / "local-cloud.json").exists()
    status = _json(run_cli(*w, "local", "status", "--json"))
    assert status["running"] is False and status["endpoint"] is None

    # down with nothing running is fine, and says so
    r = run_cli(*w, "local", "down")
    assert r.exit_code == 0 and r.stdout.strip() == "not running"
    r = run_cli(*w, "local", "status")
    assert r.exit_code == 0 and r.stdout.strip() == "not running"


def test_down_never_signals_a_pid_that_is_not_the_recorded_server(run_cli, workspace):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        port = free_port()
        record = {"pid": other.pid, "port": port, "endpoint": f"http://127.0.0.1:{port}"}
        (workspace.local_dir / "local-cloud.json").write_text(json.dumps(record))
        status = local_status(workspace.local_dir)
        assert status.running is False and "stale" in status.note

        r = run_cli("-w", str(workspace.root), "local", "down", "--json")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["changed"] is False
        assert other.poll() is None  # still alive: it was not ours to stop
        os.kill(other.pid, 0)
        assert not (workspace.local_dir / "local-cloud.json").exists()
    finally:
        other.kill()
        other.wait()


def test_unreadable_record_is_treated_as_not_running(run_cli, workspace):
    (workspace.local_dir / "local-cloud.json").write_text("{not json")
    r = run_cli("-w", str(workspace.root), "local", "status", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["running"] is False
    r = run_cli("-w", str(workspace.root), "local", "down")
    assert r.exit_code == 0
    assert not (workspace.local_dir / "local-cloud.json").exists()


def test_local_commands_need_a_workspace(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("local", "status")
    assert r.exit_code == 4
    assert "no workspace found" in r.stderr


def test_a_server_whose_record_cannot_be_written_is_stopped_again(run_cli, workspace):
    """Otherwise a moto server would run that no `local down` could find."""
    from platform_cli.procs import pid_alive

    record = workspace.local_dir / "local-cloud.json"
    record.mkdir(parents=True)  # the record's place is taken by a folder: the write fails
    before = set(_moto_pids())
    r = run_cli("-w", str(workspace.root), "local", "up")
    assert r.exit_code == 7, r.stderr
    assert "could not be written" in r.stderr and "Traceback" not in r.stderr
    leftover = [pid for pid in set(_moto_pids()) - before if pid_alive(pid)]
    assert leftover == []


def _moto_pids() -> list[int]:
    from pathlib import Path

    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"moto.server" in cmd:
                pids.append(int(d.name))
    return pids
