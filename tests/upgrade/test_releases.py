"""Released template versions: each archive holds exactly the tree of the commit it was taken from,
archiving is deterministic, and a changed archive is refused."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from platform_cli.errors import NotFoundError, SpecError
from platform_cli.scaffold import find_template
from platform_cli.scaffold.releases import RELEASES, archive_bytes, read_index, template_at, version_key, versions

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = ["python-web", "python-worker"]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True)


def _tree_at(commit: str, prefix: str) -> dict[str, tuple[bytes, bool]]:
    listing = _git("ls-tree", "-r", "-z", commit, "--", prefix)
    if listing.returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone (shallow?): {listing.stderr.decode().strip()}")
    out = {}
    for entry in listing.stdout.decode().split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, _, blob = meta.split()
        rel = path[len(prefix) + 1:]
        if rel.split("/", 1)[0] == RELEASES:
            continue
        out[rel] = (_git("cat-file", "blob", blob).stdout, mode == "100755")
    return out


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_archive_is_the_tree_of_its_recorded_commit(template):
    if shutil.which("git") is None or _git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout")
    folder = REPO / "service_templates" / template
    index = read_index(folder)
    assert index, f"{template} has no released version"
    for version, entry in index.items():
        data = (folder / RELEASES / f"{version}.tar.gz").read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        expected = _tree_at(entry["commit"], f"service_templates/{template}")
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            got = {m.name: (tar.extractfile(m).read(), bool(m.mode & 0o111)) for m in tar.getmembers() if m.isfile()}
        assert got.keys() == expected.keys(), f"{template}@{version}: files differ"
        for name in expected:
            assert got[name] == expected[name], f"{template}@{version}: {name} differs from commit {entry['commit']}"
        meta = next(v for k, (v, _) in got.items() if k == "template.yaml").decode()
        assert f"version: {version}\n" in meta


@pytest.mark.parametrize("template", TEMPLATES)
def test_live_version_is_newer_than_every_archive(template):
    tpl = find_template(template)
    released = list(read_index(tpl.path))
    assert tpl.version not in released
    assert all(version_key(v) < version_key(tpl.version) for v in released)
    assert versions(tpl.path, tpl.version)[-1] == tpl.version


def test_archiving_is_deterministic(tmp_path):
    tpl = find_template("python-web")
    version = next(iter(read_index(tpl.path)))
    with template_at(tpl.path, tpl.version, version) as old:
        first = archive_bytes(old)
        copy = tmp_path / "copy"
        shutil.copytree(old, copy)
    assert archive_bytes(copy) == first
    assert hashlib.sha256(first).hexdigest() == read_index(tpl.path)[version]["sha256"]


def test_a_changed_archive_is_refused_and_an_unknown_version_is_not_found(tmp_path):
    tpl = find_template("python-web")
    folder = tmp_path / "python-web"
    shutil.copytree(tpl.path, folder)
    version = next(iter(read_index(folder)))
    archive = folder / RELEASES / f"{version}.tar.gz"
    archive.write_bytes(archive.read_bytes() + b"\0")
    with pytest.raises(SpecError, match="SHA-256"), template_at(folder, tpl.version, version):
        pass
    with pytest.raises(NotFoundError, match="no version 0.0.1"), template_at(folder, tpl.version, "0.0.1"):
        pass
    with template_at(folder, tpl.version, tpl.version) as live:
        assert live == folder
