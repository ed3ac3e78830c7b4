"""`platform local up|status|down` against moto's real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from platform_cli.aws.local_cloud import free_port, local_status, probe
from platform_cli.procs import process_start_time


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _record(ws) -> dict:
    return json.loads((ws.local_dir / "local-cloud.json").read_text())


def test_up_status_down_is_idempotent(run_cli, workspace):
    w = ["-w", str(workspace.root)]
    first = _json(run_cli(*w, "local", "up", "--json"))
    try:
        assert first["running"] is True
        assert first["endpoint"].startswith("http://127.0.0.1:")
        assert probe(first["endpoint"])
        record = _record(workspace)
        assert record["pid"] == first["pid"] and record["endpoint"] == first["endpoint"]
        assert record["pid_started"] == process_start_time(first["pid"])

        again = _json(run_cli(*w, "local", "up", "--json"))
        assert (again["pid"], again["endpoint"]) == (first["pid"], first["endpoint"])
        assert again["changed"] is False

        status = _json(run_cli(*w, "local", "status", "--json"))
        assert status["running"] is True and status["endpoint"] == first["endpoint"]
        assert status["resources"] == {}
    finally:
        down = _json(run_cli(*w, "local", "down", "--json"))
    assert down["changed"] is True and down["kept"] is True
    assert not probe(first["endpoint"])
    record = _record(workspace)  # kept, as stopped: its port is reused by the next `up`
    assert record["pid"] is None and record["port"] == first["port"]
    status = _json(run_cli(*w, "local", "status", "--json"))
    assert status["running"] is False and status["endpoint"] is None and "kept" in status["note"]

    # down with nothing running is fine, and says so; --discard drops the record and the recording
    r = run_cli(*w, "local", "down")
    assert r.exit_code == 0 and r.stdout.strip() == "not running"
    r = run_cli(*w, "local", "down", "--discard")
    assert r.exit_code == 11 and "--yes" in r.stderr  # destructive: no terminal, no --yes, refused
    assert (workspace.local_dir / "local-cloud.json").exists()
    r = run_cli(*w, "local", "down", "--discard", "--yes")
    assert r.exit_code == 0, r.stderr
    assert not (workspace.local_dir / "local-cloud.json").exists()
    assert not (workspace.local_dir / "local-cloud.recording.jsonl").exists()
    r = run_cli(*w, "local", "status")
    assert r.exit_code == 0 and r.stdout.strip() == "not running"


def _fake_record(ws, pid: int, started: str | None, **extra) -> None:
    port = free_port()
    record = {"schema_version": 1, "pid": pid, "pid_started": started, "port": port,
              "endpoint": f"http://127.0.0.1:{port}", **extra}
    (ws.local_dir / "local-cloud.json").write_text(json.dumps(record))


def test_down_never_signals_a_pid_that_is_not_the_recorded_process(run_cli, workspace):
    """A live process with the recorded pid, even one whose command line names moto.server and the port,
    is not signalled when it started at another time than the recorded server."""
    port = free_port()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "moto.server", "-p", str(port)])
    try:
        real_start = process_start_time(other.pid)
        assert real_start
        _fake_record(workspace, other.pid, real_start + "0")  # same pid, another start time
        status = local_status(workspace.local_dir)
        assert status.running is False and "stale" in status.note

        r = run_cli("-w", str(workspace.root), "local", "down", "--json")
        assert r.exit_code == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["changed"] is False and "no process was signalled" in out["note"]
        assert other.poll() is None  # still alive: it was not ours to stop
        os.kill(other.pid, 0)
        assert _record(workspace)["pid"] is None
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"schema_version": 1, "pid": 2**70, "pid_started": "x", "port": 5000,
                 "endpoint": "http://127.0.0.1:5000"}), "pid: Input should be less than or equal to 4194304"),
    (json.dumps({"schema_version": 1, "pid": 0, "pid_started": "x", "port": 5000,
                 "endpoint": "http://127.0.0.1:5000"}), "pid: Input should be greater than or equal to 1"),
    (json.dumps({"schema_version": 1, "port": 65536, "endpoint": "http://127.0.0.1:65536"}),
     "port: Input should be less than or equal to 65535"),
    (json.dumps({"schema_version": 1, "port": 5000, "endpoint": "http://example.com:5000"}),
     "endpoint must be http://127.0.0.1:5000"),
    (json.dumps({"schema_version": 1, "pid": 123, "port": 5000, "endpoint": "http://127.0.0.1:5000"}),
     "pid and pid_started are set together"),
    (json.dumps({"schema_version": 2, "port": 5000, "endpoint": "http://127.0.0.1:5000"}), "schema_version"),
    (json.dumps({"schema_version": 1, "port": 5000, "endpoint": "http://127.0.0.1:5000", "cmd": []}), "cmd: unknown key"),
])
def test_a_damaged_record_is_a_clean_error_naming_the_file(run_cli, workspace, content, expected):
    path = workspace.local_dir / "local-cloud.json"
    path.write_text(content)
    for command in (["local", "status"], ["local", "up"], ["local", "down"]):
        r = run_cli("-w", str(workspace.root), *command)
        assert r.exit_code == 7, (command, r.stderr)
        assert str(path) in r.stderr and expected in r.stderr and "Traceback" not in r.stderr
        assert "no process was signalled" in r.stderr
    assert path.read_text() == content  # nothing rewritten
    r = run_cli("-w", str(workspace.root), "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["local-cloud"]["status"] == "fail" and "is damaged" in checks["local-cloud"]["detail"]
    assert checks["workspace"]["status"] == "ok"  # the other checks still ran


def test_local_commands_need_a_workspace(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("local", "status")
    assert r.exit_code == 4
    assert "no workspace found" in r.stderr


def test_a_record_that_is_a_folder_starts_nothing(run_cli, workspace):
    record = workspace.local_dir / "local-cloud.json"
    record.mkdir(parents=True)
    before = set(_server_pids())
    r = run_cli("-w", str(workspace.root), "local", "up")
    assert r.exit_code == 7 and f"{record}: is not a regular file" in r.stderr and "Traceback" not in r.stderr
    assert set(_server_pids()) - before == set()


def test_a_server_whose_record_cannot_be_written_is_stopped_again(run_cli, workspace, monkeypatch):
    """Otherwise a moto server would run that no `local down` could find."""
    import platform_cli.aws.local_record as local_record

    def no_space(path, text, **_kw):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(local_record, "write_text_atomic", no_space)
    before = set(_server_pids())
    r = run_cli("-w", str(workspace.root), "local", "up")
    assert r.exit_code == 7, r.stderr
    assert "local-cloud.json: cannot be written: No space left on device" in r.stderr and "Traceback" not in r.stderr
    assert set(_server_pids()) - before == set()


def _server_pids() -> list[int]:
    from platform_cli.procs import pid_alive

    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"platform_cli.aws.local_host" in cmd and pid_alive(int(d.name)):
                pids.append(int(d.name))
    return pids


@pytest.mark.parametrize(("content", "kept", "cut"), [
    (b'{"a": 1}\n{"b": 2}\n{"c": ', b'{"a": 1}\n{"b": 2}\n', True),
    (b'{"a": 1}\n', b'{"a": 1}\n', False),
    (b'{"part', b"", True),
    (b"", b"", False),
    (b'{"a": 1}\n' + b"x" * 200_000, b'{"a": 1}\n', True),  # a long last line, read back in pieces
])
def test_a_recording_cut_short_loses_only_its_unfinished_last_request(workspace, content, kept, cut):
    from platform_cli.aws.local_record import recorded_requests, recording_path, repair_recording

    path = recording_path(workspace.local_dir)
    path.write_bytes(content)
    assert repair_recording(workspace.local_dir) is cut
    assert path.read_bytes() == kept
    assert recorded_requests(workspace.local_dir) == kept.count(b"\n")
