"""What the report shows, gathered from the workspace as plain data (the page is drawn from it).

Every section works on a fresh workspace: it is empty and says so. A file that cannot be
read (space, service, journal, fleet event) is named in ``errors`` and left out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ...errors import PlatformError
from ...planning.names import parse_unit
from ...planning.waves import serving_region
from ...workspace import WorkspaceContext
from ..costs import GROUPINGS, WorkspacePlan, cost_rows, plan_workspace, summarise, total_usd
from ..inventory import read_inventory

ROLLOUTS_SHOWN = 8
DORA_WEEKS = 8


def fleet_events(ws: WorkspaceContext, errors: list[str]) -> list[Any]:
    """Upgrade events of the fleet, oldest first; a damaged line is reported and skipped."""
    from ...fleet import read_event_records

    events, problems = read_event_records(ws)
    errors.extend(problems)
    return events


def fleet_section(ws: WorkspaceContext, errors: list[str]) -> dict[str, Any]:
    from ...fleet import fleet_status

    status = fleet_status(ws)
    events = fleet_events(ws, errors)
    upgrades = [e for e in events if e.action == "upgrade"]
    cohorts = [{"time": e.time.isoformat(timespec="seconds"), "to": e.to, "teams": [u.get("team") for u in e.upgraded],
                "on": e.adoption_after.on, "total": e.adoption_after.total, "percent": e.adoption_after.percent}
               for e in upgrades]
    first = upgrades[0].adoption_before if upgrades else None
    start = {"to": upgrades[0].to, "percent": first.percent} if first else None
    return {"blueprints": status["blueprints"], "total_spaces": status["total_spaces"], "cohorts": cohorts,
            "start": start}


def map_section(ws: WorkspaceContext, spaces: list) -> dict[str, Any]:
    """Per region: units per environment, and the countries the workspace serves from it."""
    markets = ws.catalog.markets
    regions: dict[str, dict[str, Any]] = {}
    for space in spaces:
        for env, e in space.environments.items():
            for region in e.regions:
                r = regions.setdefault(region, {"region": region, "envs": {}, "countries": {}, "teams": set()})
                r["envs"][env] = r["envs"].get(env, 0) + 1
                r["teams"].add(space.team)
            for country in e.markets:
                market = markets.market(country)
                if market is None:
                    continue
                served_from = serving_region(market, e.regions)
                if served_from in regions:
                    regions[served_from]["countries"][market.country] = market.name
    out = []
    for code in sorted(regions):
        r = regions[code]
        info = markets.region(code)
        out.append({"region": code, "name": info.name if info else code, "envs": dict(sorted(r["envs"].items())),
                    "units": sum(r["envs"].values()), "teams": sorted(r["teams"]),
                    "countries": dict(sorted(r["countries"].items()))})
    envs = sorted({env for r in out for env in r["envs"]})
    return {"regions": out, "envs": envs}


def space_section(ws: WorkspaceContext, space, planned: WorkspacePlan) -> dict[str, Any]:
    units = {u.unit: u for u in planned.units_of(space.team)}
    rows = []
    for env, region in space.units():
        unit = f"space/{space.team}/{env}/{region}"
        p = units.get(unit)
        account = space.account(env)
        rows.append({"env": env, "region": region, "cidr": str(space.cidr(env, region) or ""),
                     "account": (account.account_id + ("" if account.state == "active" else f" ({account.state})"))
                     if account is not None else None,
                     "resources": len(p.resources) if p else None,
                     "mandatory": sum(f.severity == "mandatory" for f in p.findings) if p else None,
                     "advisory": sum(f.severity == "advisory" for f in p.findings) if p else None,
                     "monthly_cost_usd": p.monthly_cost_usd if p else None})
    by_what: dict[tuple[str, str], float] = {}
    for u in units.values():
        for r in cost_rows(u):
            what = r["service"] or "team space"
            part = r["item"] if r["offering"] not in ("space", "service") else "own resources"
            by_what[(what, part)] = by_what.get((what, part), 0.0) + r["amount_usd"]
    costs = [{"what": w, "part": p, "monthly_cost_usd": round(v, 2)} for (w, p), v in sorted(by_what.items())]
    findings = [{"unit": u.unit, "severity": f.severity, "policy": f.policy, "resource": f.resource,
                 "message": f.message} for u in units.values() for f in u.findings]
    return {"team": space.team, "description": space.description, "blueprint": space.blueprint,
            "owners": list(space.owners), "cost_center": space.cost_center,
            "environments": {env: list(e.regions) for env, e in space.environments.items()},
            "units": rows, "costs": costs, "findings": findings,
            "accounts": any(r["account"] for r in rows),
            "total_usd": round(sum(u.monthly_cost_usd for u in units.values()), 2)}


def rollouts_section(ws: WorkspaceContext, errors: list[str]) -> list[dict[str, Any]]:
    """The latest rollouts, newest first: waves, units by region, gates and failures."""
    from ...rollout.journal import Journal, rollouts_dir

    folder = rollouts_dir(ws.local_dir)
    out = []
    for rid in reversed(Journal.list_ids(folder)):
        if len(out) == ROLLOUTS_SHOWN:
            break
        journal = Journal(folder / f"{rid}.jsonl")
        try:
            st = journal.state()
            records = journal.records()
        except PlatformError as exc:
            errors.append(f"rollout {rid} left out: {exc.message}")
            continue
        data = st.to_json()
        gates: dict[int, list[dict[str, Any]]] = {}
        for rec in records:
            if rec.get("event") in ("gate.passed", "gate.failed") and isinstance(rec.get("wave"), int):
                gates.setdefault(rec["wave"], []).append({"gate": str(rec.get("gate")), "passed": rec["event"] == "gate.passed",
                                                          "detail": str(rec.get("detail") or ""), "ts": rec.get("ts")})
        for wave in data["waves"]:
            wave["gates"] = gates.get(wave["wave"], [])
            for u in wave["units"]:
                u["region"] = parse_unit(u["unit"])["region"]
        out.append(data)
    return out


def dora_section(ws: WorkspaceContext, teams: list[str], errors: list[str], now: datetime) -> dict[str, Any]:
    """DORA metrics per team: the last 30 days, and week by week for DORA_WEEKS weeks."""
    from ...rollout.stores import open_history
    from ...rollout.metrics import dora

    damaged: list[str] = []
    try:
        records = open_history(ws).query(damaged=damaged)
    except PlatformError as exc:
        errors.append(f"deployment history not read: {exc.message}")
        return {"teams": [], "weeks": [], "records": 0}
    errors.extend(f"history record left out: {line}" for line in damaged)
    start = (now - timedelta(weeks=DORA_WEEKS)).replace(microsecond=0)
    weeks = [start + timedelta(weeks=i) for i in range(DORA_WEEKS)]
    out = []
    for team in sorted({r.team for r in records} | set(teams)):
        mine = [r for r in records if r.team == team]
        if not mine:
            continue
        series = [dora(mine, since=w, until=w + timedelta(weeks=1)) for w in weeks]
        out.append({"team": team, "last_30_days": dora(mine, since=now - timedelta(days=30), until=now),
                    "weekly": series})
    return {"teams": out, "weeks": [w.date().isoformat() for w in weeks], "records": len(records)}


def cost_section(planned: WorkspacePlan) -> dict[str, Any]:
    units = planned.plan.units
    return {"total_usd": total_usd(units), "units": len(units),
            **{f"by_{by}": summarise(units, by) for by in GROUPINGS}}


def gather(ws: WorkspaceContext, *, now: datetime | None = None, workers: int | None = None,
           planned_units: list | None = None) -> dict[str, Any]:
    """Everything the report shows (``planned_units``: see :func:`..costs.plan_workspace`)."""
    now = now or datetime.now(UTC)
    inv = read_inventory(ws)
    planned = plan_workspace(ws, inventory=inv, workers=workers, planned=planned_units)
    errors = list(planned.errors)
    return {
        "org": ws.config.org, "workspace": str(ws.root), "generated": now.isoformat(timespec="seconds"),
        "fleet": fleet_section(ws, errors),
        "map": map_section(ws, inv.spaces),
        "spaces": [space_section(ws, s, planned) for s in inv.spaces],
        "services": [{"name": s.name, "team": s.team, "kind": s.kind, "source": s.source,
                      "bindings": [b.__dict__ for b in s.bindings]} for s in inv.services],
        "rollouts": rollouts_section(ws, errors),
        "dora": dora_section(ws, [s.team for s in inv.spaces], errors, now),
        "cost": cost_section(planned),
        "errors": errors,
    }
