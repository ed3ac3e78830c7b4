"""JSON Schemas of the specs, exported into the committed schemas/ folder."""

from __future__ import annotations

import json
from pathlib import Path

from . import ALL_SPECS
from ..files.safe import present, read_text
from ..yamlio import SCHEMA_BASE, write_text_atomic


def render_schemas() -> dict[str, str]:
    """file name -> JSON text for every spec, deterministic."""
    out = {}
    for spec in ALL_SPECS:
        schema = spec.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{SCHEMA_BASE}/{spec.SCHEMA_NAME}.schema.json"
        out[f"{spec.SCHEMA_NAME}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


TEMPLATE_SCHEMA = ".platform/service.schema.json"
"""Where a service template carries the service schema, so a generated repository's
service.yaml references a schema inside the repository itself."""


def template_schema_paths(templates: Path) -> list[Path]:
    """The service schema copy of every template under ``templates``."""
    return sorted(p / TEMPLATE_SCHEMA for p in templates.glob("*/{{cookiecutter.*}}") if p.is_dir())


def export_schemas(folder: Path, *, check: bool = False, templates: Path | None = None) -> list[str]:
    """Write the schemas (and, with ``templates``, each template's service schema copy);
    with check, write nothing and return the stale file names."""
    rendered = render_schemas()
    targets = [(folder / name, name, text) for name, text in rendered.items()]
    if templates is not None:
        service = rendered["service.schema.json"]
        targets += [(p, str(p.relative_to(templates)), service) for p in template_schema_paths(templates)]
    stale = []
    for path, name, text in targets:
        current = read_text(path) if present(path) else None  # a FIFO or a folder there is named
        if current != text:
            stale.append(name)
            if not check:
                write_text_atomic(path, text)
    return stale
