"""JSON Schemas of the specs, exported into the committed schemas/ folder."""

from __future__ import annotations

import json
from pathlib import Path

from . import ALL_SPECS
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


def export_schemas(folder: Path, *, check: bool = False) -> list[str]:
    """Write the schemas; with check, write nothing and return the stale file names."""
    stale = []
    for name, text in render_schemas().items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not check:
                write_text_atomic(path, text)
    return stale
