"""Reading and writing the YAML files people edit, safely.

* :func:`load_yaml` reads with YAML 1.2 booleans (``NO`` stays the string for Norway), a
  size limit, a nesting limit and an alias limit, so a hostile or accidental file cannot
  hang the CLI or exhaust memory. Every failure is a :class:`SpecError` naming the file.
* :func:`write_text_atomic` writes through a temporary file and a rename, so a reader
  never sees half a file.
* :func:`dump_spec` writes a model-shaped mapping with the ``yaml-language-server``
  schema comment on top.
* :class:`RoundTrip` edits a file keeping comments and key order (ruamel.yaml);
  ``RoundTrip(path, multi=True)`` edits every document of a multi-document file.
* :func:`parse_yaml_all` reads every document of a multi-document file with the same limits.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .files.safe import MAX_BYTES, access_error, read_bytes, read_text, write_text_atomic  # noqa: F401 (the API of this module)

MAX_DEPTH = 64
MAX_ALIASES = 200
MAX_NODES = 100_000
SCHEMA_BASE = "https://platform.example.dev/schemas"


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and limits on depth and aliases."""

    _depth = 0
    _aliases = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _LimitExceeded(f"more than {MAX_ALIASES} aliases (possible alias bomb)")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _LimitExceeded(f"nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        """A key given twice in one mapping is an error (PyYAML keeps the last silently)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the constructor reports it
                    continue
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice (first at line {first.start_mark.line + 1}); "
                        "a duplicate key is ambiguous, keep one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)

    def get_single_node(self):  # type: ignore[override]
        node = super().get_single_node()
        if node is not None:
            _check_expanded_size(node)
        return node


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand to more than MAX_NODES values.

    A few aliases of aliases (a "billion laughs" document) compose to a small graph
    but expand to billions of values for anything that walks it (validation, repr,
    JSON). Sizes are memoised per node, so this check itself stays linear.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a recursive alias counts once instead of looping
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > MAX_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v)
                if total > MAX_NODES:
                    break
        sizes[key] = total
        return total

    if size(root) > MAX_NODES:
        raise _LimitExceeded(f"it expands to more than {MAX_NODES} values (aliases of aliases: possible alias bomb)")


class _LimitExceeded(Exception):
    pass


# YAML 1.2 core schema booleans only: yes/no/on/off stay strings (country code NO).
_LimitedLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _limited_size(text: str, source: str) -> None:
    if len(text) > MAX_BYTES:
        raise SpecError(f"{source}: file is larger than {MAX_BYTES // 1024} KiB", file=source)


@contextlib.contextmanager
def _reading(source: str) -> Iterator[None]:
    """Turn the loader's refusals and YAML errors into one SpecError naming ``source``."""
    try:
        yield
    except _LimitExceeded as exc:
        raise SpecError(f"{source}: refused to read YAML: {exc}", file=source) from None
    except RecursionError:
        raise SpecError(f"{source}: refused to read YAML: nested too deeply", file=source) from None
    except yaml.YAMLError as exc:
        raise _not_valid_yaml(exc, source) from None


def _not_valid_yaml(exc: Exception, source: str) -> SpecError:
    """A YAML error (PyYAML's or ruamel's: both carry problem and problem_mark) as a SpecError."""
    where = ""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        where = f" at line {mark.line + 1}, column {mark.column + 1}"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return SpecError(f"{source}: not valid YAML{where}: {problem}", file=source,
                     hint="check indentation and quoting; a tab is not allowed for indentation")


def parse_yaml(text: str, *, source: str) -> Any:
    """Parse YAML text with the limits above; ``source`` names the file in errors."""
    _limited_size(text, source)
    with _reading(source):
        loader = _LimitedLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


def parse_yaml_all(text: str, *, source: str) -> list[Any]:
    """Every document of a multi-document YAML text (``---`` separated), with the limits of
    :func:`parse_yaml`; ``source`` names the file in errors."""
    _limited_size(text, source)
    docs: list[Any] = []
    with _reading(source):
        loader = _LimitedLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    _check_expanded_size(node)
                docs.append(loader.construct_document(node))
        finally:
            loader.dispose()
    return docs


