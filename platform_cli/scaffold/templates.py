"""Service templates on disk: ``service_templates/<name>/`` with ``template.yaml`` beside
``cookiecutter.json``. Reading them needs no cookiecutter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..catalog import data_root
from ..errors import NotFoundError, SpecError
from ..model.base import format_validation_errors
from ..yamlio import load_yaml

META_FILE = "template.yaml"


class TemplateMeta(BaseModel):
    """template.yaml: what `platform template list|show` says about a template."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Template name; must equal the folder name.")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$", description="Template version (semver); recorded in every generated repository.")
    kind: Literal["web", "worker"] = Field(description="Kind of service the template generates.")
    description: str = Field(description="One line on what the template generates.")
    ci: list[Literal["github", "gitlab"]] = Field(min_length=1, description="CI/CD providers the template supports.")


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    version: str
    kind: str
    description: str
    ci: tuple[str, ...]
    path: Path

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "kind": self.kind, "description": self.description,
                "ci": list(self.ci), "path": str(self.path)}

    def variables(self) -> dict[str, Any]:
        """The template's variables and their defaults (from cookiecutter.json), without private ones."""
        data = json.loads((self.path / "cookiecutter.json").read_text(encoding="utf-8"))
        return {k: v for k, v in data.items() if not k.startswith("_")}


def template_roots(workspace_root: Path | None = None) -> list[Path]:
    """Folders holding templates: the shipped ones, then the workspace's own ``service_templates/``."""
    roots = [data_root("service_templates")]
    if workspace_root is not None and (workspace_root / "service_templates").is_dir():
        roots.append(workspace_root / "service_templates")
    return roots


def _load(path: Path) -> TemplateInfo:
    meta_path = path / META_FILE
    data = load_yaml(meta_path)
    if not isinstance(data, dict):
        raise SpecError(f"{meta_path}: expected a mapping with name, version, kind, description, ci", file=str(meta_path))
    try:
        meta = TemplateMeta.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{meta_path}: does not match the template metadata", file=str(meta_path),
                        problems=format_validation_errors(exc, str(meta_path))) from None
    if meta.name != path.name:
        raise SpecError(f"{meta_path}: name: {meta.name!r} must equal the folder name {path.name!r}", file=str(meta_path))
    if not (path / "cookiecutter.json").is_file():
        raise SpecError(f"{path}: has {META_FILE} but no cookiecutter.json", file=str(path))
    return TemplateInfo(meta.name, meta.version, meta.kind, meta.description, tuple(meta.ci), path)


def _candidates(workspace_root: Path | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in template_roots(workspace_root):
        if root.is_dir():
            for meta in sorted(root.glob(f"*/{META_FILE}")):
                found[meta.parent.name] = meta.parent  # later roots override earlier ones
    return found


def list_templates(workspace_root: Path | None = None) -> list[TemplateInfo]:
    return [_load(p) for _, p in sorted(_candidates(workspace_root).items())]


def find_template(name: str, workspace_root: Path | None = None) -> TemplateInfo:
    candidates = _candidates(workspace_root)
    if name not in candidates:
        raise NotFoundError(f"template {name!r} does not exist; expected one of: {', '.join(sorted(candidates)) or 'none'}",
                            hint="`platform template list` shows the templates")
    return _load(candidates[name])
