"""The workspace's monthly cost: every space unit and every known service's units, rendered
offline (one process pool for all of them), priced as `space plan` and `service plan` price
them, and summed by team, environment or offering.

An offering is a marketplace offering for a binding's line (postgres, queue, ...), ``space``
for what a team space's units run (network, keys, logs, registry, cluster, budget) and
``service`` for a service's own resources (tasks, load balancer, logs, secrets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import PlatformError, UsageError
from ..planning.names import parse_unit
from ..plans import PlanResult, UnitPlan, plan_units, service_targets, space_targets
from ..workspace import WorkspaceContext
from .inventory import Inventory, read_inventory

GROUPINGS = ("team", "env", "offering")


@dataclass
class WorkspacePlan:
    """Every unit's offline plan, and the units that could not be planned (with why)."""

    inventory: Inventory
    plan: PlanResult
    errors: list[str] = field(default_factory=list)

    def units_of(self, team: str) -> list[UnitPlan]:
        return [u for u in self.plan.units if parse_unit(u.unit)["team"] == team]


def cost_rows(unit: UnitPlan) -> list[dict[str, Any]]:
    """One row per priced line of a unit: team, env, kind, service, offering, item, amount."""
    p = parse_unit(unit.unit)
    rows = []
    for line in unit.cost_lines:
        offering = line.get("offering") or ("space" if p["kind"] == "space" else "service")
        rows.append({"unit": unit.unit, "team": p["team"], "env": p["env"], "region": p["region"], "kind": p["kind"],
                     "service": p.get("service"), "offering": offering, "item": line["item"],
                     "amount_usd": line["amount_usd"]})
    return rows


def plan_workspace(ws: WorkspaceContext, *, workers: int | None = None, inventory: Inventory | None = None,
                   planned: list[UnitPlan] | None = None) -> WorkspacePlan:
    """Render and price every unit of the workspace offline. A space or service whose inputs
    cannot be built is reported in ``errors`` and left out; it does not stop the others.

    ``planned``: unit plans this process has just made from the same files (the quickstart's
    space and service plans); those units are not rendered again."""
    from ..render.inputs import build_unit_inputs

    inv = inventory or read_inventory(ws)
    errors = list(inv.errors)
    inputs = []
    for space in inv.spaces:
        try:
            inputs.extend(build_unit_inputs(ws, t) for t in space_targets(ws, space.team))
        except PlatformError as exc:
            errors.append(f"space {space.team} not planned: {exc.message}")
    for svc in inv.services:
        if svc.path is None:
            continue
        for env in svc.environments:
            try:
                inputs.extend(build_unit_inputs(ws, t) for t in service_targets(ws, svc.path.parent, env))
            except PlatformError as exc:
                errors.append(f"service {svc.name} ({svc.team}) {env} not planned: {exc.message}")
    known = {u.unit: u for u in planned or []}
    fresh = plan_units(ws, [i for i in inputs if i.unit not in known], workers).units
    by_unit = {**known, **{u.unit: u for u in fresh}}
    return WorkspacePlan(inventory=inv, plan=PlanResult(units=[by_unit[i.unit] for i in inputs]), errors=errors)


def summarise(units: list[UnitPlan], by: str) -> list[dict[str, Any]]:
    """Monthly cost per value of BY, largest first. By team or env the units' own totals are
    summed (the figures `space plan` and `service plan` print); by offering, their lines."""
    if by not in GROUPINGS:
        raise UsageError(f"--by {by!r}: expected one of {', '.join(GROUPINGS)}")
    totals: dict[str, float] = {}
    members: dict[str, set[str]] = {}
    for u in units:
        if by in ("team", "env"):
            key = parse_unit(u.unit)[by]
            totals[key] = totals.get(key, 0.0) + u.monthly_cost_usd
            members.setdefault(key, set()).add(u.unit)
            continue
        for r in cost_rows(u):
            totals[r[by]] = totals.get(r[by], 0.0) + r["amount_usd"]
            members.setdefault(r[by], set()).add(u.unit)
    return [{by: k, "units": len(members[k]), "monthly_cost_usd": round(v, 2)}
            for k, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def total_usd(units: list[UnitPlan]) -> float:
    return round(sum(u.monthly_cost_usd for u in units), 2)


def workspace_cost(ws: WorkspaceContext, by: str = "team", *, workers: int | None = None,
                   planned: WorkspacePlan | None = None) -> dict[str, Any]:
    """The workspace's monthly cost grouped BY team, env or offering (``platform cost``)."""
    if by not in GROUPINGS:
        raise UsageError(f"--by {by!r}: expected one of {', '.join(GROUPINGS)}")
    planned = planned or plan_workspace(ws, workers=workers)
    units = planned.plan.units
    return {"by": by, "rows": summarise(units, by), "units": len(units), "total_usd": total_usd(units),
            "errors": planned.errors}
