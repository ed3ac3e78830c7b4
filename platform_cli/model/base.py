"""Base class and shared field types of every spec a person writes."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError, ValidationInfo, field_validator

from ..errors import SpecError
from ..planning.ci_repos import CI_REPO_PATTERN

DNS_NAME = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$"

Name = Annotated[str, StringConstraints(pattern=DNS_NAME)]
"""A DNS-safe name: lowercase letters, digits and hyphens, 2 to 32 characters."""

REGION_PATTERN = r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$"
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
"""An AWS region code such as eu-central-1."""

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code such as DE."""

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
DOMAIN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
Domain = Annotated[str, StringConstraints(pattern=DOMAIN, max_length=253)]
"""A DNS name in lowercase, e.g. payments.example.com."""
HostedZoneId = Annotated[str, StringConstraints(pattern=r"^Z[A-Z0-9]{1,32}$")]
"""A Route 53 hosted zone id, e.g. Z0123456789ABCDEFGHIJ."""

Repo = Annotated[str, StringConstraints(pattern=CI_REPO_PATTERN, max_length=255)]
"""A CI repository with its provider: github:OWNER/REPO, gitlab:GROUP/PROJECT (groups may nest: GROUP/SUB/PROJECT),
or a bare OWNER/REPO, which is GitHub (see planning.ci_repos); no part is only dots."""

def _not_a_bool(value: Any) -> Any:
    """``true`` is not the number 1 (Python's bool is an int, so a Literal[1] alone would take it)."""
    if isinstance(value, bool):
        raise ValueError(f"expected the number 1, found {str(value).lower()}")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_not_a_bool)]
"""The version of a file's format: the number 1 (not ``true``)."""

MULTILINE_FIELDS = frozenset({"description"})
"""Fields whose text may span lines (newline and tab allowed); no other control character anywhere."""


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control, format or line/paragraph separator character in ``text``, as U+XXXX, or None.

    Such characters end up in tags, resource names and generated files, where they break
    YAML, logs, terminals and AWS's own validation."""
    if text.isprintable():  # printable text holds none of them (the common case, checked at C speed)
        return None
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            return f"U+{ord(ch):04X}"
    return None


def _tag_value(v: str) -> str:
    """AWS tag values: letters, digits, spaces and _ . : / = + - @ only, up to 256 characters."""
    for ch in v:
        if not (ch in "_.:/=+-@ " or unicodedata.category(ch)[0] in "LN"):
            raise ValueError(f"{v!r} cannot be an AWS tag value: character {ch!r} (U+{ord(ch):04X}) is not allowed; "
                             "expected letters, digits, spaces and _ . : / = + - @")
    if v != v.strip():
        raise ValueError(f"{v!r} starts or ends with a space")
    return v


TagValue = Annotated[str, StringConstraints(max_length=256), AfterValidator(_tag_value)]
"""Text that becomes an AWS tag value."""

M = TypeVar("M", bound="Spec")


class Spec(BaseModel):
    """Every spec: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=False, strict=True)

    SCHEMA_NAME: ClassVar[str] = ""  # file name stem of the exported JSON Schema

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        """Every string of every spec, keys included, is free of control characters."""
        if isinstance(value, str) and value.isprintable():  # no Cc, Cf, Zl, Zp or Cs character in it
            return value
        if not isinstance(value, (str, dict, list, tuple)):  # a number, a CIDR, a nested spec: no text here
            return value
        multiline = info.field_name in MULTILINE_FIELDS
        for where, text in _strings(value):
            bad = control_character(text, multiline=multiline)
            if bad:
                allowed = " (newline and tab are allowed here)" if multiline else ""
                raise ValueError(f"{where}{_short(text)} contains the control character {bad}{allowed}; "
                                 "expected printable text")
        return value

    @classmethod
    def parse(cls: type[M], data: Any, *, source: str) -> M:
        """Validate ``data`` read from ``source``; errors name the file and field path."""
        if data is None:
            raise SpecError(f"{source}: file is empty, expected a {cls.__name__} mapping", file=source)
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
            raise SpecError(f"{source}: top level is {kind}, expected a mapping", file=source)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SpecError(
                f"{source}: does not match the {cls.__name__} spec",
                file=source,
                problems=format_validation_errors(exc, source),
                hint=f"see schemas/{cls.SCHEMA_NAME}.schema.json for every field",
            ) from None

    @classmethod
    def load(cls: type[M], path: Path) -> M:
        from ..yamlio import load_yaml

        return cls.parse(load_yaml(path), source=str(path))

    def to_data(self) -> dict[str, Any]:
        """Plain data in field order, without unset defaults that equal None."""
        return self.model_dump(mode="json", exclude_none=True)


def _strings(value: Any, where: str = ""):
    """(location prefix, text) of every string in plain data (not inside nested specs)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, f"{where}key ")
            yield from _strings(v, f"{where}{k}: ")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}item {i}: ")


def plain(doc: Any) -> Any:
    """A ruamel (or any JSON-shaped) document as plain dicts, lists and scalars, for validation."""
    import json

    return json.loads(json.dumps(doc))


def format_validation_errors(exc: ValidationError, source: str) -> list[str]:
    """Pydantic errors as ``file: path.to.field: message`` lines."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "value_error":
            msg = msg.removeprefix("Value error, ")
        elif err["type"] == "extra_forbidden":
            msg = "unknown key (misspelled?); it is not part of the spec"
        elif err["type"] == "literal_error" and err["loc"] and err["loc"][-1] == "schema_version":
            msg = f"unsupported schema_version {_short(err.get('input'))}: {msg}"
        elif err["type"] == "string_pattern_mismatch":
            msg = f"{_short(err.get('input'))} {_pattern_meaning(err['ctx'].get('pattern', ''))}"
        lines.append(f"{source}: {loc}: {msg}")
    return lines


def _short(value: Any, limit: int = 80) -> str:
    """A bounded rendering of a bad value: scalars quoted and cut, containers by kind only."""
    if value is None or isinstance(value, (str, int, float, bool)):
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    return f"a {type(value).__name__}"


def _pattern_meaning(pattern: str) -> str:
    if pattern == DNS_NAME:
        return "is not a DNS-safe name: expected 2-32 lowercase letters, digits and hyphens, not starting or ending with a hyphen"
    if "gov" in pattern:
        return "is not an AWS region code such as eu-central-1"
    if pattern == r"^[A-Z]{2}$":
        return "is not a two-letter country code such as DE"
    if pattern.endswith("@[1-9][0-9]*$"):
        return "is not a blueprint reference: expected NAME@VERSION such as standard@1"
    if pattern == CI_REPO_PATTERN:
        return ("is not a repository: expected github:OWNER/REPO, gitlab:GROUP/PROJECT (groups may nest: "
                "GROUP/SUB/PROJECT) or OWNER/REPO for GitHub, of letters, digits and _ . -, no part only dots")
    if "@" in pattern:
        return "is not an email address"
    return f"does not match the pattern {pattern}"
