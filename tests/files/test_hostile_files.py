"""Files that are not what they seem: FIFOs, devices, folders, symlinks, CRLF, modes, duplicate keys,
and folders that cannot be read. Each gets a clean error (or is kept as it is), never a hang."""

from __future__ import annotations

import os
import stat

import pytest

from platform_cli.errors import FileAccessError, SpecError
from platform_cli.service_repo import new_service
from platform_cli.services.bindings import bind, show
from platform_cli.spaces import add_region
from platform_cli.workspace import WorkspaceContext
from platform_cli.yamlio import load_yaml, read_text, write_text_atomic

SPEC, FILE_ACCESS = 3, 13


@pytest.fixture
def svc(payments, tmp_path):
    return new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "space.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match=r"space.yaml: is a named pipe \(FIFO\), expected a regular file"):
        read_text(fifo)  # without O_NONBLOCK and fstat this open would wait for a writer forever


def test_a_link_to_a_device_is_refused_not_read_without_limit(tmp_path):
    link = tmp_path / "big.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(SpecError, match="big.yaml: is a character device"):
        load_yaml(link)


def test_a_file_over_the_limit_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" + "#" * 100 + "\n")
    with pytest.raises(SpecError, match="larger than 0 KiB"):
        read_text(big, limit=50)
    assert read_text(big, limit=200).startswith("a: 1")


def test_fifo_in_spaces_does_not_hang_space_list_or_create(run_cli, payments):
    os.mkfifo(payments.root / "spaces" / "pipe.yaml")
    r = run_cli("-w", str(payments.root), "space", "list", "--json")
    assert r.exit_code == 0 and "pipe.yaml: is a named pipe" in r.stdout
    r = run_cli("-w", str(payments.root), "space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE")
    # its blocks are unknown: nothing is handed out while it is there
    assert r.exit_code == 5 and "pipe.yaml" in r.stderr and "Traceback" not in r.stderr
    assert not (payments.root / "spaces" / "orders.yaml").exists()


def test_a_fifo_as_the_lock_file_is_refused(run_cli, payments):
    lock = payments.local_dir / "allocations.lock"
    lock.unlink(missing_ok=True)
    os.mkfifo(lock)
    r = run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "prod", "eu-west-1")
    assert r.exit_code == FILE_ACCESS and "allocations.lock" in r.stderr


def test_a_symlinked_space_file_stays_a_link_after_an_edit(payments, tmp_path):
    path = payments.space_path("payments")
    real = tmp_path / "elsewhere" / "payments.yaml"
    real.parent.mkdir()
    os.replace(path, real)
    path.symlink_to(real)
    add_region(WorkspaceContext.open(payments.root), "payments", "prod", "eu-west-1")
    assert path.is_symlink() and os.readlink(path) == str(real)
    assert "eu-west-1" in real.read_text()


def test_crlf_and_mode_are_kept_on_rewrite(tmp_path):
    target = tmp_path / "service.yaml"
    target.write_bytes(b"a: 1\r\nb: 2\r\n")
    os.chmod(target, 0o640)
    write_text_atomic(target, "a: 1\nb: 3\n")
    assert target.read_bytes() == b"a: 1\r\nb: 3\r\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    target.write_bytes(b"a: 1\nb: 2\n")
    write_text_atomic(target, "a: 1\nb: 4\n")
    assert target.read_bytes() == b"a: 1\nb: 4\n", "LF files stay LF"


def test_bind_keeps_a_crlf_service_yaml_crlf_throughout(payments, svc):
    path = svc / "service.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    os.chmod(path, 0o600)
    bind(payments, svc, "postgres", "dev", "db")
    data = path.read_bytes()
    assert b"db" in data and data.count(b"\n") == data.count(b"\r\n"), "no mixed line endings"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("where", ["space", "service"])
def test_a_duplicate_key_is_a_spec_error(run_cli, payments, svc, where):
    if where == "space":
        path = payments.space_path("payments")
        path.write_text(path.read_text() + "cost_center: CC-99\n")
        r = run_cli("-w", str(payments.root), "space", "show", "payments")
    else:
        path = svc / "service.yaml"
        path.write_text(path.read_text() + "port: 9999\n")
        r = run_cli("-w", str(payments.root), "service", "show", str(svc))
    assert r.exit_code == SPEC, r.stderr
    assert path.name in r.stderr and "is given twice (first at line" in r.stderr


def test_duplicate_keys_inside_nested_mappings_and_merge_keys(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("a:\n  b: 1\n  b: 2\n")
    with pytest.raises(SpecError, match="line 3.*'b' is given twice"):
        load_yaml(f)
    f.write_text("base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n")  # overriding a merged key is not a duplicate
    assert load_yaml(f)["other"] == {"x": 2}


def _deny(monkeypatch, target):
    """Root ignores permission bits, so the denial comes from the system call itself."""
    real_scandir, real_open = os.scandir, os.open

    def scandir(path="."):
        if os.fspath(path) == str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real_scandir(path)

    def open_(path, *a, **kw):
        if os.fspath(path).startswith(str(target)):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "open", open_)


def test_an_unreadable_spaces_folder_is_an_error_never_an_empty_workspace(run_cli, payments, monkeypatch):
    _deny(monkeypatch, payments.spaces_dir)
    r = run_cli("-w", str(payments.root), "space", "list")
    assert r.exit_code == FILE_ACCESS and "spaces: cannot be listed: Permission denied" in r.stderr
    assert "check the permissions" in r.stderr and r.stdout == ""
    r = run_cli("-w", str(payments.root), "space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE")
    assert r.exit_code == FILE_ACCESS and "Traceback" not in r.stderr
    monkeypatch.undo()
    assert sorted(p.name for p in payments.spaces_dir.iterdir()) == ["payments.yaml"]


def test_an_unwritable_local_folder_is_a_clean_error(run_cli, payments, monkeypatch):
    _deny(monkeypatch, payments.local_dir)
    r = run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "prod", "eu-west-1")
    assert r.exit_code == FILE_ACCESS and ".platform/allocations.lock: cannot be locked" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_oserror_no_layer_expected_is_named_not_a_traceback(run_cli, payments, monkeypatch):
    import platform_cli.spaces as spaces

    def boom(*a, **kw):
        raise PermissionError(13, "Permission denied", "/somewhere/file")

    monkeypatch.setattr(spaces, "list_spaces", boom)
    r = run_cli("-w", str(payments.root), "space", "list")
    assert r.exit_code == FILE_ACCESS and "/somewhere/file: cannot be used: Permission denied" in r.stderr
    assert "internal error" not in r.stderr


def test_show_with_a_folder_where_service_yaml_belongs(payments, svc):
    (svc / "service.yaml").unlink()
    (svc / "service.yaml").mkdir()
    with pytest.raises(SpecError, match="service.yaml: is a folder, expected a regular file"):
        show(payments, svc)
