"""Base class and shared field types of every spec a person writes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from ..errors import SpecError

DNS_NAME = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$"

Name = Annotated[str, StringConstraints(pattern=DNS_NAME)]
"""A DNS-safe name: lowercase letters, digits and hyphens, 2 to 32 characters."""

Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$")]
"""An AWS region code such as eu-central-1."""

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code such as DE."""

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

Repo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$")]
"""A CI repository as OWNER/REPO (GitLab groups may nest: GROUP/SUB/REPO)."""

M = TypeVar("M", bound="Spec")


class Spec(BaseModel):
    """Every spec: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=False)

    SCHEMA_NAME: ClassVar[str] = ""  # file name stem of the exported JSON Schema

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


def format_validation_errors(exc: ValidationError, source: str) -> list[str]:
    """Pydantic errors as ``file: path.to.field: message`` lines."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
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
    if "@" in pattern:
        return "is not an email address"
    return f"does not match the pattern {pattern}"
