"""Service templates on disk: ``service_templates/<name>/`` with ``template.yaml`` beside
``cookiecutter.json``. Reading them needs no cookiecutter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..shipped import data_root
from ..errors import NotFoundError, SpecError
from ..model.base import Spec
from ..yamlio import load_yaml, read_text

META_FILE = "template.yaml"
VARIABLES_FILE = "cookiecutter.json"
META_HINT = ("template.yaml has name (the folder name), version (X.Y.Z), kind (web or worker), description "
             "and ci (a list of github, gitlab)")


class TemplateMeta(Spec):
    """template.yaml: what `platform template list|show` says about a template."""

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
        data = read_variables(self.path / VARIABLES_FILE)
        return {k: v for k, v in data.items() if not k.startswith("_")}


def read_variables(path: Path) -> dict[str, Any]:
    """A template's cookiecutter.json: a JSON object of variables and their defaults.
    Anything else is a SpecError naming the file."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=str(path),
                        hint="cookiecutter.json is one JSON object of variable names and their defaults") from None
    except RecursionError:
        raise SpecError(f"{path}: refused to read JSON: nested too deeply", file=str(path)) from None
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise SpecError(f"{path}: top level is {kind}, expected a JSON object of variables and their defaults",
                        file=str(path))
    return data


def template_roots(workspace_root: Path | None = None) -> list[Path]:
    """Folders holding templates: the shipped ones, then the workspace's own ``service_templates/``."""
    roots = [data_root("service_templates")]
    if workspace_root is not None and (workspace_root / "service_templates").is_dir():
        roots.append(workspace_root / "service_templates")
    return roots


def load_template(path: Path) -> TemplateInfo:
    """The template in folder ``path`` (template.yaml and cookiecutter.json checked)."""
    return _load(path)


def _load(path: Path) -> TemplateInfo:
    meta_path = path / META_FILE
    try:
        meta = TemplateMeta.parse(load_yaml(meta_path), source=str(meta_path))
    except SpecError as exc:
        exc.hint = exc.hint if exc.hint and "schemas/" not in exc.hint else META_HINT
        raise
    if meta.name != path.name:
        raise SpecError(f"{meta_path}: name: {meta.name!r} must equal the folder name {path.name!r}", file=str(meta_path))
    if not (path / VARIABLES_FILE).is_file():
        raise SpecError(f"{path}: has {META_FILE} but no {VARIABLES_FILE}", file=str(path))
    read_variables(path / VARIABLES_FILE)  # a broken one is refused before anything uses the template
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
