"""Where the data shipped with the platform lives: blueprints, service templates, schemas.

A leaf module (no imports of the platform), so readers and writers of files can find the
shipped folders without importing the catalog and its models."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_root(kind: str) -> Path:
    """Folder of shipped data (``blueprints``, ``service_templates``, ``schemas``), in a wheel or a checkout."""
    packaged = _PKG / "_data" / kind
    if packaged.is_dir():
        return packaged
    return _PKG.parent / kind
