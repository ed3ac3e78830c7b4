"""The fleet of team spaces: blueprint adoption, and upgrades a cohort of teams at a time.

The service layer behind ``platform fleet status|upgrade`` (Cloud & Tools). Only the
``blueprint:`` field of a space file is rewritten, with comments and key order kept;
every upgrade is recorded in ``.platform/fleet.jsonl``. A space file that cannot be read
is reported and skipped, never changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .catalog import parse_ref
from .errors import ConflictError, PlatformError, SpecError, UsageError
from .model import Blueprint, Space
from .rollout.lock import current_user
from .spaces import allowed_regions
from .workspace import WorkspaceContext
from .yamlio import RoundTrip, parse_yaml

EVENTS_FILE = "fleet.jsonl"


# --- status ------------------------------------------------------------------------------------

def _percent(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def _adoption(spaces: list[Space], name: str, version: int) -> dict[str, Any]:
    mine = [s for s in spaces if s.blueprint_name == name]
    on = sum(1 for s in mine if s.blueprint_version == version)
    return {"blueprint": f"{name}@{version}", "on": on, "total": len(mine), "percent": _percent(on, len(mine))}


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
            "adoption_percent": _percent(on_latest, len(mine)) if latest else None,
            "versions": {f"{name}@{v}": n for v, n in sorted(versions.items())},
            "spaces": [{"team": s.team, "blueprint": s.blueprint, "version": s.blueprint_version,
                        "latest": s.blueprint_version == latest, "known": s.blueprint_version in known}
                       for s in mine],
        })
    return {"blueprints": rows, "total_spaces": len(spaces),
            "errors": [e.message for e in broken] + ws.catalog.stray_files()}


# --- upgrade -----------------------------------------------------------------------------------

@dataclass
class UpgradeRequest:
    to: str  # NAME@VERSION
    cohort: int
    dry_run: bool = False


@dataclass
class Candidate:
    team: str
    current: str
    envs: list[str]
    reasons: list[str] = field(default_factory=list)  # why it is blocked; empty when it can move

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)


@dataclass
class UpgradePlan:
    target: str
    cohort: list[Candidate]  # the spaces that move, in team order, at most N
    blocked: list[Candidate]  # checked on the way and left as they are
    remaining: int  # spaces still on an older version after this cohort (blocked ones included)
    adoption_before: dict[str, Any]
    adoption_after: dict[str, Any]
    errors: list[str]  # unreadable space files, skipped


@dataclass
class UpgradeResult:
    plan: UpgradePlan
    dry_run: bool
    upgraded: list[Candidate]
    next_commands: list[str]

    def to_data(self) -> dict[str, Any]:
        p = self.plan
        return {
            "target": p.target,
            "dry_run": self.dry_run,
            "cohort": [{"team": c.team, "from": c.current, "to": p.target, "envs": c.envs} for c in p.cohort],
            "upgraded": [{"team": c.team, "from": c.current, "to": p.target, "envs": c.envs} for c in self.upgraded],
            "blocked": [{"team": c.team, "from": c.current, "reasons": c.reasons} for c in p.blocked],
            "remaining": p.remaining,
            "adoption_before": p.adoption_before,
            "adoption_after": p.adoption_after,
            "errors": p.errors,
            "next": self.next_commands,
        }


def guardrail_problems(ws: WorkspaceContext, space: Space, bp: Blueprint) -> list[str]:
    """Why ``space`` would not be valid on blueprint ``bp``; empty when it would be."""
    problems = []
    allowed = set(allowed_regions(ws, bp))
    for env, e in space.environments.items():
        for region in e.regions:
            if region not in allowed:
                problems.append(f"env {env}: region {region} is not allowed by {bp.ref}")
    data = space.to_data()
    data["blueprint"] = bp.ref
    try:
        Space.parse(data, source=str(ws.space_path(space.team)))
    except SpecError as exc:
        problems.extend(exc.problems or [exc.message])
    return problems


def plan_upgrade(ws: WorkspaceContext, req: UpgradeRequest) -> UpgradePlan:
    """Pick the next ``cohort`` spaces (team order) on an older version of the target's blueprint.

    Each is checked against the target version's guardrails; a space that would not be
    valid is reported as blocked and skipped, so it never holds up the rest of the fleet.
    """
    if req.cohort < 1:
        raise UsageError(f"--cohort {req.cohort}: expected a number of spaces of at least 1")
    name, version = parse_ref(req.to)
    target = ws.catalog.blueprint(f"{name}@{version}")  # NotFoundError for an unknown version
    spaces, broken = ws.spaces()
    older = sorted((s for s in spaces if s.blueprint_name == name and s.blueprint_version < version),
                   key=lambda s: s.team)
    cohort: list[Candidate] = []
    blocked: list[Candidate] = []
    for space in older:
        if len(cohort) == req.cohort:
            break
        c = Candidate(team=space.team, current=space.blueprint, envs=list(space.environments),
                      reasons=guardrail_problems(ws, space, target))
        (blocked if c.blocked else cohort).append(c)
    before = _adoption(spaces, name, version)
    moved = {c.team for c in cohort}
    after_on = before["on"] + len(moved)
    after = {**before, "on": after_on, "percent": _percent(after_on, before["total"])}
    return UpgradePlan(target=target.ref, cohort=cohort, blocked=blocked, remaining=len(older) - len(cohort),
                       adoption_before=before, adoption_after=after, errors=[e.message for e in broken])


def _rewrite_blueprint(ws: WorkspaceContext, c: Candidate, target: str) -> None:
    """Change only ``blueprint:`` of spaces/TEAM.yaml, keeping comments; atomic, and only
    when the edited file still validates."""
    path = ws.space_path(c.team)
    rt = RoundTrip(path)
    with rt as doc:
        if doc.get("blueprint") != c.current:
            raise ConflictError(f"{path}: blueprint: changed meanwhile from {c.current} to {doc.get('blueprint')}; "
                                "not upgraded", hint="run the upgrade again to re-check this space")
        doc["blueprint"] = target
        Space.parse(parse_yaml(rt.render(), source=str(path)), source=str(path))


def append_event(ws: WorkspaceContext, event: dict[str, Any]) -> None:
    """Append one JSON line to .platform/fleet.jsonl and sync it to disk."""
    ws.local_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(event, sort_keys=True) + "\n"
    fd = os.open(ws.local_dir / EVENTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_events(ws: WorkspaceContext) -> list[dict[str, Any]]:
    path = ws.local_dir / EVENTS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def upgrade_fleet(ws: WorkspaceContext, req: UpgradeRequest,
                  confirm: Callable[[UpgradePlan], None] | None = None) -> UpgradeResult:
    """Move the next cohort of spaces to ``req.to``.

    ``confirm(plan)`` is called before anything changes (not for a dry run, nor when
    nothing would move); it raises to stop. With ``dry_run`` nothing is written.
    """
    plan = plan_upgrade(ws, req)
    if req.dry_run or not plan.cohort:
        return UpgradeResult(plan=plan, dry_run=req.dry_run, upgraded=[],
                             next_commands=[] if not plan.cohort else
                             [f"platform fleet upgrade --to {plan.target} --cohort {req.cohort}"])
    if confirm is not None:
        confirm(plan)
    upgraded: list[Candidate] = []
    for c in plan.cohort:
        try:
            _rewrite_blueprint(ws, c, plan.target)
        except PlatformError as exc:
            c.reasons.append(exc.message)
            plan.blocked.append(c)
            continue
        upgraded.append(c)
    failed = len(plan.cohort) - len(upgraded)
    if failed:
        plan.cohort = upgraded
        plan.remaining += failed
        on = plan.adoption_before["on"] + len(upgraded)
        plan.adoption_after = {**plan.adoption_before, "on": on,
                               "percent": _percent(on, plan.adoption_before["total"])}
    append_event(ws, {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "user": current_user(),
        "action": "upgrade",
        "to": plan.target,
        "cohort": req.cohort,
        "upgraded": [{"team": c.team, "from": c.current} for c in upgraded],
        "blocked": [{"team": c.team, "from": c.current, "reasons": c.reasons} for c in plan.blocked],
        "adoption_before": plan.adoption_before,
        "adoption_after": plan.adoption_after,
    })
    nxt = [f"platform space apply {c.team} --env {env}" for c in upgraded for env in c.envs]
    return UpgradeResult(plan=plan, dry_run=False, upgraded=upgraded, next_commands=nxt)

