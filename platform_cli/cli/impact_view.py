"""Printing what a blueprint move changes (shared by `blueprint diff`, `fleet plan` and `fleet upgrade`)."""

from __future__ import annotations

from typing import Any

import click

from ._common import info, table

SIGNS = (("create", "+"), ("update", "~"), ("replace", "-/+"), ("delete", "-"))


def counts_line(counts: dict[str, int]) -> str:
    return (f"{counts['create']} to create, {counts['update']} to update, {counts['replace']} to replace, "
            f"{counts['delete']} to delete")


def cost_text(cost: dict[str, float]) -> str:
    return f"USD {cost['before']:.2f} -> {cost['after']:.2f}/month ({cost['delta']:+.2f})"


def isolation_warning(iso: dict[str, Any] | None, who: str = "") -> None:
    """The data warning of an isolation change, on stdout where the plan is, so it is never missed."""
    if not iso:
        return
    click.echo(f"WARNING{' ' + who if who else ''}: {iso['note']}")
    for d in iso.get("data", []):
        click.echo(f"  new and empty: {d['holds']} {d['name']} ({d['type']}, {d['unit']})")


def unit_details(impact: dict[str, Any]) -> None:
    """Every changed resource of every unit, one table per unit."""
    for u in impact["units"]:
        rows = [[sign, r["type"], r["name"], r.get("why") or ", ".join(r.get("fields", []))]
                for kind, sign in SIGNS for r in u[kind]]
        click.echo(f"{u['unit']}: {counts_line(u['counts'])}, {u['retagged']} retagged")
        if rows:
            table(["", "type", "name", "changed fields / why"], rows)
    for note in impact.get("not_rendered", []):
        info(f"warning: {note}")


def spaces_table(spaces: list[dict[str, Any]], *, title: str) -> None:
    """One row per space: changes, cost before and after, new mandatory findings, blocked or not."""
    rows = []
    for s in spaces:
        imp = s.get("impact")
        c = imp["counts"] if imp else None
        rows.append([s["team"], f"{s['from']} -> {s['to']}",
                     *(["?"] * 4 if c is None else [c["create"], c["update"], c["replace"], c["delete"]]),
                     cost_text(imp["monthly_cost_usd"]) if imp else "?",
                     len(imp["new_mandatory_findings"]) if imp else "?",
                     ("isolation change; " if s.get("isolation_change") else "") + ("blocked" if s["blocked"] else "")])
    table(["team", "move", "create", "update", "replace", "delete", "cost", "new mandatory", "notes"],
          rows, title=title, empty="no space in it")


def plan_summary(data: dict[str, Any], *, title: str) -> None:
    """The cohort (and the spaces blocked on the way), their totals and every warning."""
    spaces_table(data["cohort"] + data["blocked"], title=title)
    t = data["totals"]
    click.echo(f"cohort of {len(data['cohort'])}: {counts_line(t['counts'])}; {cost_text(t['monthly_cost_usd'])}")
    for s in data["cohort"] + data["blocked"]:
        iso = s.get("isolation_change")
        if iso:
            stateful = ((s.get("impact") or {}).get("isolation") or {}).get("data", [])
            isolation_warning({**iso, "data": stateful}, who=s["team"])
    for s in data["blocked"]:
        info(f"blocked: {s['team']} stays on {s['from']}: {'; '.join(s['reasons'])}")
    for s in data["cohort"] + data["blocked"]:
        for f in (s.get("impact") or {}).get("new_mandatory_findings", []):
            info(f"new mandatory finding in {s['team']}: {f['unit']}: {f['policy']} on {f['resource']}: {f['message']}")
        for note in (s.get("impact") or {}).get("not_rendered", []):
            info(f"warning: {s['team']}: {note}")
    for err in data["errors"]:
        info(f"warning: {err}")
