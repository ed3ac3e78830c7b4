"""Plain-data views of the catalog for `blueprint`, `marketplace` and `market` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Catalog, validate_paths
from ..errors import PlatformError


def list_blueprints(catalog: Catalog) -> dict[str, Any]:
    rows, errors = [], []
    for name, version in catalog.blueprint_refs():
        try:
            bp = catalog.blueprint(f"{name}@{version}")
        except PlatformError as exc:
            errors.append(exc.message)
            continue
        rows.append({"ref": bp.ref, "name": bp.name, "version": bp.version, "description": bp.description,
                     "azs": bp.network.azs, "nat": bp.network.nat, "flow_logs": bp.network.flow_logs,
                     "log_retention_days": bp.baseline.log_retention_days})
    return {"blueprints": rows, "errors": errors + catalog.stray_files()}


def show_blueprint(catalog: Catalog, ref: str) -> dict[str, Any]:
    return catalog.blueprint(ref).model_dump(mode="json")


def validate(catalog: Catalog, paths: list[Path]) -> dict[str, Any]:
    targets = paths or [s for s in catalog.sources if s.is_dir()]
    results = validate_paths(targets)
    return {"files": [{"path": p, "ok": err is None, "error": err} for p, err in results],
            "valid": all(err is None for _, err in results)}


def list_offerings(catalog: Catalog) -> dict[str, Any]:
    rows, errors = [], []
    for name in catalog.offering_names():
        try:
            off = catalog.offering(name)
        except PlatformError as exc:
            errors.append(exc.message)
            continue
        rows.append({"name": off.name, "description": off.description,
                     "plans": [{"name": p.name, "monthly_usd": p.monthly_usd, "paid": p.paid} for p in off.plans]})
    return {"offerings": rows, "errors": errors + catalog.stray_files(under="marketplace")}


def show_offering(catalog: Catalog, name: str) -> dict[str, Any]:
    return catalog.offering(name).model_dump(mode="json")


def list_markets(catalog: Catalog) -> dict[str, Any]:
    m = catalog.markets
    return {"markets": [{"country": x.country, "name": x.name, "region": x.region, "residency": x.residency,
                         "partition": catalog.partition(x.region)} for x in m.markets],
            "regions": [r.model_dump(mode="json") for r in m.regions]}
