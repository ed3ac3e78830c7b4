"""Released versions of a service template, kept so that old versions stay renderable.

The live folder ``service_templates/NAME/`` is the latest version (``template.yaml``'s
``version``). Each earlier released version is one archive beside it,
``service_templates/NAME/releases/VERSION.tar.gz``, listed in ``releases/index.json`` with
the commit it was taken from and its SHA-256. The installed wheel has no git history, so
`platform service upgrade` renders the version a repository was generated with from its
archive (the base of the three-way merge).

Archives are deterministic (sorted members, owner 0, mtime 0, gzip without a timestamp), so
archiving the same tree twice gives the same bytes. Before bumping a template's version,
archive the version being replaced::

    python -m platform_cli.scaffold.releases service_templates/NAME

A test checks every archive against the tree of the commit ``index.json`` records.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import NotFoundError, SpecError
from ..files.safe import existing_file, read_bytes, read_text

RELEASES = "releases"
INDEX = "index.json"
MAX_ARCHIVE = 16 * 1024 * 1024  # bytes; a template is a few hundred KiB
MAX_INDEX = 1024 * 1024  # bytes of releases/index.json
SKIP = {RELEASES, "__pycache__"}


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of an X.Y.Z version."""
    return tuple(int(p) for p in version.split("."))


def _members(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not (rel == Path(".") and d in SKIP) and d != "__pycache__")
        out.extend(Path(dirpath) / f for f in sorted(filenames) if not f.endswith(".pyc"))
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def archive_bytes(root: Path) -> bytes:
    """The deterministic .tar.gz of a template folder (without its releases/)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _members(root):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            if info.isfile():
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue())
    return out.getvalue()


def read_index(template_dir: Path) -> dict[str, dict[str, str]]:
    """``releases/index.json``: version -> {"commit", "sha256"}; {} when the template has no releases."""
    path = template_dir / RELEASES / INDEX
    if not existing_file(path):  # a FIFO, a folder or a dangling link there is named, not "no releases"
        return {}
    try:
        data = json.loads(read_text(path, limit=MAX_INDEX))
    except (ValueError, RecursionError) as exc:
        raise SpecError(f"{path}: not readable JSON: {exc}", file=str(path)) from None
    if not isinstance(data, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("commit"), str)
            for v in data.values()):
        raise SpecError(f"{path}: expected an object of VERSION -> {{commit, sha256}}", file=str(path))
    return data


def versions(template_dir: Path, live_version: str) -> list[str]:
    """Every version the installed template can render, oldest first (the live one last)."""
    return sorted({*read_index(template_dir), live_version}, key=version_key)


@contextlib.contextmanager
def template_at(template_dir: Path, live_version: str, version: str) -> Iterator[Path]:
    """A folder holding the template at ``version``: the live folder for the latest version,
    else its archive extracted (after its SHA-256 is checked) into a temporary folder."""
    if version == live_version:
        yield template_dir
        return
    index = read_index(template_dir)
    if version not in index:
        known = ", ".join(versions(template_dir, live_version))
        raise NotFoundError(f"template {template_dir.name} has no version {version}; it can render: {known}",
                            hint=f"`platform template show {template_dir.name}` lists its versions")
    path = template_dir / RELEASES / f"{version}.tar.gz"
    try:
        data = read_bytes(path, limit=MAX_ARCHIVE)  # a regular file of bounded size, never waited on
    except SpecError as exc:
        raise SpecError(f"{exc.message}; version {version} cannot be rendered", file=str(path),
                        hint="restore it from version control") from None
    if hashlib.sha256(data).hexdigest() != index[version]["sha256"]:
        raise SpecError(f"{path}: its SHA-256 differs from {RELEASES}/{INDEX}; the archive was changed after release",
                        file=str(path), hint="restore it from version control")
    with tempfile.TemporaryDirectory(prefix=f".platform-{template_dir.name}-{version}-") as tmp:
        target = Path(tmp) / template_dir.name
        target.mkdir()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(target, filter="data")
        yield target


def archive(template_dir: Path, commit: str) -> Path:
    """Archive the live version of ``template_dir`` into releases/VERSION.tar.gz and record it in
    index.json with ``commit``. Refuses a version that is archived already."""
    from .templates import _load

    info = _load(template_dir)
    out = template_dir / RELEASES / f"{info.version}.tar.gz"
    index = read_index(template_dir)
    if info.version in index or out.exists():
        raise SpecError(f"{out}: version {info.version} is archived already; bump template.yaml's version first")
    data = archive_bytes(template_dir)
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(data)
    index[info.version] = {"commit": commit, "sha256": hashlib.sha256(data).hexdigest()}
    ordered = dict(sorted(index.items(), key=lambda kv: version_key(kv[0])))
    (template_dir / RELEASES / INDEX).write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m platform_cli.scaffold.releases service_templates/NAME", file=sys.stderr)
        return 2
    folder = Path(argv[0]).resolve()
    rel = folder.relative_to(Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], cwd=folder,
                                                          text=True).strip()))
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=folder, capture_output=True, text=True).stdout
    if dirty.strip():
        print(f"error: {rel} has uncommitted changes; archive a committed version", file=sys.stderr)
        return 1
    commit = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=folder, text=True).strip()
    print(archive(folder, commit))
    return 0


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    shutil.which("git") or sys.exit("git is needed")
    sys.exit(main(sys.argv[1:]))
