"""Three-way merge of a re-rendered template into a service repository, file by file.

base = the old template version rendered with the recorded answers, theirs = the new version,
ours = the repository as it is. :func:`plan_merge` decides every file before anything is
written; :func:`apply_changes` then writes them (each atomically, undoing on failure). The line
merge itself is git's (``git merge-file``), never reimplemented here.

Outcomes: ``unchanged`` (nothing to do), ``kept`` (the team changed it, the template did not),
``updated`` (the template changed it, the team did not), ``merged`` (both, without overlap),
``conflict`` (both, overlapping: written with conflict markers; or a change that cannot be
applied, such as a file deleted here that the template changed: left alone), ``added`` (new in
the template), ``removed`` (gone from the template and never changed here).
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import PlatformError
from ..yamlio import write_text_atomic
from .gitops import merge_file

MAX_FILE = 4 * 1024 * 1024  # bytes of a repository file the merge reads
CHANGING = ("updated", "merged", "conflict", "added", "removed")


@dataclass
class Rendered:
    data: bytes
    executable: bool


@dataclass
class FileChange:
    path: str
    outcome: str
    note: str = ""
    old: str | None = None  # the repository's text (None: no such file)
    new: str | None = None  # the text to write (None with "removed": delete the file)
    executable: bool = False  # for added files
    write: bool = False  # whether apply_changes touches the file

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "outcome": self.outcome, "note": self.note}

    def diff(self) -> str:
        if not self.write:
            return ""
        old = (self.old or "").splitlines(keepends=True)
        new = (self.new or "").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}" if self.old is not None else "/dev/null",
                                            f"b/{self.path}" if self.new is not None else "/dev/null"))


def read_tree(root: Path) -> dict[str, Rendered]:
    """Every regular file under a rendered project, by POSIX relative path."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISREG(st.st_mode):
                out[p.relative_to(root).as_posix()] = Rendered(p.read_bytes(), bool(st.st_mode & 0o111))
    return out


def _text(data: bytes | None) -> str | None:
    if data is None or b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _ours(root: Path, rel: str) -> tuple[str, bytes | None]:
    """(state, bytes) of the repository's file: missing | file | symlink | special | too large."""
    path = root / rel
    try:
        st = path.lstat()
    except FileNotFoundError:
        return "missing", None
    except NotADirectoryError:
        return "special", None
    if stat.S_ISLNK(st.st_mode):
        return "symlink", None
    if not stat.S_ISREG(st.st_mode):
        return "special", None
    if st.st_size > MAX_FILE:
        return "too large", None
    return "file", path.read_bytes()


def _crlf_like(ours: str, text: str | None) -> str | None:
    """Give a template text the repository file's CRLF line endings, so endings never conflict."""
    if text is None or "\r\n" not in ours or "\r\n" in text:
        return text
    return text.replace("\n", "\r\n")


def plan_merge(base: dict[str, Rendered], theirs: dict[str, Rendered], root: Path, labels: tuple[str, str, str],
               managed: tuple[str, ...] = ()) -> list[FileChange]:
    """What upgrading does to every file the old or new template renders. Files only the
    repository has are not looked at. ``managed`` files (the answers record) take the new
    render whenever the template changed them."""
    changes = []
    for rel in sorted(set(base) | set(theirs)):
        changes.append(_decide(rel, base.get(rel), theirs.get(rel), root, labels, rel in managed))
    return changes


def _decide(rel: str, b: Rendered | None, t: Rendered | None, root: Path, labels: tuple[str, str, str],
            managed: bool) -> FileChange:
    state, data = _ours(root, rel)
    ours = _text(data)
    if b is not None and t is not None and b.data == t.data:
        if state == "missing":
            return FileChange(rel, "kept", "deleted here; the template did not change it")
        return FileChange(rel, "unchanged" if data == b.data else "kept")
    if state in ("symlink", "special", "too large"):
        return FileChange(rel, "conflict", f"is a {state} here; the template's change was not applied")
    if state == "file" and ours is None:
        return FileChange(rel, "conflict", "is not UTF-8 text here; the template's change was not applied")
    bt, tt = _text(b.data if b else None), _text(t.data if t else None)
    if (b is not None and bt is None) or (t is not None and tt is None):
        return FileChange(rel, "conflict", "the template renders it as binary; not merged", old=ours)
    if ours is not None:
        bt, tt = _crlf_like(ours, bt), _crlf_like(ours, tt)
    if t is None:  # removed from the template
        if state == "missing":
            return FileChange(rel, "unchanged", "removed from the template and here")
        if ours == bt:
            return FileChange(rel, "removed", old=ours, new=None, write=True)
        return FileChange(rel, "kept", "removed from the template, but changed here: kept", old=ours)
    if state == "missing":
        if b is None:
            return FileChange(rel, "added", old=None, new=tt, executable=t.executable, write=True)
        return FileChange(rel, "conflict", "deleted here, changed by the template: not restored")
    if ours == tt:
        return FileChange(rel, "unchanged", "already as the new version has it")
    if managed or (b is not None and ours == bt):
        return FileChange(rel, "updated", old=ours, new=tt, write=True)
    merged, conflicts = merge_file(ours, bt or "", tt, labels)
    if conflicts:
        note = f"{conflicts} conflicting hunk{'s' if conflicts > 1 else ''}: resolve the markers"
        if b is None:
            note = "new in the template, but a different file exists here: " + note
        return FileChange(rel, "conflict", note, old=ours, new=merged, write=True)
    return FileChange(rel, "merged", old=ours, new=merged, write=True)


def apply_changes(root: Path, changes: list[FileChange]) -> None:
    """Write every change (each file atomically); when one write fails, the files already written
    get their old content back and the error says nothing was changed."""
    done: list[FileChange] = []
    try:
        for c in changes:
            if not c.write:
                continue
            path = root / c.path
            if c.new is None:
                path.unlink()
            else:
                mode = None
                if c.old is None:
                    umask = os.umask(0)
                    os.umask(umask)
                    mode = (0o777 if c.executable else 0o666) & ~umask
                write_text_atomic(path, c.new, mode=mode)
            done.append(c)
    except (OSError, PlatformError) as exc:  # the atomic writer reports OSErrors as PlatformError
        for c in reversed(done):
            path = root / c.path
            if c.old is None:
                path.unlink(missing_ok=True)
            else:
                write_text_atomic(path, c.old)
        why = (exc.strerror or exc) if isinstance(exc, OSError) else exc
        raise PlatformError(f"{root / c.path}: cannot be written: {why}; nothing was changed",
                            hint="check the folder's permissions and free disk space") from None
