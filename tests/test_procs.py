"""platform_cli.procs: which values can be pids, whether a process lives, and which process a pid is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from platform_cli.procs import PID_MAX, holder_gone, pid_alive, process_start_time, same_process, valid_pid


@pytest.mark.parametrize(("value", "ok"), [
    (1, True), (PID_MAX, True), (0, False), (-1, False), (PID_MAX + 1, False), (2**70, False),
    (True, False), ("12", False), (1.0, False), (None, False),
])
def test_valid_pid_at_its_boundaries(value, ok):
    assert valid_pid(value) is ok


@pytest.mark.parametrize("value", [0, -5, PID_MAX + 1, 2**70, True])
def test_a_value_that_cannot_be_a_pid_is_not_alive_and_raises_nothing(value):
    assert pid_alive(value) is False
    assert process_start_time(value) is None
    assert holder_gone({"host": socket.gethostname(), "pid": value}) is (not isinstance(value, bool))


def test_a_pid_with_its_start_time_names_one_process():
    me = process_start_time(os.getpid())
    assert me and me == process_start_time(os.getpid())  # stable for the life of the process
    assert same_process(os.getpid(), me)
    assert not same_process(os.getpid(), me + "0") and not same_process(os.getpid(), None)

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = process_start_time(child.pid)
        assert started and started != me and same_process(child.pid, started)
    finally:
        child.kill()
        child.wait()
    assert not pid_alive(child.pid) and process_start_time(child.pid) is None
    assert not same_process(child.pid, started)


def test_a_zombie_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    while True:  # exited but not reaped: a zombie
        try:
            with open(f"/proc/{child.pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            pytest.skip("no /proc on this system")
    try:
        assert not pid_alive(child.pid) and process_start_time(child.pid) is None
    finally:
        child.wait()
