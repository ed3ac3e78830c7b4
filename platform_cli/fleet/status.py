"""`platform fleet status`: spaces per blueprint version, the adoption of each latest version over time,
and the spaces that fell behind."""

from __future__ import annotations

from typing import Any

from ..model import Space
from ..workspace import WorkspaceContext
from .events import UpgradeEvent, read_event_records


def percent(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def adoption(spaces: list[Space], name: str, version: int) -> dict[str, Any]:
    """How many spaces of blueprint NAME are on VERSION: ``{blueprint, on, total, percent}``."""
    mine = [s for s in spaces if s.blueprint_name == name]
    on = sum(1 for s in mine if s.blueprint_version == version)
    return {"blueprint": f"{name}@{version}", "on": on, "total": len(mine), "percent": percent(on, len(mine))}


def adoption_history(events: list[UpgradeEvent], name: str) -> list[dict[str, Any]]:
    """The adoption after each recorded upgrade step to a version of blueprint NAME, oldest first:
    ``[{time, blueprint, moved, on, total, percent}]``."""
    out = []
    for e in events:
        if e.action != "upgrade" or not e.to.startswith(f"{name}@"):
            continue
        a = e.adoption_after
        out.append({"time": e.time.isoformat(timespec="seconds"), "blueprint": e.to,
                    "moved": [str(u.get("team")) for u in e.upgraded], "on": a.on, "total": a.total,
                    "percent": a.percent})
    return out


def versions_behind(version: int, known: list[int]) -> int:
    """How many versions of the catalog are newer than VERSION."""
    return sum(1 for v in known if v > version)


def fleet_status(ws: WorkspaceContext) -> dict[str, Any]:
    """Per blueprint name: spaces per version, adoption of the latest version and its history (from the
    upgrade events), the spaces behind by more than one version, every space.

    ``{"blueprints": [{name, latest, total, on_latest, adoption_percent, versions, history, behind, spaces}],
    "behind": [{team, blueprint, latest, versions_behind}], "total_spaces": N,
    "errors": [message of each unreadable space file or event line]}``
    """
    spaces, broken = ws.spaces()
    events, event_errors = read_event_records(ws)
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
        behind = [{"team": s.team, "blueprint": s.blueprint, "latest": f"{name}@{latest}",
                   "versions_behind": versions_behind(s.blueprint_version, known)}
                  for s in mine if versions_behind(s.blueprint_version, known) > 1]
        rows.append({
            "name": name,
            "latest": f"{name}@{latest}" if latest else None,
            "total": len(mine),
            "on_latest": on_latest,
            "adoption_percent": percent(on_latest, len(mine)) if latest else None,
            "versions": {f"{name}@{v}": n for v, n in sorted(versions.items())},
            "history": adoption_history(events, name),
            "behind": behind,
            "spaces": [{"team": s.team, "blueprint": s.blueprint, "version": s.blueprint_version,
                        "latest": s.blueprint_version == latest, "known": s.blueprint_version in known,
                        "versions_behind": versions_behind(s.blueprint_version, known)}
                       for s in mine],
        })
    return {"blueprints": rows, "behind": [b for r in rows for b in r["behind"]], "total_spaces": len(spaces),
            "errors": [e.message for e in broken] + event_errors + ws.catalog.stray_files()}
