"""Safe YAML reading, atomic writes and round-trip edits."""

from __future__ import annotations

import os
import stat

import pytest

from platform_cli import yamlio
from platform_cli.errors import FileAccessError, SpecError
from platform_cli.yamlio import RoundTrip, load_mapping, parse_yaml, write_text_atomic


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_keeps_old_content_when_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "space.yaml"
    target.write_text("old: content\n")

    def broken_replace(src, dst):
        raise OSError("disk vanished")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(FileAccessError, match="space.yaml: cannot be written: disk vanished"):
        write_text_atomic(target, "new: content\n" * 1000)
    assert target.read_text() == "old: content\n"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["space.yaml"]


def test_atomic_write_keeps_old_content_when_writing_fails_midway(tmp_path, monkeypatch):
    target = tmp_path / "space.yaml"
    target.write_text("old: content\n")
    real_fsync = os.fsync

    def failing_fsync(fd):
        real_fsync(fd)
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(FileAccessError, match="space.yaml: cannot be written: no space left"):
        write_text_atomic(target, "half: written\n")
    assert target.read_text() == "old: content\n"
    assert _leftovers(tmp_path) == []


def test_atomic_write_interrupted_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "new.yaml"
    monkeypatch.setattr(os, "replace", lambda s, d: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "x: 1\n")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_content_and_sets_mode(tmp_path):
    target = tmp_path / "sub" / "secret"
    write_text_atomic(target, "one\n")
    write_text_atomic(target, "two\n", mode=0o600)
    assert target.read_text() == "two\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _leftovers(target.parent) == []


def test_round_trip_edit_keeps_comments_and_order(tmp_path):
    path = tmp_path / "payments.yaml"
    path.write_text("# owned by payments\nteam: payments  # the team\nblueprint: standard@1\nzeta: [1, 2]\n")
    with RoundTrip(path) as doc:
        doc["blueprint"] = "standard@2"
    text = path.read_text()
    assert text.startswith("# owned by payments\n")
    assert "team: payments  # the team" in text
    assert text.index("team") < text.index("blueprint") < text.index("zeta")
    assert "blueprint: standard@2" in text


def test_round_trip_writes_nothing_when_the_block_fails(tmp_path):
    path = tmp_path / "payments.yaml"
    path.write_text("team: payments\n")
    with pytest.raises(RuntimeError):
        with RoundTrip(path) as doc:
            doc["team"] = "changed"
            raise RuntimeError("stop")
    assert path.read_text() == "team: payments\n"


def test_round_trip_refuses_hostile_yaml_before_editing(tmp_path):
    path = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match="alias bomb"):
        RoundTrip(path)


@pytest.mark.parametrize("text", ["NO", "no", "yes", "on", "off", "Y", "n"])
def test_yaml_12_booleans_keep_country_codes_strings(text):
    assert parse_yaml(f"country: {text}\n", source="x.yaml") == {"country": text}
    assert parse_yaml("flag: true\n", source="x.yaml") == {"flag": True}


def test_aliases_within_limits_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &regions [eu-central-1, eu-west-1]\nprod: *regions\n")
    assert load_mapping(path)["prod"] == ["eu-central-1", "eu-west-1"]


def test_limits_apply_to_text_too():
    with pytest.raises(SpecError, match="larger than"):
        parse_yaml("a: " + "x" * (yamlio.MAX_BYTES + 1), source="big.yaml")
    with pytest.raises(SpecError, match="nested deeper"):
        parse_yaml("[" * (yamlio.MAX_DEPTH + 1) + "]" * (yamlio.MAX_DEPTH + 1), source="deep.yaml")
    with pytest.raises(SpecError, match="aliases"):
        parse_yaml("a: &a x\nb: [" + ", ".join(["*a"] * (yamlio.MAX_ALIASES + 1)) + "]\n", source="many.yaml")
    many = "[" + ", ".join(["1"] * (yamlio.MAX_NODES + 1)) + "]"
    with pytest.raises(SpecError, match="expands to more than"):
        parse_yaml(many, source="wide.yaml")


def test_dump_spec_writes_the_schema_comment_first(tmp_path):
    path = tmp_path / "s.yaml"
    (tmp_path / "schemas").mkdir()
    yamlio.dump_spec(path, {"team": "payments", "country": "NO"}, schema_name="space", schemas_dir=tmp_path / "schemas")
    text = path.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schemas/space.schema.json"
    assert load_mapping(path)["country"] == "NO"


@pytest.mark.parametrize("text", [
    # as the platform writes it: sequences not indented under their key
    "# c\nteam: payments\nowners:\n- a@example.com\nenvironments:\n  dev:\n    regions:\n    - eu-central-1\n"
    "blueprint: standard@1\nallocations:\n- env: dev\n  cidr: 10.0.0.0/20\n",
    # as people often write it: four spaces, dashes indented, trailing comments
    "team: payments  # us\nowners:\n  - a@example.com   # lead\nenvironments:\n    dev:\n        regions:\n"
    "          - eu-central-1\nblueprint: standard@1\n",
])
def test_round_trip_edit_changes_only_the_edited_line(tmp_path, text):
    path = tmp_path / "payments.yaml"
    path.write_text(text)
    with RoundTrip(path) as doc:
        doc["blueprint"] = "standard@2"
    old, new = text.splitlines(), path.read_text().splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert changed == [("blueprint: standard@1", "blueprint: standard@2")]


def test_unreadable_path_is_a_spec_error(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(SpecError, match="folder.yaml: is a folder, expected a regular file"):
        load_mapping(tmp_path / "folder.yaml")
