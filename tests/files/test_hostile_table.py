"""Hostile input, as a table: every command that reads a workspace file, against every way that file
can be not what it seems. Each case: the command ends (never waits on a FIFO), exits with a
documented non-zero code (errors.py, README.md), names the file, prints no traceback and no
"Exception ignored", and leaves the workspace exactly as it was (a snapshot of the tree before and
after, links and modes included).

Cases where the command is right to go on (another team's damaged file, a damaged rollout among
others) are in REPORTED: exit 0, the damaged file named, nothing written.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

from tests.files.hostile import (CACHES, DOCUMENTED, RID, SPECIALS, binary, check, copy, dangling, dev_null, dev_zero, fifo,
                                 folder, loop, oversize, run, snapshot)

SPACE, PLATFORM, SERVICE, CATALOG = "spaces/payments.yaml", "platform.yaml", "repos/api/service.yaml", "repos/api/catalog-info.yaml"
JOURNAL, HISTORY, LOCAL = f".platform/rollouts/{RID}.jsonl", ".platform/history.sqlite", ".platform/local-cloud.json"
ALLOC_LOCK = ".platform/allocations.lock"
SVC = "repos/api"


# what a YAML file can say that it must not -------------------------------------------------
def _edit(old: str, new: str, *, count: int = 1):
    def edit(p: Path) -> None:
        text = p.read_text()
        assert old in text, f"{old!r} not in {p}"
        p.write_text(text.replace(old, new, count))
    edit.__name__ = f"edit({old.strip()!r}->{new.strip()[:30]!r})"
    return edit


def _append(extra: str):
    def append(p: Path) -> None:
        p.write_text(p.read_text() + extra)
    append.__name__ = f"append({extra.strip()[:30]!r})"
    return append


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
YAML_DAMAGE = {
    SPACE: [_append("team: payments\n"), _edit("cost_center: CC-42", "cost_center: \"CC\\n42\""),
            _edit("cost_center: CC-42", "cost_center: \"CC\\u001b[2J\""), _edit("team: payments", "team: \"pay\\tments\""),
            _edit("schema_version: 1", "schema_version: 1180591620717411303424"),
            _edit("schema_version: 1", "schema_version: true"), _edit("cidr: 10.0.0.0/20", "cidr: 0.0.0.0/0"),
            _edit("cidr: 10.0.0.0/20", "cidr: 10.0.16.0/20"), _append("---\nteam: other\n"), _append(BOMB),
            _edit("team: payments", "team: " + "[" * 5000 + "]" * 5000)],
    SERVICE: [_append("port: 9999\n"), _edit("port: 8080", "port: true"), _edit("port: 8080", "port: 1180591620717411303424"),
              _edit("port: 8080", "port: 0"), _edit("port: 8080", "port: 65536"), _edit("cpu: 256", "cpu: 300"),
              _edit("health_path: /healthz", "health_path: \"/health z\""),
              _edit("health_path: /healthz", "health_path: \"/healthz\\n\""),
              _edit("LOG_LEVEL: info", "LOG-LEVEL: info"), _edit("LOG_LEVEL: info", "LOG_LEVEL: \"in\\u0007fo\""),
              _edit("name: api", "name: \"api\\u0000\""), _edit("min: 1", "min: false"), _append(BOMB),
              _append("---\nname: other\n")],
    PLATFORM: [_append("org: other\n"), _edit("org: acme", "org: \"ac\\nme\""), _edit("schema_version: 1", "schema_version: 2"),
               _edit("org: acme", "org: [acme]")],
    CATALOG: [_append("kind: Component\n"), _append("---\n" + BOMB)],
}


def _json_edit(**change):
    def edit(p: Path) -> None:
        import json

        data = json.loads(p.read_text())
        data.update(change)
        p.write_text(json.dumps(data))
    edit.__name__ = "json(" + ",".join(f"{k}={str(v)[:20]}" for k, v in change.items()) + ")"
    return edit


def _line_edit(n: int, **change):
    def edit(p: Path) -> None:
        import json

        lines = p.read_text().splitlines()
        rec = json.loads(lines[n])
        rec.update(change)
        lines[n] = json.dumps(rec)
        p.write_text("\n".join(lines) + "\n")
    edit.__name__ = f"line{n}(" + ",".join(f"{k}={str(v)[:20]}" for k, v in change.items()) + ")"
    return edit


RECORD_DAMAGE = {
    LOCAL: [_json_edit(port=True), _json_edit(port=2**70, endpoint="http://127.0.0.1:1180591620717411303424"),
            _json_edit(port=0, endpoint="http://127.0.0.1:0"), _json_edit(pid=2**70, pid_started="x"),
            _json_edit(pid=True, pid_started="x"), _json_edit(restored_requests=-1), _json_edit(schema_version=True),
            _json_edit(started_at="2025-01-01T00:00:00"), _json_edit(extra=1)],
    JOURNAL: [_line_edit(0, ts="2025-01-01T00:00:00"), _line_edit(0, ts="0001-01-01T00:00:00+00:00"),
              _line_edit(1, wave=2**70), _line_edit(1, wave=True), _line_edit(1, unit="x" * 5000),
              _line_edit(0, spec={"waves": "x"}), _line_edit(2, event="unit.exploded")],
}


def _cases():
    """(target, damage, command) for every combination that must fail cleanly."""
    readers = {
        SPACE: [["space", "show", "payments"], ["space", "status", "payments", "--no-cloud"],
                ["space", "add-region", "payments", "eu-west-3", "--env", "dev"],
                ["space", "set", "payments", "--cost-center", "CC-43"],
                ["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "db"]],
        PLATFORM: [["space", "list"], ["space", "show", "payments"], ["history"], ["rollout", "list"],
                   ["local", "status"]],
        SERVICE: [["service", "show", SVC], ["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "db"],
                  ["service", "unbind", SVC, "db", "--yes"]],
        CATALOG: [["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "db"]],
        JOURNAL: [["rollout", "status", RID], ["rollout", "cancel", RID, "--yes"], ["rollout", "resume", RID],
                  ["rollout", "rollback", RID, "--yes"]],
        HISTORY: [["history"], ["history", "--team", "payments", "--json"]],
        LOCAL: [["local", "status"], ["local", "down", "--yes"]],
        ALLOC_LOCK: [["space", "add-region", "payments", "eu-west-3", "--env", "dev"],
                     ["space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE"]],
    }
    out = []
    for target, commands in readers.items():
        damages = list(SPECIALS) + YAML_DAMAGE.get(target, []) + RECORD_DAMAGE.get(target, [])
        if target == ALLOC_LOCK:  # a lock file is never read: only what cannot be locked matters
            damages = [fifo, dev_zero, dev_null, loop]
        if target == HISTORY:
            damages = [fifo, folder, dev_zero, dev_null, dangling, loop, binary]
        for damage in damages:
            for cmd in commands:
                out.append(pytest.param(target, damage, cmd, id=f"{target}-{damage.__name__}-{' '.join(cmd[:2])}"))
    return out


@pytest.mark.parametrize("target,damage,cmd", _cases())
def test_a_damaged_file_is_refused_cleanly_and_nothing_is_written(ws, target, damage, cmd):
    path = ws / target
    damage(path)
    args = [str(ws / a) if a == SVC else a for a in cmd]
    check(ws, args, Path(target).name)


REPORTED = [
    # a damaged space file is listed as damaged; the others are still listed
    (SPACE, fifo, ["space", "list"]), (SPACE, dev_zero, ["space", "list"]), (SPACE, _append("team: x\n"), ["space", "list"]),
    (SPACE, folder, ["space", "list", "--json"]),
    # one damaged rollout never hides the others
    (JOURNAL, fifo, ["rollout", "list"]), (JOURNAL, dev_zero, ["rollout", "list", "--json"]),
    (JOURNAL, binary, ["rollout", "list"]), (JOURNAL, folder, ["rollout", "list"]),
    # status shows the units and names what it could not read
    (JOURNAL, fifo, ["space", "status", "payments", "--no-cloud"]),
    (JOURNAL, oversize, ["space", "status", "payments", "--no-cloud", "--json"]),
    (JOURNAL, dangling, ["space", "status", "payments", "--no-cloud"]),
]


@pytest.mark.parametrize("target,damage,cmd", REPORTED,
                         ids=[f"{t}-{d.__name__}-{' '.join(c)}" for t, d, c in REPORTED])
def test_a_damaged_file_another_part_needs_is_named_and_the_rest_shown(ws, target, damage, cmd):
    damage(ws / target)
    check(ws, cmd, Path(target).name, expect_failure=False)


@pytest.mark.parametrize("damage", SPECIALS + YAML_DAMAGE[SPACE], ids=lambda d: d.__name__)
def test_another_team_s_damaged_space_file_never_gives_its_blocks_away(ws, damage):
    """`space create orders` does not need payments.yaml, so it may go on, but never hands out a block
    the damaged file still names (its bytes are scanned), and refuses when they cannot be read."""
    from ipaddress import IPv4Network

    from platform_cli.files.blocks import CIDR

    path = ws / SPACE
    damage(path)
    if path.is_dir() and not path.is_symlink():
        named = []  # a folder holds no space
    elif path.is_file() and not str(path.resolve()).startswith("/proc/"):
        named = [IPv4Network(c, strict=False) for c in CIDR.findall(path.read_bytes().decode("utf-8", "replace"))]
    else:
        named = None  # not a file that can be read: its blocks are unknown
    before = snapshot(ws)
    r = run(ws, "space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE")
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    after = snapshot(ws)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} - CACHES
    if r.exit_code == 0:
        assert changed == {"spaces/orders.yaml"}
        from platform_cli.model import Space
        from platform_cli.yamlio import load_yaml

        given = [IPv4Network(a.cidr) for a in Space.parse(load_yaml(ws / "spaces/orders.yaml"), source="x").allocations]
        assert named is not None and not any(g.overlaps(n) for g in given for n in named), (given, named)
    else:
        assert r.exit_code in DOCUMENTED and not changed, r.stderr


FOLDERS = [".platform/rollouts", "spaces", ".platform"]


@pytest.mark.parametrize("what", ["file", "fifo", "link-to-dev-null"])
@pytest.mark.parametrize("where,cmd", [
    (".platform/rollouts", ["rollout", "list"]), (".platform/rollouts", ["rollout", "status", RID]),
    ("spaces", ["space", "list"]), ("spaces", ["space", "show", "payments"]),
    ("spaces", ["space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE"]),
])
def test_a_file_where_a_folder_belongs_is_refused(ws, where, cmd, what):

    path = ws / where
    shutil.rmtree(path)
    {"file": lambda: path.write_text("x\n"), "fifo": lambda: os.mkfifo(path),
     "link-to-dev-null": lambda: path.symlink_to("/dev/null")}[what]()
    check(ws, cmd, where.rsplit("/", 1)[-1])


ROOT_SKIP = pytest.mark.skipif(os.geteuid() == 0, reason="running as root: permission bits do not deny root, so "
                               "chmod 000 is tested by running the commands as another user instead (below)")
DENIED = [
    ("spaces", ["space", "list"]), ("spaces", ["space", "show", "payments"]),
    ("spaces", ["space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE"]),
    (".platform", ["space", "add-region", "payments", "eu-west-3", "--env", "dev"]),
    (".platform", ["history"]), (".platform", ["rollout", "list"]), (".platform", ["local", "status"]),
    (".platform/rollouts", ["rollout", "list"]), (".platform/rollouts", ["rollout", "status", RID]),
    (".platform/rollouts", ["space", "status", "payments", "--no-cloud"]),
    ("out", ["catalog", "export", "OUT"]), ("out", ["report", "-o", "OUT/report.html"]),
    ("out", ["service", "new", "web2", "--space", "payments", "-o", "OUT"]),
    (SVC, ["service", "show", SVC]), (SVC, ["service", "bind", SVC, "-o", "postgres", "-p", "dev"]),
]
SHOWN_ANYWAY = {(".platform/rollouts", "space status")}
"""space status names a journal it cannot read and shows the rest (exit 0)."""


def _check_denied(ws: Path, where: str, cmd: list[str], code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "internal error" not in stderr, stderr
    if (where, " ".join(cmd[:2])) in SHOWN_ANYWAY:
        assert code == 0 and "warning:" in stderr and "Permission denied" in stderr, (code, stderr)
    else:
        assert code in DOCUMENTED, (code, stdout, stderr)
        # the platform's own message, or click's check of a folder option ("is not readable")
        assert "Permission denied" in stderr or "is not readable" in stderr or "is not writable" in stderr, stderr
    assert where.rsplit("/", 1)[-1] in stderr, stderr


def _args(ws: Path, cmd: list[str]) -> list[str]:
    return [str(ws / a) if a == SVC else a.replace("OUT", str(ws / "out")) for a in cmd]


@ROOT_SKIP
@pytest.mark.parametrize("where,cmd", DENIED, ids=[f"{w}-{' '.join(c[:2])}" for w, c in DENIED])
def test_a_folder_that_cannot_be_read_or_written_is_a_clean_error(ws, where, cmd):
    path = ws / where
    path.mkdir(exist_ok=True)
    before, mode = snapshot(ws), os.stat(path).st_mode
    os.chmod(path, 0)
    try:
        r = run(ws, *_args(ws, cmd))
    finally:
        os.chmod(path, mode)
    _check_denied(ws, where, cmd, r.exit_code, r.stdout, r.stderr)
    assert snapshot(ws) == before


NOBODY = 65534


@functools.cache
def _nobody_can_run_the_platform() -> str | None:
    """Why the user nobody cannot run this checkout's platform (a checkout or venv in a private
    folder, say), or None when it can."""
    import subprocess
    import sys

    from tests.conftest import REPO

    try:
        p = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                            "-c", "import platform_cli.cli, click, pydantic, ruamel.yaml; print(platform_cli.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd="/", stdin=subprocess.DEVNULL,
                           env={"PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", "")})
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if p.returncode != 0:
        return (p.stderr.strip().splitlines() or ["?"])[-1]
    if not p.stdout.strip().startswith(str(REPO)):  # the checkout cannot be read: another one was imported
        return f"it imports platform_cli from {p.stdout.strip()}, not from {REPO}"
    return None


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to run the commands as another user (without root the test above runs)")
@pytest.mark.parametrize("where,cmd", DENIED, ids=[f"{w}-{' '.join(c[:2])}" for w, c in DENIED])
def test_as_another_user_a_folder_with_mode_000_is_a_clean_error(base, where, cmd):
    """Root ignores permission bits, so the workspace is given to the user nobody and each command
    runs as nobody (setpriv) against a real chmod 000."""
    import subprocess
    import sys
    import tempfile

    from tests.conftest import REPO

    why = _nobody_can_run_the_platform()
    if why:
        pytest.skip(f"the user nobody cannot run this checkout's platform, so chmod 000 is not tested here: {why}")
    top = Path(tempfile.mkdtemp(prefix="platform-denied-"))
    try:
        os.chmod(top, 0o755)
        ws = copy(base, top / "ws")
        (ws / "out").mkdir()
        for folder, dirs, files in os.walk(top):
            for name in [folder, *(os.path.join(folder, n) for n in [*dirs, *files])]:
                os.lchown(name, NOBODY, NOBODY)
        path = ws / where
        before, mode = snapshot(ws), os.stat(path).st_mode
        os.chmod(path, 0)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "PLATFORM_"))}
        env.update(HOME=str(top), PYTHONPATH=str(REPO), COLUMNS="200")
        p = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, "-m", "platform_cli", "-w", str(ws), *_args(ws, cmd)],
                           capture_output=True, text=True, timeout=120, cwd=top, env=env, stdin=subprocess.DEVNULL)
        os.chmod(path, mode)
        _check_denied(ws, where, cmd, p.returncode, p.stdout, p.stderr)
        assert snapshot(ws) == before
    finally:
        shutil.rmtree(top, ignore_errors=True)


# what a rewrite keeps ------------------------------------------------------------------------
WRITERS = [
    (SPACE, ["space", "add-region", "payments", "eu-west-3", "--env", "dev"]),
    (SPACE, ["space", "set", "payments", "--cost-center", "CC-43"]),
    (SPACE, ["space", "set", "payments", "--add-owner", "second@example.com"]),
    (SERVICE, ["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "db"]),
    (CATALOG, ["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "db"]),
]


@pytest.mark.parametrize("target,cmd", WRITERS, ids=[f"{t}-{' '.join(c[:3])}" for t, c in WRITERS])
@pytest.mark.parametrize("keep", ["crlf", "mode", "link"])
def test_a_rewrite_keeps_line_endings_mode_and_links(ws, target, cmd, keep):
    import stat

    path = ws / target
    if keep == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    elif keep == "mode":
        os.chmod(path, 0o640)
    else:
        real = ws / "elsewhere" / path.name
        real.parent.mkdir(exist_ok=True)
        os.replace(path, real)
        path.symlink_to(os.path.relpath(real, path.parent))
    before = path.read_bytes()
    r = run(ws, *[str(ws / a) if a == SVC else a for a in cmd])
    assert r.exit_code == 0, r.stdout + r.stderr
    after = path.read_bytes()
    assert after != before, f"{' '.join(cmd)} did not change {target}"
    if keep == "crlf":
        assert after.count(b"\n") == after.count(b"\r\n"), "mixed line endings"
    elif keep == "mode":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    else:
        assert path.is_symlink() and (ws / "elsewhere" / path.name).read_bytes() == after
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")], "temp files left behind"


# the same in a process of its own: what only shows at interpreter exit ("Exception ignored ...") --
SUBPROCESS = [
    (SPACE, fifo, ["space", "show", "payments"]), (SPACE, dev_zero, ["space", "status", "payments", "--no-cloud"]),
    (SERVICE, fifo, ["service", "show", SVC]), (CATALOG, folder, ["service", "bind", SVC, "-o", "postgres", "-p", "dev"]),
    (JOURNAL, fifo, ["rollout", "status", RID]), (HISTORY, fifo, ["history"]), (LOCAL, fifo, ["local", "status"]),
    (PLATFORM, dev_zero, ["space", "list"]), (ALLOC_LOCK, fifo, ["space", "add-region", "payments", "eu-west-3", "-e", "dev"]),
]


@pytest.mark.parametrize("target,damage,cmd", SUBPROCESS,
                         ids=[f"{t}-{d.__name__}-{' '.join(c[:2])}" for t, d, c in SUBPROCESS])
def test_in_a_process_of_its_own_nothing_is_ignored_or_hung(ws, target, damage, cmd):
    import subprocess
    import sys

    damage(ws / target)
    before = snapshot(ws)
    args = [str(ws / a) if a == SVC else a for a in cmd]
    p = subprocess.run([sys.executable, "-m", "platform_cli", "-w", str(ws), *args], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"})
    assert p.returncode in DOCUMENTED, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert p.stderr.startswith("error: ") and Path(target).name in p.stderr, p.stderr
    after = snapshot(ws)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} - CACHES
    assert not changed, changed


# what a command line can carry into a file, a tag or a name ----------------------------------------
ARGS = [
    ["space", "set", "payments", "--cost-center", "CC\n42"],
    ["space", "set", "payments", "--cost-center", "x" * 257],
    ["space", "set", "payments", "--description", "a\x1b[2Jb"],
    ["space", "set", "payments", "--add-owner", "a@b.c\n"],
    ["space", "set", "payments", "--add-ci-repo", "../.."],
    ["space", "set", "payments", "--add-ci-repo", "acme/api\n"],
    ["space", "create", "or\nders", "--blueprint", "standard@1", "--env", "dev=DE"],
    ["space", "add-region", "payments", "eu-west-3", "--env", "de\u200bv"],
    ["service", "new", "w\tx", "--space", "payments", "-o", "OUT"],
    ["service", "new", "web", "--space", "payments", "-o", "OUT", "--repo", "acme/web\n"],
    ["service", "bind", SVC, "-o", "postgres", "-p", "dev", "-n", "d\nb"],
    ["service", "bind", SVC, "-o", "postgres\n", "-p", "dev"],
    ["history", "--limit", str(2**70)], ["history", "--limit", "true"], ["history", "--limit", "0"],
    ["metrics", "dora", "--since", "9" * 20 + "d"], ["metrics", "dora", "--since", "0d"],
    ["rollout", "status", "../../etc/passwd"], ["rollout", "status", "a\nb"],
]


@pytest.mark.parametrize("cmd", ARGS, ids=[" ".join(c).encode("unicode_escape").decode()[:60] for c in ARGS])
def test_a_hostile_argument_is_refused_and_nothing_is_written(ws, cmd):
    args = [str(ws / a) if a == SVC else a.replace("OUT", str(ws / "out")) if a == "OUT" else a for a in cmd]
    check(ws, args, None)


TRIMMED = [
    ("spaces/orders.yaml", ["space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE\n"]),
    ("spaces/orders.yaml", ["space", "create", "orders", "--blueprint", "standard@1\t", "--env", "dev=DE"]),
    (SPACE, ["space", "add-region", "payments", "eu-west-3\n", "--env", "dev"]),
]


@pytest.mark.parametrize("written,cmd", TRIMMED, ids=[" ".join(c).encode("unicode_escape").decode()[:60] for _, c in TRIMMED])
def test_whitespace_around_an_argument_is_trimmed_never_written(ws, written, cmd):
    """A value given with a trailing newline or tab (pasted) may be taken trimmed; what reaches the
    file is then free of control characters."""
    from platform_cli.model.base import _strings, control_character
    from platform_cli.yamlio import load_yaml

    r = run(ws, *cmd)
    assert r.exit_code == 0, r.stdout + r.stderr

    bad = [t for _, t in _strings(load_yaml(ws / written)) if control_character(t, multiline=False)]
    assert not bad, bad
