"""The YAML reader's limits at their exact values, in single and multi-document files, and file modes
kept when the platform rewrites a file."""

from __future__ import annotations

import os
import stat

import pytest

from platform_cli import yamlio
from platform_cli.errors import SpecError
from platform_cli.yamlio import RoundTrip, dump_spec, parse_yaml, parse_yaml_all, write_text_atomic


def aliases(n: int) -> str:
    """A document with exactly ``n`` aliases."""
    return "a: &a x\nb: [" + ", ".join(["*a"] * n) + "]\n"


def nested(depth: int) -> str:
    """A document whose nodes nest exactly ``depth`` levels (the outermost list is level 1)."""
    return "[" * depth + "]" * depth + "\n"


def wide(nodes: int) -> str:
    """A document of exactly ``nodes`` nodes: one list and nodes - 1 scalars."""
    return "[" + ", ".join(["1"] * (nodes - 1)) + "]\n"


def bomb(levels: int = 7) -> str:
    """Aliases of aliases: a few lines that expand to 10**levels values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("make, limit, refusal", [
    (aliases, yamlio.MAX_ALIASES, "more than 200 aliases"),
    (nested, yamlio.MAX_DEPTH, "nested deeper than 64 levels"),
    (wide, yamlio.MAX_NODES, "expands to more than 100000 values"),
])
def test_each_limit_holds_at_its_exact_value(make, limit, refusal):
    assert parse_yaml(make(limit), source="x.yaml") is not None
    with pytest.raises(SpecError, match=refusal) as info:
        parse_yaml(make(limit + 1), source="x.yaml")
    assert info.value.file == "x.yaml"


def test_the_limits_are_the_documented_values():
    assert (yamlio.MAX_ALIASES, yamlio.MAX_DEPTH, yamlio.MAX_NODES, yamlio.MAX_BYTES) == (200, 64, 100_000, 2 * 1024 * 1024)


def test_size_limit_at_its_exact_value():
    exact = "a: " + "x" * (yamlio.MAX_BYTES - len("a: ") - 1) + "\n"
    assert len(exact) == yamlio.MAX_BYTES
    assert parse_yaml(exact, source="x.yaml") == {"a": "x" * (yamlio.MAX_BYTES - 4)}
    with pytest.raises(SpecError, match="larger than 2048 KiB"):
        parse_yaml(exact + "\n", source="x.yaml")


def test_expansion_counts_what_aliases_expand_to():
    # 10 ** 4 values expand from a few lines: accepted; 10 ** 5 is over the limit
    assert parse_yaml(bomb(3), source="x.yaml")["a3"][0][0][0] == ["x"] * 10
    with pytest.raises(SpecError, match="alias bomb"):
        parse_yaml(bomb(5), source="x.yaml")


@pytest.mark.parametrize("position", [0, 2])
@pytest.mark.parametrize("make, limit, refusal", [
    (aliases, yamlio.MAX_ALIASES, "aliases"),
    (nested, yamlio.MAX_DEPTH, "nested deeper"),
    (wide, yamlio.MAX_NODES, "expands to more than"),
    (lambda n: bomb(6), None, "alias bomb"),
])
def test_every_document_of_a_multi_document_file_is_limited(position, make, limit, refusal):
    docs = ["kind: first\n", "kind: second\n", "kind: third\n"]
    at_limit = list(docs)
    if limit is not None:
        at_limit[position] = make(limit)
        assert len(parse_yaml_all("---\n".join(at_limit), source="multi.yaml")) == 3
    over = list(docs)
    over[position] = make((limit or 0) + 1)
    with pytest.raises(SpecError, match=refusal):
        parse_yaml_all("---\n".join(over), source="multi.yaml")


def test_a_round_trip_edit_of_a_multi_document_file_is_limited_too(tmp_path):
    path = tmp_path / "catalog-info.yaml"
    path.write_text("kind: Component\n---\n" + bomb(6))
    with pytest.raises(SpecError, match="alias bomb"):
        RoundTrip(path, multi=True)
    assert path.read_text().startswith("kind: Component")


# modes kept on rewrite ----------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o664, 0o755])
def test_rewrites_keep_the_mode_of_the_file(tmp_path, mode):
    path = tmp_path / "service.yaml"
    path.write_text("name: api\nport: 8080\n")
    os.chmod(path, mode)
    write_text_atomic(path, "name: api\nport: 9090\n")
    assert _mode(path) == mode and path.read_text().endswith("9090\n")
    dump_spec(path, {"name": "api", "port": 7070}, schema_name="service")
    assert _mode(path) == mode
    with RoundTrip(path) as doc:
        doc["port"] = 6060
    assert _mode(path) == mode and "6060" in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["service.yaml"]  # no temp file left


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "new.yaml", "a: 1\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.yaml") == expected


def test_an_explicit_mode_wins(tmp_path):
    path = tmp_path / "passphrase"
    path.write_text("old\n")
    os.chmod(path, 0o644)
    write_text_atomic(path, "new\n", mode=0o600)
    assert _mode(path) == 0o600


def test_a_space_rewritten_by_add_region_keeps_its_mode(payments):
    from platform_cli.spaces import add_region
    from platform_cli.workspace import WorkspaceContext

    path = payments.space_path("payments")
    os.chmod(path, 0o640)
    ws = WorkspaceContext.open(payments.root)
    add_region(ws, "payments", "prod", "JP")
    assert _mode(path) == 0o640
    assert "ap-northeast-1" in path.read_text()
