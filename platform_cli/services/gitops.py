"""The git commands a service repository's upgrade uses: git's own three-way file merge and the
working tree's status. The only module of the platform that runs git."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PlatformError


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise PlatformError("git is not on PATH; it merges the template's changes into the repository",
                            hint="install git (e.g. `apt-get install git`) and run the command again")
    return git


def merge_file(ours: str, base: str, theirs: str, labels: tuple[str, str, str]) -> tuple[str, int]:
    """``git merge-file -p``: (merged text, number of conflicts); conflicts carry markers labelled
    ours / base / theirs."""
    with tempfile.TemporaryDirectory(prefix=".platform-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp) / name
            p.write_text(text, encoding="utf-8", newline="")
            paths.append(str(p))
        run = subprocess.run([_git(), "merge-file", "-p", "--diff3", "-L", labels[0], "-L", labels[1], "-L", labels[2],
                              *paths], capture_output=True)
    if run.returncode < 0 or run.returncode > 127:
        raise PlatformError(f"git merge-file failed: {run.stderr.decode(errors='replace').strip()}")
    return run.stdout.decode("utf-8"), run.returncode


def uncommitted(root: Path) -> list[str] | None:
    """Paths with uncommitted changes in the git work tree at ``root`` (untracked included);
    None when ``root`` is not in a git repository."""
    if shutil.which("git") is None:
        return None
    inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all", "--", "."],
                            capture_output=True, text=True)
    if status.returncode != 0:
        raise PlatformError(f"{root}: git status failed: {status.stderr.strip()}")
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]