def load_yaml(path: Path) -> Any:
    """Read and parse one YAML file."""
    return parse_yaml(read_text(path), source=str(path))


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file whose top level must be a mapping."""
    data = load_yaml(path)
    if data is None:
        raise SpecError(f"{path}: file is empty, expected a YAML mapping", file=str(path))
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise SpecError(f"{path}: top level is {kind}, expected a mapping of keys", file=str(path))
    return data


def schema_comment(schema_name: str, *, for_file: Path, schemas_dir: Path | None = None) -> str:
    """The first line of a file the platform writes, so editors complete it.

    The schema is referenced by a path relative to the file: the workspace's ``schemas/``
    folder (written by ``platform init`` and ``platform schema export``), else the folder
    shipped with the platform.
    """
    if schemas_dir is None:
        from .shipped import data_root

        schemas_dir = data_root("schemas")
    target = Path(os.path.relpath(schemas_dir / f"{schema_name}.schema.json", for_file.parent))
    return f"# yaml-language-server: $schema={target.as_posix()}\n"


def dump_yaml(data: Any) -> str:
    """Block-style YAML with keys in the given order."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump_spec(path: Path, data: dict[str, Any], *, schema_name: str, schemas_dir: Path | None = None) -> None:
    """Write a spec atomically with its schema comment on top."""
    write_text_atomic(path, schema_comment(schema_name, for_file=path, schemas_dir=schemas_dir) + dump_yaml(data))


def _guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, offset of "- " inside a sequence) as the file uses them; (2, 2) by default."""
    mapping = offset = None
    prev_key_indent: int | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        col = len(line) - len(stripped)
        if prev_key_indent is not None:
            if stripped.startswith("- ") and offset is None:
                offset = col - prev_key_indent
            elif not stripped.startswith("- ") and mapping is None and col > prev_key_indent:
                mapping = col - prev_key_indent
        prev_key_indent = col if stripped.rstrip().endswith(":") else None
        if mapping is not None and offset is not None:
            break
    mapping = mapping if mapping and mapping > 0 else 2
    offset = offset if offset is not None and 0 <= offset < 8 else 2
    return mapping, offset


class RoundTrip:
    """Edit a YAML file keeping comments and order: ``with RoundTrip(p) as doc: doc[...] = ...``.

    The file is parsed with the safe limits first, then with ruamel.yaml for the edit; the
    result is written atomically only when the block finishes without an exception.

    With ``multi=True`` the file may hold several ``---`` separated documents: ``doc`` is
    the list of them (add, remove or edit documents in it), written back as one file.

    To change two files together, edit without the ``with`` block: ``doc = rt.load()``,
    edit, ``text = rt.render()`` for each file, then write the texts once every edit
    succeeded.
    """

    def __init__(self, path: Path, *, multi: bool = False) -> None:
        from ruamel.yaml import YAML

        self.path = path
        self.multi = multi
        self._yaml = YAML(typ="rt")
        self._yaml.preserve_quotes = True
        # line endings are kept by write_text_atomic; the edit itself works on "\n"
        self._text = read_text(path).replace("\r\n", "\n")
        self.original = self._text
        if multi:
            parse_yaml_all(self._text, source=str(path))
        else:
            parse_yaml(self._text, source=str(path))
        # keep the file's own indentation, so an edit changes only the edited lines
        indent, offset = _guess_indent(self._text)
        self._yaml.indent(mapping=indent, sequence=offset + 2, offset=offset)
        self.doc: Any = None

    def load(self) -> Any:
        """The parsed document (a list of documents with ``multi=True``), to edit in place."""
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        try:
            if self.multi:
                self.doc = list(self._yaml.load_all(self._text))
            else:
                self.doc = self._yaml.load(self._text)
        except MarkedYAMLError as exc:  # e.g. a key given twice, which the safe reader lets pass
            raise _not_valid_yaml(exc, str(self.path)) from None
        except YAMLError as exc:
            raise SpecError(f"{self.path}: not valid YAML: {exc}", file=str(self.path)) from None
        return self.doc

    def __enter__(self) -> Any:
        return self.load()

    def render(self) -> str:
        buf = io.StringIO()
        if self.multi:
            self._yaml.dump_all(self.doc, buf)
        else:
            self._yaml.dump(self.doc, buf)
        return buf.getvalue()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            write_text_atomic(self.path, self.render())
