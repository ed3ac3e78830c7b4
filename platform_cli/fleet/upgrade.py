"""Moving team spaces to a new blueprint version a cohort at a time, and planning it.

The service layer behind ``platform fleet plan|upgrade`` (Cloud & Tools). Only the
``blueprint:`` field of a space file is rewritten, with comments and key order kept;
every upgrade is recorded in ``.platform/fleet.jsonl``. A space file that cannot be read
is reported and skipped, never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..catalog import parse_ref
from ..errors import ConflictError, PlatformError, UsageError
from ..model import Space
from ..planning.changes import isolation_note
from ..rollout.lock import current_user
from ..workspace import WorkspaceContext
from ..yamlio import RoundTrip, parse_yaml
from .events import append_event
from .impact import SpaceImpact, guardrail_problems, impacts, isolation_changes, space_job
from .status import adoption, percent


@dataclass
class UpgradeRequest:
    to: str  # NAME@VERSION
    cohort: int | None  # None: every space on an older version (fleet plan)
    dry_run: bool = False
    impact: bool = True  # render both versions of every unit of the cohort
    allow_isolation_change: bool = False
    workers: int | None = None


@dataclass
class Candidate:
    team: str
    current: str
    envs: list[str]
    reasons: list[str] = field(default_factory=list)  # why it is blocked; empty when it can move
    isolation_change: dict[str, str] | None = None  # {from, to, note} when the move changes isolation
    impact: SpaceImpact | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)

    def to_data(self, target: str) -> dict[str, Any]:
        data: dict[str, Any] = {"team": self.team, "from": self.current, "to": target, "envs": self.envs,
                                "blocked": self.blocked, "reasons": self.reasons,
                                "isolation_change": self.isolation_change}
        if self.impact is not None:
            data["impact"] = self.impact.to_data()
        return data


@dataclass
class UpgradePlan:
    target: str
    cohort: list[Candidate]  # the spaces that move, in team order, at most N
    blocked: list[Candidate]  # checked on the way and left as they are
    remaining: int  # spaces still on an older version after this cohort (blocked ones included)
    adoption_before: dict[str, Any]
    adoption_after: dict[str, Any]
    errors: list[str]  # unreadable space files, skipped

    def totals(self) -> dict[str, Any]:
        """Resource changes and monthly cost over the cohort (the spaces that move)."""
        counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
        before = after = 0.0
        for c in self.cohort:
            if c.impact is None:
                continue
            for k, v in c.impact.counts().items():
                counts[k] += v
            before += c.impact.cost_before
            after += c.impact.cost_after
        return {"counts": counts, "monthly_cost_usd": {"before": round(before, 2), "after": round(after, 2),
                                                       "delta": round(after - before, 2)}}


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
            "cohort": [c.to_data(p.target) for c in p.cohort],
            "upgraded": [{"team": c.team, "from": c.current, "to": p.target, "envs": c.envs} for c in self.upgraded],
            "blocked": [c.to_data(p.target) for c in p.blocked],
            "totals": p.totals(),
            "remaining": p.remaining,
            "adoption_before": p.adoption_before,
            "adoption_after": p.adoption_after,
            "errors": p.errors,
            "next": self.next_commands,
        }


def _candidate(ws: WorkspaceContext, space: Space, target, known: set[str]) -> Candidate:
    current = ws.catalog.blueprint(space.blueprint) if space.blueprint in known else None
    c = Candidate(team=space.team, current=space.blueprint, envs=list(space.environments),
                  reasons=guardrail_problems(ws, space, target))
    if current is not None and isolation_changes(current, target):
        c.isolation_change = {"from": current.isolation, "to": target.isolation,
                              "note": isolation_note(current.isolation, target.isolation)}
    elif current is None:
        c.reasons.append(f"blueprint {space.blueprint} is not in the catalog, so what the move changes is unknown")
    return c


def _known(ws: WorkspaceContext) -> set[str]:
    return {f"{n}@{v}" for n, v in ws.catalog.blueprint_refs()}


def plan_upgrade(ws: WorkspaceContext, req: UpgradeRequest) -> UpgradePlan:
    """Pick the next ``cohort`` spaces (team order) on an older version of the target's blueprint.

    Each is checked against the target version's guardrails and, with ``req.impact``, rendered
    under both versions: a space that would not be valid, or whose units would have mandatory
    policy findings, is reported as blocked and skipped, so it never holds up the rest of the fleet.
    Spaces are rendered a batch at a time (one process pool per batch) until the cohort is full.
    """
    if req.cohort is not None and req.cohort < 1:
        raise UsageError(f"--cohort {req.cohort}: expected a number of spaces of at least 1")
    name, version = parse_ref(req.to)
    target = ws.catalog.blueprint(f"{name}@{version}")  # NotFoundError for an unknown version
    spaces, broken = ws.spaces()
    older = sorted((s for s in spaces if s.blueprint_name == name and s.blueprint_version < version),
                   key=lambda s: s.team)
    size = len(older) if req.cohort is None else req.cohort
    cohort: list[Candidate] = []
    blocked: list[Candidate] = []
    pending = iter(older)
    known = _known(ws)
    while len(cohort) < size:
        batch: list[tuple[Space, Candidate]] = []
        for space in pending:
            batch.append((space, _candidate(ws, space, target, known)))
            if len(cohort) + sum(1 for _, c in batch if not c.blocked) == size:
                break
        if not batch:
            break
        if req.impact:
            jobs, owners = [], []
            for s, c in batch:
                if s.blueprint not in known:
                    continue
                try:
                    jobs.append(space_job(ws, s, target))
                    owners.append(c)
                except PlatformError as exc:
                    c.reasons.append(f"its units cannot be rendered: {exc.message}")
            for c, imp in zip(owners, impacts(ws, jobs, workers=req.workers)):
                c.impact = imp
                c.reasons.extend(imp.block_reasons())
        for _, c in batch:
            (blocked if c.blocked else cohort).append(c)
    before = adoption(spaces, name, version)
    after_on = before["on"] + len(cohort)
    after = {**before, "on": after_on, "percent": percent(after_on, before["total"])}
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


def refuse_isolation_change(plan: UpgradePlan) -> None:
    """A cohort that changes isolation mode replaces every resource of its spaces: refused unless asked for."""
    moving = [c for c in plan.cohort if c.isolation_change]
    if moving:
        c = moving[0]
        raise UsageError(
            f"{len(moving)} space(s) of this cohort ({', '.join(m.team for m in moving)}) would move from isolation: "
            f"{c.isolation_change['from']} to isolation: {c.isolation_change['to']}: {c.isolation_change['note']}",
            hint=f"see every resource that is replaced with `platform fleet plan --to {plan.target}`, migrate the "
                 "data, then run again with --allow-isolation-change")


def upgrade_fleet(ws: WorkspaceContext, req: UpgradeRequest,
                  confirm: Callable[[UpgradePlan], None] | None = None) -> UpgradeResult:
    """Move the next cohort of spaces to ``req.to``.

    ``confirm(plan)`` is called before anything changes (not for a dry run, nor when
    nothing would move); it raises to stop. With ``dry_run`` nothing is written. A cohort
    that would change isolation mode is refused unless ``allow_isolation_change``.
    """
    if req.cohort is None:
        raise UsageError("--cohort N is needed: how many spaces to move in this step")
    plan = plan_upgrade(ws, req)
    if req.dry_run or not plan.cohort:
        return UpgradeResult(plan=plan, dry_run=req.dry_run, upgraded=[],
                             next_commands=[] if not plan.cohort else
                             [f"platform fleet upgrade --to {plan.target} --cohort {req.cohort}"
                              + (" --allow-isolation-change" if any(c.isolation_change for c in plan.cohort) else "")])
    if not req.allow_isolation_change:
        refuse_isolation_change(plan)
    if confirm is not None:
        confirm(plan)
    upgraded: list[Candidate] = []
    with ws.allocation_lock():  # each file is read again under the lock; one changed meanwhile is left alone
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
                               "percent": percent(on, plan.adoption_before["total"])}
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
        "isolation_changed": [c.team for c in upgraded if c.isolation_change],
    })
    nxt = [f"platform space apply {c.team} --env {env}" for c in upgraded for env in c.envs]
    return UpgradeResult(plan=plan, dry_run=False, upgraded=upgraded, next_commands=nxt)


def plan_fleet(ws: WorkspaceContext, to: str, cohort: int | None = None, *, workers: int | None = None) -> dict[str, Any]:
    """`platform fleet plan`: for every space on an older version of TO's blueprint (or the next COHORT
    that `fleet upgrade` would move, with the blocked ones it would skip), what the move changes."""
    plan = plan_upgrade(ws, UpgradeRequest(to=to, cohort=cohort, workers=workers))
    data = UpgradeResult(plan=plan, dry_run=True, upgraded=[], next_commands=[]).to_data()
    del data["upgraded"], data["dry_run"]
    iso = any(c.isolation_change for c in plan.cohort)
    data["next"] = ([f"platform fleet upgrade --to {plan.target} --cohort {cohort or len(plan.cohort)}"
                     + (" --allow-isolation-change" if iso else "")] if plan.cohort else [])
    return data
