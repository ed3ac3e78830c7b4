"""The workspace the hostile-input table damages, and how each case is run and checked.

A workspace with one space (``payments``), a service repository (``repos/api``), one finished
rollout (journal and history row) and a local-cloud record is built once per test module and
copied for each case. :func:`snapshot` records every path of the copy without following links
or opening anything that is not a regular file, so a FIFO or a device in the tree is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

from click.testing import CliRunner

from platform_cli.errors import exit_codes
from tests.test_bad_input import time_limit

RID = "20250101T000000000-payments-dev-abcdef"
UNIT = "space/payments/dev/eu-central-1"
DOCUMENTED = {code for code, _, _ in exit_codes()} - {0, 70}
"""Exit codes README.md and errors.py document for a failure (70 is a bug)."""
TIMEOUT = 60  # seconds a case may take before it counts as a hang
CACHES = {".platform/spaces.index.json", ".platform/names.index.json"}
"""Derived from the space files and rebuilt from them whenever they change: not workspace data."""


def build(root: Path) -> Path:
    """A workspace under ROOT/ws with a space, a service repository, a rollout and a local-cloud record."""
    from platform_cli.aws.local_record import LocalCloudRecord, write_record
    from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path
    from platform_cli.rollout.journal import Journal, rollouts_dir
    from platform_cli.rollout.lock import holder_info
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    ws_root = root / "ws"
    init_workspace(ws_root, org="acme")
    ws = WorkspaceContext.open(ws_root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE", "prod=DE,FR"],
                                        owners=["lead@example.com"], cost_center="CC-42",
                                        ci_repos=["acme/payments-api"]))
    new_service(ws, "api", "payments", output_dir=ws_root / "repos")
    spec = {"id": RID, "kind": "space", "action": "up", "team": "payments", "env": "dev", "release": "standard@1",
            "waves": [[UNIT]], "lock": "payments/dev"}
    j = Journal.create(rollouts_dir(ws.local_dir), RID, spec, holder_info(RID))
    j.append("unit.started", unit=UNIT, wave=1, release="standard@1", action="up")
    j.append("unit.succeeded", unit=UNIT, wave=1, outputs={"vpc_id": "vpc-1"})
    j.append("wave.passed", wave=1)
    j.append("rollout.succeeded")
    j.close()
    t = "2025-01-01T10:00:00.000+00:00"
    SQLiteHistory(sqlite_path(ws.local_dir)).add(Deployment(
        rollout=RID, unit=UNIT, team="payments", env="dev", region="eu-central-1", kind="space", what="space",
        action="up", version="standard@1", who="lead@example.com", start=t, end=t, result="succeeded"))
    write_record(ws.local_dir, LocalCloudRecord(port=45999, endpoint="http://127.0.0.1:45999"))
    return ws_root


# what goes where a file belongs ---------------------------------------------------------
def _replace(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    elif os.path.lexists(path):
        path.unlink()


def fifo(p): _replace(p); os.mkfifo(p)
def folder(p): _replace(p); p.mkdir()
def dev_zero(p): _replace(p); p.symlink_to("/dev/zero")
def dev_null(p): _replace(p); p.symlink_to("/dev/null")
def proc_mem(p): _replace(p); p.symlink_to("/proc/self/mem")
def dangling(p): _replace(p); p.symlink_to(p.parent / "nowhere" / "gone.yaml")
def loop(p): _replace(p); p.symlink_to(p)
def oversize(p): p.write_bytes(b"# " + b"x" * (3 * 1024 * 1024) + b"\n")
def binary(p): p.write_bytes(b"\x00\x01\x02\xff" * 64)
def not_utf8(p): p.write_bytes(b"a: \xff\xfe\n")


SPECIALS = [fifo, folder, dev_zero, dev_null, proc_mem, dangling, loop, oversize, binary, not_utf8]


def copy(base: Path, dest: Path) -> Path:
    shutil.copytree(base, dest, symlinks=True)
    return dest


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ROOT: (kind, mode, content digest or link target). Links are not followed,
    and only regular files are opened."""
    out: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            st = os.lstat(path)
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if st.st_mode & 0o444 or os.geteuid() == 0 else "?"
                out[rel] = ("file", stat.S_IMODE(st.st_mode), digest)
            else:
                out[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return out


def run(root: Path, *args: str, cwd: Path | None = None):
    """`platform -w ROOT ARGS...` in this process, through the real entry point, with a deadline."""
    from tests.conftest import _platform

    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with time_limit(TIMEOUT):  # a hang (a FIFO waited on) fails the case
            return CliRunner().invoke(_platform, ["-w", str(root), *args], catch_exceptions=False)
    finally:
        os.chdir(here)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data) + "\n")


def check(ws: Path, args: list[str], named: str | None, *, expect_failure: bool = True):
    """Run ARGS on WS: no traceback, a documented failure (or exit 0 without EXPECT_FAILURE), NAMED
    in the output, and the tree unchanged but for caches and empty lock files made on first use."""
    before = snapshot(ws)
    r = run(ws, *args)
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "Exception ignored" not in out, out
    assert "internal error" not in r.stderr, r.stderr
    if expect_failure:
        assert r.exit_code in DOCUMENTED, f"exit {r.exit_code}: {out}"
    else:
        assert r.exit_code == 0, out
    if named:
        assert named in out, f"{named} not named: {out}"
    after = snapshot(ws)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} - CACHES
    changed -= {k for k in changed if k not in before and k.endswith(".lock") and after[k][0] == "file"
                and (ws / k).stat().st_size == 0}  # an empty lock file, made on first use, holds nothing
    assert not changed, f"{' '.join(args)} changed {sorted(changed)}"
    return r
