"""`kill -9` at every point of `service bind` / `service unbind`: the next command finds
service.yaml and catalog-info.yaml both changed or neither (or finishes the edit and says so),
and no temp file outlives the next command.

The command runs in a forked child process whose file system calls (``os.replace``,
``os.fsync``, ``os.unlink``, ``os.write``, ``os.open``) are counted; at call number K the child
kills itself with SIGKILL, so nothing after that point runs, exactly like ``kill -9``. K runs
over every call the command makes.
"""

from __future__ import annotations

import os
import shutil
import signal

import pytest
import yaml

from platform_cli.service_repo import new_service
from platform_cli.services.bindings import bind, show

def _run(kill_at: int, *args: str) -> tuple[int, int]:
    """Run `platform ARGS` in a forked child (the real entry point; a fork keeps the test quick)
    that SIGKILLs itself at file system call KILL_AT (0: never). Returns (wait status, calls made)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        real = {name: getattr(os, name) for name in ("replace", "fsync", "unlink", "write", "open")}
        calls = 0

        def counted(fn):
            def wrapper(*a, **kw):
                nonlocal calls
                calls += 1
                if calls == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return fn(*a, **kw)
            return wrapper

        code = 70
        try:
            from platform_cli.cli import main

            for name, fn in real.items():
                setattr(os, name, counted(fn))
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            for name, fn in real.items():
                setattr(os, name, fn)
            os.write(write_end, str(calls).encode())
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as fh:
        calls = int(fh.read() or b"-1")
    return status, calls


def _state(svc):
    service = yaml.safe_load((svc / "service.yaml").read_text())
    catalog = list(yaml.safe_load_all((svc / "catalog-info.yaml").read_text()))
    bound = [b["name"] for b in service.get("bindings") or []]
    resources = [d["metadata"]["name"].removeprefix("orders-") for d in catalog if d and d.get("kind") == "Resource"]
    component = next(d for d in catalog if d and d.get("kind") == "Component")
    depends = [r.removeprefix("resource:orders-") for r in component["spec"].get("dependsOn") or []]
    return bound, resources, depends


def _temps(svc, ws):
    return sorted(p.name for p in [*svc.iterdir(), *(ws.local_dir / "edits").glob("*")]
                  if p.name.endswith(".tmp"))


@pytest.mark.parametrize("command", ["bind", "unbind"])
def test_kill_at_every_point_leaves_both_files_or_neither(payments, tmp_path, capsys, command):
    origin = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path
    if command == "unbind":
        bind(payments, origin, "postgres", "dev", "db")
    args = {"bind": ["service", "bind", "--offering", "postgres", "--plan", "dev", "--name", "db"],
            "unbind": ["service", "unbind", "db", "--yes"]}[command]
    root = ["-w", str(payments.root)]
    before = _state(origin)

    def fresh(k):
        svc = tmp_path / f"run{k}" / "orders"
        shutil.copytree(origin, svc)
        return svc

    probe = fresh(0)
    status, total = _run(0, *root, *args[:2], str(probe), *args[2:])  # not killed: counts the calls
    assert os.waitstatus_to_exitcode(status) == 0
    after = _state(probe)
    assert after != before
    assert total > 5
    outcomes = {"neither": 0, "both": 0, "repaired": 0}
    for k in range(1, total + 1):
        svc = fresh(k)
        status, _ = _run(k, *root, *args[:2], str(svc), *args[2:])
        assert os.waitstatus_to_exitcode(status) in (0, -signal.SIGKILL)
        capsys.readouterr()
        show(payments, svc)  # the next command on this service (in this process, to keep the test quick)
        said = capsys.readouterr().err
        state = _state(svc)
        assert state in (before, after), f"kill at call {k}/{total}: half an edit: {state}"
        assert _temps(svc, payments) == [], f"kill at call {k}: temp files outlived the next command"
        assert not list((payments.local_dir / "edits").glob("*.json")), f"kill at call {k}: intent record left"
        if f"repaired: finished the interrupted `service {command} db`" in said:
            assert state == after
            outcomes["repaired"] += 1
        else:
            outcomes["both" if state == after else "neither"] += 1
    # the kill points cover every phase: before anything, between the two files, after both
    assert outcomes["neither"] and outcomes["both"] and outcomes["repaired"], outcomes
    print(f"{command}: {total} kill points: {outcomes}")
