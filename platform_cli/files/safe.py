"""Reading and writing files safely: the one door for file contents in the platform.

* :func:`read_bytes` / :func:`read_text` read only regular files (a symlink is followed), with a
  size limit, opened without blocking and checked with ``fstat`` first: a FIFO, a device or a
  folder where a file belongs is refused at once, never waited on.
* :func:`write_text_atomic` writes through a temp file and a rename, following a symlink (the
  link stays a link), keeping the replaced file's mode and line endings, and removing the temp
  files of earlier writes that crashed.
* :func:`file_lock` holds an advisory lock between commands on this machine.
* Every OSError becomes a :class:`FileAccessError` naming the path (:func:`access_error`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import FileAccessError, SpecError
from ..procs import pid_alive

MAX_BYTES = 2 * 1024 * 1024
"""The default size limit of a file read."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _missing(path: os.PathLike | str) -> SpecError:
    if os.path.islink(path):
        return SpecError(f"{path}: is a link to {os.readlink(path)}, which does not exist", file=str(path),
                         hint=f"restore what {path} links to, or remove the link")
    return SpecError(f"{path}: file does not exist", file=str(path))


def _not_regular(path: os.PathLike | str, mode: int) -> SpecError:
    return SpecError(f"{path}: is {_kind(mode)}, expected a regular file", file=str(path),
                     hint=f"move {path} away and put the file there")


_DONE = {"read": "read", "write": "written", "list": "listed", "use": "used", "lock": "locked"}


def access_error(path: os.PathLike | str, exc: OSError, doing: str = "read") -> FileAccessError:
    """An OSError on ``path`` as the platform's error: what failed, why, and what to do.
    ``doing`` is one of read, write, list, lock, use."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        hint = (f"check the permissions of {path} and of the folders above it "
                f"(this command needs to {doing} it), then run the command again")
    elif getattr(exc, "errno", None) in (28, 122):  # ENOSPC, EDQUOT
        hint = "free some disk space and run the command again"
    elif getattr(exc, "errno", None) == errno.EROFS:
        hint = (f"{path} is on a read-only file system; run the command in a copy of the workspace on a "
                "writable one (this command needs to " + doing + " it)")
    else:
        hint = f"check that {path} exists, is what it should be, and can be {_DONE.get(doing, doing)}"
    return FileAccessError(f"{path}: cannot be {_DONE.get(doing, doing)}: {reason}", path=str(path), hint=hint)


def read_bytes(path: os.PathLike | str, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file (a symlink is followed), at most ``limit`` of them.

    The file is opened without blocking and checked with ``fstat`` before it is read, so a
    FIFO, a device or a folder where a file belongs is refused at once, never waited on,
    and a link to ``/dev/zero`` is never read. Every refusal names the file.
    """
    path = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise access_error(path, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode)
        if st.st_size > limit:
            raise SpecError(f"{path}: file is larger than {limit // 1024} KiB", file=str(path))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise SpecError(f"{path}: file is larger than {limit // 1024} KiB", file=str(path))
        return b"".join(chunks)
    except OSError as exc:
        raise access_error(path, exc) from None
    finally:
        os.close(fd)


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file (see :func:`read_bytes`), refusing binary and undecodable files cleanly."""
    data = read_bytes(path, limit=limit)
    if b"\x00" in data:
        raise SpecError(f"{path}: is a binary file, expected UTF-8 YAML text", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: is not UTF-8 text (byte {exc.start}), expected UTF-8 YAML", file=str(path)
        ) from None


def regular_file(path: os.PathLike | str) -> None:
    """Refuse (SpecError naming it) what is at PATH unless it is a regular file or a link to one,
    without opening it: for files another library opens (SQLite would wait on a FIFO)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise access_error(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode)


def present(path: os.PathLike | str) -> bool:
    """Whether anything at all is at PATH, without following a link or opening it.

    Use it, not ``is_file()`` or ``exists()``, before reading a file that is optional: a FIFO, a
    folder or a dangling link where the file belongs is then refused by the read (naming it)
    instead of being taken for "no file". A folder above it that cannot be searched is a
    FileAccessError, never "nothing there" (``os.path.exists`` says False then)."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise access_error(path, exc) from None
    return True


def existing_file(path: os.PathLike | str) -> bool:
    """Whether a file is at PATH, for a check before it is used, reused or made: False when nothing
    is there, True when a regular file (or a link to one) is. Anything else (a FIFO, a device, a
    folder, a dangling link) is a SpecError naming it, never taken for "no file" and never opened."""
    if not present(path):
        return False
    regular_file(path)
    return True


TMP_SUFFIX = ".tmp"


def _tmp_prefix(name: str) -> str:
    return f".{name}."


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files of writes to ``target`` whose writing process is gone (a crash
    or ``kill -9`` between the temp file and the rename); a live writer's file is left alone."""
    removed = []
    prefix = _tmp_prefix(target.name)
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not (entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX)):
                continue
            pid_text = entry.name[len(prefix):].split(".", 1)[0]
            if pid_text.isdigit() and len(pid_text) < 8 and pid_alive(int(pid_text)):
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_target(path: Path) -> Path:
    """Where a write of ``path`` goes: a symlink is followed (the link stays a link), and what is
    there must be a regular file (or nothing)."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise access_error(path, exc, "write") from None
    if not stat.S_ISREG(st.st_mode):
        raise SpecError(f"{path}: is {_kind(st.st_mode)}, expected a regular file; nothing was written",
                        file=str(path), hint=f"move {path} away and run the command again")
    return target


def _uses_crlf(path: Path) -> bool:
    try:
        head = read_bytes(path, limit=MAX_BYTES)[:65536]
    except (SpecError, FileAccessError):
        return False
    first = head.find(b"\n")
    return first > 0 and head[first - 1:first] == b"\r"


def write_text_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A symlink is followed and stays a link; the replaced file's mode and line endings (CRLF)
    are kept; temp files of earlier writes that crashed are removed. An OSError becomes a
    :class:`FileAccessError` naming the file, and nothing is changed.
    """
    target = write_target(Path(path))
    if _uses_crlf(target):
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_prefix(target.name)}{os.getpid()}.", suffix=TMP_SUFFIX,
                                   dir=target.parent)
    except OSError as exc:
        raise access_error(target.parent, exc, "write") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            # mkstemp creates 0600; keep the mode of the file replaced, else the umask default
            try:
                mode = os.stat(target).st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise access_error(target, exc, "write") from None
        raise


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in FOLDER durable. Some filesystems cannot fsync a folder; the
    files themselves are fsync'd, so that is not an error."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) between commands on this machine.

    The lock file is opened without following a symlink and without blocking, so a FIFO or a
    device put where it belongs is refused instead of waited on. Errors are FileAccessError
    naming the file. ``path`` may also be a folder: the folder itself is locked (no file is made).
    """
    path = Path(path)
    try:
        if path.is_dir():
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                         0o600)
    except OSError as exc:
        raise access_error(path, exc, "lock") from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise FileAccessError(f"{path}: is not a regular file, so it cannot serve as a lock", path=str(path),
                                  hint=f"remove {path}; the platform creates it again")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # ENOLCK on some network file systems, EINTR, ...
            raise access_error(path, exc, "lock") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
