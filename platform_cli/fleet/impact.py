"""What moving a space to another blueprint version changes: both versions of every unit rendered
offline, compared resource by resource (:mod:`..planning.changes`), with cost and policy findings.

The one service behind `platform blueprint diff`, `platform fleet plan` and the summary of
`platform fleet upgrade`. Every unit of every space is rendered in one process pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PlatformError, SpecError, UsageError
from ..model import Blueprint, Space
from ..planning import names
from ..planning.changes import UnitChanges, compare, isolation_note
from ..render.inputs import UnitInputs, build_unit_inputs
from ..servicespec import load_service, service_regions
from ..spaces import allowed_regions
from ..units import UnitTarget
from ..workspace import WorkspaceContext


@dataclass
class ImpactJob:
    """The units of one space (or of the reference unit) to render under ``old`` and ``new``."""

    team: str | None
    old: Blueprint
    new: Blueprint
    inputs: list[UnitInputs]
    not_rendered: list[str] = field(default_factory=list)  # units that could not be built, and why


@dataclass
class SpaceImpact:
    team: str | None
    from_ref: str
    to_ref: str
    units: list[UnitChanges]
    cost_before: float
    cost_after: float
    new_mandatory: list[dict[str, str]]  # {unit, policy, resource, message}: mandatory findings the move adds
    mandatory_after: list[dict[str, str]]  # every mandatory finding under the new version
    isolation: dict[str, Any] | None  # {from, to, note, data} when the move changes the isolation mode
    not_rendered: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        total = {"create": 0, "update": 0, "replace": 0, "delete": 0}
        for u in self.units:
            for k, v in u.counts().items():
                total[k] += v
        return total

    def block_reasons(self) -> list[str]:
        """Why applying the new version would be refused (mandatory findings: `space apply` exits 6)."""
        return [f"{f['unit']}: mandatory finding {f['policy']} on {f['resource']}: {f['message']}"
                for f in self.mandatory_after]

    def to_data(self) -> dict[str, Any]:
        return {
            "team": self.team, "from": self.from_ref, "to": self.to_ref, "counts": self.counts(),
            "monthly_cost_usd": {"before": self.cost_before, "after": self.cost_after,
                                 "delta": round(self.cost_after - self.cost_before, 2)},
            "new_mandatory_findings": self.new_mandatory, "isolation": self.isolation,
            "units": [u.to_data() for u in self.units], "not_rendered": self.not_rendered,
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


def isolation_changes(old: Blueprint, new: Blueprint) -> bool:
    return old.isolation != new.isolation


def with_blueprint(inputs: UnitInputs, bp: Blueprint, ws: WorkspaceContext | None = None,
                   accounts: list | tuple = ()) -> UnitInputs:
    """The same unit under another blueprint version (its tag, and a space unit's release, follow). With WS, its
    account follows the version's isolation too: an account of the space's own (the space's vended ACCOUNTS,
    assigned at apply before vending) or the platform's, so the render shows where the resources would go."""
    tags = dict(inputs.tags)
    tags["platform:blueprint"] = bp.ref
    update: dict[str, Any] = {"blueprint": bp, "tags": tags}
    if ws is not None:
        from ..planning.accounts import workspace_account
        from ..render.inputs import account_fields

        update.update(account_fields(workspace_account(ws.config, bp.isolation, inputs.env, inputs.partition, accounts)))
    if inputs.kind == "space":
        update["release"] = bp.ref
    return inputs.model_copy(update=update)


def space_unit_inputs(ws: WorkspaceContext, space: Space) -> tuple[list[UnitInputs], list[str]]:
    """Inputs of every unit of a space: its space units, and the units of each recorded service whose
    service.yaml is in the workspace. What cannot be built is named, with why, and left out."""
    out = [build_unit_inputs(ws, UnitTarget(unit=names.space_unit(space.team, env, region)))
           for env, region in space.units()]
    skipped: list[str] = []
    for record in space.services:
        if not record.path:
            skipped.append(f"service {record.name}: its repository is outside the workspace; not rendered")
            continue
        try:
            service, path = load_service(Path(ws.root) / record.path)
            for env in service.environments:
                for region in service_regions(ws, service, env, str(path)):
                    unit = names.service_unit(space.team, service.name, env, region)
                    out.append(build_unit_inputs(ws, UnitTarget(unit=unit, service_file=str(path))))
        except PlatformError as exc:
            skipped.append(f"service {record.name}: {exc.message}; not rendered")
    return out, skipped


def space_job(ws: WorkspaceContext, space: Space, new: Blueprint, old: Blueprint | None = None) -> ImpactJob:
    inputs, skipped = space_unit_inputs(ws, space)
    return ImpactJob(team=space.team, old=old or ws.catalog.blueprint(space.blueprint), new=new,
                     inputs=inputs, not_rendered=skipped)


def reference_job(ws: WorkspaceContext, old: Blueprint, new: Blueprint) -> ImpactJob:
    """A reference space unit (team 'reference', env dev) for diffing blueprints without a space."""
    from ..planning.tags import unit_tags

    region = old.guardrails.allowed_regions[0] if old.guardrails.allowed_regions else ws.config.cloud.default_region
    unit = names.space_unit("reference", "dev", region)
    cidr = next(ws.pool_for(region)[1].subnets(new_prefix=old.network.cidr_prefix))
    base = UnitInputs(
        unit=unit, kind="space", org=ws.config.org, team="reference", env="dev", region=region,
        partition=ws.catalog.partition(region), account_id=ws.config.cloud.account_id,
        tags=unit_tags(team="reference", env="dev", blueprint=old.ref, cost_center="reference"), blueprint=old,
        cidr=str(cidr), owners=["owner@example.com"], ci_repos=["example/reference"], ci_hosts=ws.config.ci.hosts,
        cost_center="reference",
        env_regions=[region], budget=True, space_project=names.pulumi_project(unit),
        space_stack=names.pulumi_stack(unit), release=old.ref)
    return ImpactJob(team=None, old=old, new=new, inputs=[base])


def _mandatory(plan) -> list[dict[str, str]]:
    return [{"unit": plan.unit, "policy": f.policy, "resource": f.resource, "message": f.message}
            for f in plan.findings if f.severity == "mandatory"]


def impacts(ws: WorkspaceContext, jobs: list[ImpactJob], *, workers: int | None = None) -> list[SpaceImpact]:
    """Render every job's units under both versions (one pool for all) and compare them."""
    from ..plans import plan_units

    flat: list[UnitInputs] = []
    for job in jobs:
        accounts = ws.space(job.team).accounts if job.team else []
        for inp in job.inputs:
            flat += [with_blueprint(inp, job.old, ws, accounts), with_blueprint(inp, job.new, ws, accounts)]
    plans = plan_units(ws, flat, workers).units if flat else []
    out, i = [], 0
    for job in jobs:
        swap = isolation_changes(job.old, job.new)
        units, cost_before, cost_after, new_mandatory, after_mandatory = [], 0.0, 0.0, [], []
        for _ in job.inputs:
            before, after = plans[i], plans[i + 1]
            i += 2
            units.append(compare(before.unit, before.resources, after.resources, isolation_change=swap))
            cost_before += before.monthly_cost_usd
            cost_after += after.monthly_cost_usd
            had = {(f["policy"], f["resource"]) for f in _mandatory(before)}
            now = _mandatory(after)
            after_mandatory += now
            new_mandatory += [f for f in now if (f["policy"], f["resource"]) not in had]
        isolation = None
        if swap:
            isolation = {"from": job.old.isolation, "to": job.new.isolation,
                         "note": isolation_note(job.old.isolation, job.new.isolation),
                         "data": [{"unit": u.unit, **s} for u in units for s in u.stateful]}
        out.append(SpaceImpact(team=job.team, from_ref=job.old.ref, to_ref=job.new.ref, units=units,
                               cost_before=round(cost_before, 2), cost_after=round(cost_after, 2),
                               new_mandatory=new_mandatory, mandatory_after=after_mandatory, isolation=isolation,
                               not_rendered=job.not_rendered))
    return out


def diff_blueprints(ws: WorkspaceContext, from_ref: str, to_ref: str | None = None, team: str | None = None,
                    *, workers: int | None = None) -> dict[str, Any]:
    """What moving from FROM_REF to TO_REF (default: the latest of the same blueprint) changes in every
    unit of TEAM's space, or in a reference unit when no team is given."""
    old = ws.catalog.blueprint(from_ref)
    new = ws.catalog.blueprint(to_ref) if to_ref else ws.catalog.latest(old.name)
    if old.ref == new.ref:
        raise UsageError(f"from and to are the same blueprint {old.ref}", hint="pass --to NAME@VERSION")
    job = space_job(ws, ws.space(team), new, old) if team else reference_job(ws, old, new)
    return impacts(ws, [job], workers=workers)[0].to_data()
