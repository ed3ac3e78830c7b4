"""The three-way file planner of `service upgrade`: every outcome at its boundary, with git's merge."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from platform_cli.errors import PlatformError
from platform_cli.services.merge import Rendered, apply_changes, plan_merge

LABELS = ("this repository", "t 1.0.0", "t 2.0.0")
TEXT = "".join(f"line {i}\n" for i in range(1, 21))


def r(text: str, executable: bool = False) -> Rendered:
    return Rendered(text.encode(), executable)


def edit(text: str, line: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[line - 1] = new + "\n"
    return "".join(lines)


def _plan(tmp_path: Path, base: dict, theirs: dict, ours: dict, managed=()):
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    for rel, text in ours.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode())
    changes = plan_merge({k: r(v) for k, v in base.items()}, {k: r(v) for k, v in theirs.items()}, root, LABELS,
                         managed=managed)
    return root, {c.path: c for c in changes}


def test_every_outcome(tmp_path):
    team_edit = edit(TEXT, 2, "team line 2")
    tpl_edit = edit(TEXT, 18, "template line 18")
    base = {"same.txt": TEXT, "team.txt": TEXT, "tpl.txt": TEXT, "both.txt": TEXT, "clash.txt": TEXT,
            "gone.txt": TEXT, "gone-changed.txt": TEXT, "deleted-here.txt": TEXT, "already.txt": TEXT}
    theirs = {"same.txt": TEXT, "team.txt": TEXT, "tpl.txt": tpl_edit, "both.txt": tpl_edit,
              "clash.txt": edit(TEXT, 10, "template line 10"), "deleted-here.txt": tpl_edit, "already.txt": tpl_edit,
              "new.txt": "new\n", "sub/new.txt": "nested\n"}
    ours = {"same.txt": TEXT, "team.txt": team_edit, "tpl.txt": TEXT, "both.txt": team_edit,
            "clash.txt": edit(TEXT, 10, "team line 10"), "gone.txt": TEXT, "gone-changed.txt": team_edit,
            "already.txt": tpl_edit, "mine.txt": "only here\n"}
    root, c = _plan(tmp_path, base, theirs, ours)
    outcome = {k: v.outcome for k, v in c.items()}
    assert outcome == {
        "same.txt": "unchanged", "team.txt": "kept", "tpl.txt": "updated", "both.txt": "merged",
        "clash.txt": "conflict", "gone.txt": "removed", "gone-changed.txt": "kept", "deleted-here.txt": "conflict",
        "already.txt": "unchanged", "new.txt": "added", "sub/new.txt": "added"}
    assert "mine.txt" not in c  # files only the repository has are never looked at
    assert c["both.txt"].new == edit(team_edit, 18, "template line 18")
    clash = c["clash.txt"].new
    assert "<<<<<<< this repository\nteam line 10\n" in clash and "||||||| t 1.0.0\nline 10\n" in clash
    assert "=======\ntemplate line 10\n>>>>>>> t 2.0.0\n" in clash and c["clash.txt"].write
    assert not c["deleted-here.txt"].write and "not restored" in c["deleted-here.txt"].note
    assert not c["gone-changed.txt"].write and "changed here" in c["gone-changed.txt"].note
    assert all(not v.write for k, v in c.items() if v.outcome in ("unchanged", "kept"))
    apply_changes(root, list(c.values()))
    assert (root / "tpl.txt").read_text() == tpl_edit and (root / "both.txt").read_text() == c["both.txt"].new
    assert not (root / "gone.txt").exists() and (root / "gone-changed.txt").read_text() == team_edit
    assert (root / "sub/new.txt").read_text() == "nested\n" and not (root / "deleted-here.txt").exists()
    assert (root / "team.txt").read_text() == team_edit and (root / "mine.txt").read_text() == "only here\n"


def test_a_new_template_file_that_exists_differently_here_conflicts(tmp_path):
    _, c = _plan(tmp_path, {}, {"ci.yml": "a: 1\n"}, {"ci.yml": "b: 2\n"})
    assert c["ci.yml"].outcome == "conflict" and "<<<<<<<" in c["ci.yml"].new and "a different file" in c["ci.yml"].note
    _, c = _plan(tmp_path, {}, {"same.yml": "a: 1\n"}, {"same.yml": "a: 1\n"})
    assert c["same.yml"].outcome == "unchanged"


def test_crlf_files_merge_without_line_ending_conflicts(tmp_path):
    ours = edit(TEXT, 2, "team line 2").replace("\n", "\r\n")
    root, c = _plan(tmp_path, {"f.txt": TEXT}, {"f.txt": edit(TEXT, 18, "template line 18")}, {"f.txt": ours})
    assert c["f.txt"].outcome == "merged"
    assert c["f.txt"].new == edit(edit(TEXT, 2, "team line 2"), 18, "template line 18").replace("\n", "\r\n")
    _, c = _plan(tmp_path, {"g.txt": TEXT}, {"g.txt": edit(TEXT, 18, "x")}, {"g.txt": TEXT.replace("\n", "\r\n")})
    assert c["g.txt"].outcome == "updated" and c["g.txt"].new.count("\r\n") == 20


def test_symlinks_and_binary_files_are_never_written(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "target.txt").write_text("elsewhere\n")
    os.symlink("target.txt", root / "link.txt")
    (root / "blob.bin").write_bytes(b"\xff\xfe\0binary")
    changes = plan_merge({"link.txt": r(TEXT), "blob.bin": r(TEXT)}, {"link.txt": r("x\n"), "blob.bin": r("y\n")},
                         root, LABELS)
    c = {x.path: x for x in changes}
    assert c["link.txt"].outcome == "conflict" and "symlink" in c["link.txt"].note and not c["link.txt"].write
    assert c["blob.bin"].outcome == "conflict" and "UTF-8" in c["blob.bin"].note and not c["blob.bin"].write
    apply_changes(root, changes)
    assert os.readlink(root / "link.txt") == "target.txt" and (root / "target.txt").read_text() == "elsewhere\n"


def test_the_managed_answers_file_takes_the_new_render(tmp_path):
    _, c = _plan(tmp_path, {"a.yml": "v: 1\n"}, {"a.yml": "v: 2\n"}, {"a.yml": "v: 1\n# note\n"}, managed=("a.yml",))
    assert c["a.yml"].outcome == "updated" and c["a.yml"].new == "v: 2\n"


def test_added_files_get_the_template_mode_and_a_failed_write_undoes_the_others(tmp_path):
    root, c = _plan(tmp_path, {"a.txt": TEXT}, {"a.txt": edit(TEXT, 1, "new"), "run.sh": "#!/bin/sh\n",
                                                 "blocked/x.txt": "x\n"}, {"a.txt": TEXT})
    c["run.sh"].executable = True
    (root / "blocked").write_text("a file where the template wants a folder\n")
    with pytest.raises(PlatformError, match="cannot be written.*nothing was changed"):
        apply_changes(root, [c["a.txt"], c["run.sh"], c["blocked/x.txt"]])
    assert (root / "a.txt").read_text() == TEXT and not (root / "run.sh").exists()
    (root / "blocked").unlink()
    apply_changes(root, [c["a.txt"], c["run.sh"], c["blocked/x.txt"]])
    assert os.stat(root / "run.sh").st_mode & 0o111 and (root / "a.txt").read_text().startswith("new\n")
