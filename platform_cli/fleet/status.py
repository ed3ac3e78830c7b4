"""`platform fleet status`: spaces per blueprint version and the adoption of each latest version."""

from __future__ import annotations

from typing import Any

from ..model import Space
from ..workspace import WorkspaceContext


def percent(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def adoption(spaces: list[Space], name: str, version: int) -> dict[str, Any]:
    """How many spaces of blueprint NAME are on VERSION: ``{blueprint, on, total, percent}``."""
    mine = [s for s in spaces if s.blueprint_name == name]
    on = sum(1 for s in mine if s.blueprint_version == version)
    return {"blueprint": f"{name}@{version}", "on": on, "total": len(mine), "percent": percent(on, len(mine))}


def fleet_status(ws: WorkspaceContext) -> dict[str, Any]:
    """Per blueprint name: spaces per version, adoption of the latest version, every space.

    ``{"blueprints": [{name, latest, total, on_latest, adoption_percent, versions, spaces}],
    "total_spaces": N, "errors": [message of each unreadable space file]}``
    """
    spaces, broken = ws.spaces()
    catalog_versions: dict[str, list[int]] = {}
    for name, version in ws.catalog.blueprint_refs():
        catalog_versions.setdefault(name, []).append(version)
    names = sorted({s.blueprint_name for s in spaces})
    rows = []
    for name in names:
        mine = sorted((s for s in spaces if s.blueprint_name == name), key=lambda s: s.team)
        known = catalog_versions.get(name, [])
        latest = max(known) if known else None
        versions = {v: 0 for v in known}
        for s in mine:
            versions[s.blueprint_version] = versions.get(s.blueprint_version, 0) + 1
        on_latest = sum(1 for s in mine if s.blueprint_version == latest)
        rows.append({
            "name": name,
            "latest": f"{name}@{latest}" if latest else None,
            "total": len(mine),
            "on_latest": on_latest,
            "adoption_percent": percent(on_latest, len(mine)) if latest else None,
            "versions": {f"{name}@{v}": n for v, n in sorted(versions.items())},
            "spaces": [{"team": s.team, "blueprint": s.blueprint, "version": s.blueprint_version,
                        "latest": s.blueprint_version == latest, "known": s.blueprint_version in known}
                       for s in mine],
        })
    return {"blueprints": rows, "total_spaces": len(spaces),
            "errors": [e.message for e in broken] + ws.catalog.stray_files()}
