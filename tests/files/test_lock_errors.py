"""The workspace's locks when the system refuses them: permission denied, a read-only folder, a lock
the file system cannot give. Each is a FileAccessError (exit 13) naming the lock file, never an OSError."""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

from platform_cli.errors import FileAccessError
from platform_cli.files.safe import file_lock

FILE_ACCESS = 13


def _refuse_open(monkeypatch, target, err: int):
    real_open = os.open

    def open_(path, *a, **kw):
        if os.fspath(path) == os.fspath(target):
            raise OSError(err, os.strerror(err), os.fspath(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", open_)


@pytest.mark.parametrize("err, says", [(errno.EACCES, "check the permissions of"),
                                       (errno.EROFS, "read-only file system")])
def test_a_lock_that_cannot_be_created_names_the_file(tmp_path, monkeypatch, err, says):
    lock = tmp_path / "allocations.lock"
    _refuse_open(monkeypatch, lock, err)
    with pytest.raises(FileAccessError) as caught:
        with file_lock(lock):
            pytest.fail("the lock was not taken, so the block must not run")
    assert caught.value.exit_code == FILE_ACCESS and caught.value.path == str(lock)
    assert f"{lock}: cannot be locked: {os.strerror(err)}" in caught.value.message
    assert says in caught.value.hint


def test_a_lock_the_file_system_cannot_give_names_the_file(tmp_path, monkeypatch):
    lock = tmp_path / "allocations.lock"

    def flock(fd, op):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", flock)
    with pytest.raises(FileAccessError, match=r"allocations.lock: cannot be locked: No locks available"):
        with file_lock(lock):
            pytest.fail("the lock was not taken, so the block must not run")


def test_a_read_only_workspace_gives_a_clean_error_and_changes_nothing(run_cli, payments, monkeypatch):
    lock = payments.local_dir / "allocations.lock"
    before = (payments.spaces_dir / "payments.yaml").read_bytes()
    _refuse_open(monkeypatch, lock, errno.EROFS)
    r = run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "prod", "eu-west-1")
    assert r.exit_code == FILE_ACCESS, r.output
    assert "allocations.lock: cannot be locked: Read-only file system" in r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert (payments.spaces_dir / "payments.yaml").read_bytes() == before


def test_the_local_cloud_lock_is_the_same_safe_lock(tmp_path, monkeypatch):
    from platform_cli.aws import local_cloud

    lock = tmp_path / local_cloud.LOCK_FILE
    _refuse_open(monkeypatch, lock, errno.EACCES)
    with pytest.raises(FileAccessError, match=r"local-cloud.lock: cannot be locked: Permission denied"):
        with local_cloud._locked(tmp_path):
            pytest.fail("the lock was not taken, so the block must not run")
    monkeypatch.undo()
    os.mkfifo(lock)  # a FIFO where the lock belongs is refused, not waited on
    with pytest.raises(FileAccessError, match="is not a regular file"):
        with local_cloud._locked(tmp_path):
            pytest.fail("a FIFO is no lock")
