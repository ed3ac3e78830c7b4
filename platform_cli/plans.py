"""Planning units offline: render, policy findings and monthly cost. The service layer of
`platform space plan`, `platform service plan`, and the renders behind `platform blueprint diff` and `platform fleet plan`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotFoundError, PolicyError
from .planning import names
from .planning.waves import serving_region
from .units import UnitTarget
from .workspace import WorkspaceContext


@dataclass
class UnitPlan:
    unit: str
    resources: list[dict[str, Any]]
    findings: list[Any]
    monthly_cost_usd: float
    cost_lines: list[dict[str, Any]] = field(default_factory=list)  # {item, offering, amount_usd} unrounded
    account: dict[str, Any] = field(default_factory=dict)  # {isolation, account_id (None: assigned at apply), ...}

    def to_data(self) -> dict[str, Any]:
        return {"unit": self.unit, "account": self.account, "resources": self.resources,
                "findings": [f.to_data() for f in self.findings], "monthly_cost_usd": self.monthly_cost_usd}

    def account_line(self) -> str:
        """``account 222222222222 (account isolation, role ...)`` or ``account assigned at apply (...)``."""
        from .planning.accounts import ASSIGNED_AT_APPLY

        a = self.account
        if not a:
            return ""
        where = a["account_id"] or ASSIGNED_AT_APPLY
        role = f", assumes {a['assumes_role']}" if a.get("assumes_role") else ""
        return f"account {where} ({a['isolation']} isolation{role})"

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r["type"]] = out.get(r["type"], 0) + 1
        return dict(sorted(out.items()))


@dataclass
class PlanResult:
    units: list[UnitPlan]
    targets: list[UnitTarget] = field(default_factory=list)
    preview: dict[str, dict[str, int]] | None = None  # unit -> engine change summary, when asked for
    rendered: int = 0  # units rendered by this plan (the others came from the render cache)
    environments: list[dict[str, Any]] | None = None  # a space's isolation and guardrails per environment

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"units": [u.to_data() for u in self.units]}
        if self.environments is not None:
            data["environments"] = self.environments
        if self.preview is not None:
            data["preview"] = [{"unit": u, "changes": c} for u, c in self.preview.items()]
        return data

    @property
    def total_usd(self) -> float:
        return round(sum(u.monthly_cost_usd for u in self.units), 2)

    @property
    def mandatory(self) -> list[tuple[str, Any]]:
        return [(u.unit, f) for u in self.units for f in u.findings if f.severity == "mandatory"]

    def raise_for_findings(self) -> None:
        """PolicyError (exit 6) when any unit has a mandatory finding."""
        bad = self.mandatory
        if bad:
            units = sorted({u for u, _ in bad})
            raise PolicyError(f"{len(bad)} mandatory policy finding(s) in {len(units)} unit(s): {', '.join(units)}",
                              hint="fix the findings listed above, or ask Cloud & Tools about the blueprint's guardrails")


def plan_units(ws: WorkspaceContext, inputs: list, workers: int | None = None) -> PlanResult:
    """Render units (process pool when more than one; a unit the render cache holds is not rendered
    again), then cost and policy per unit."""
    from .planning.cost import estimate
    from .planning.policy import evaluate
    from .render.cache import RenderCache, render_cached

    rendered, count = render_cached(inputs, RenderCache.for_workspace(ws), workers)
    prices = ws.catalog.prices
    plans = []
    for inp, r in zip(inputs, rendered):
        cost = estimate(r.resources, inp, prices)
        findings = evaluate(r.resources, inp, monthly_cost=cost.total)
        plans.append(UnitPlan(unit=inp.unit, resources=r.resources, findings=findings, monthly_cost_usd=cost.total,
                              cost_lines=[{"item": x.item, "offering": x.offering, "amount_usd": x.amount}
                                          for x in cost.lines], account=unit_account_data(inp)))
    return PlanResult(units=plans, rendered=count)


def unit_account_data(inputs) -> dict[str, Any]:
    """Where a unit deploys, for plans: the isolation, the account (None until it is vended: assigned at apply),
    the role its provider assumes there, and the platform account of the shared state when it is another."""
    from .planning.accounts import assumed_role

    role = assumed_role(inputs.kind, inputs.platform_role_arn, local=bool(inputs.local_endpoint))
    return {"isolation": inputs.isolation, "account_id": None if inputs.account_pending else inputs.account_id,
            "assigned_at_apply": inputs.account_pending,
            "assumes_role": None if inputs.account_pending or role is None else role,
            "platform_account_id": inputs.platform_account_id}


def space_targets(ws: WorkspaceContext, team: str, env: str | None = None, region: str | None = None) -> list[UnitTarget]:
    space = ws.space(team)
    if env is not None and env not in space.environments:
        raise NotFoundError(f"space {team} has no environment {env!r} (environments: {', '.join(space.environments)})")
    if region is not None:
        region, country = ws.catalog.resolve_place(region)  # a country code names its region too
        if country:
            env_regions = [r for e, r in space.units() if env is None or e == env]
            region = serving_region(ws.catalog.markets.market(country), env_regions)
    units = [(e, r) for e, r in space.units() if (env is None or e == env) and (region is None or r == region)]
    if not units:
        where = f"{env or 'any env'}/{region}"
        raise NotFoundError(f"space {team} has no unit in {where} (units: "
                            f"{', '.join(f'{e}/{r}' for e, r in space.units())})")
    return [UnitTarget(unit=names.space_unit(team, e, r)) for e, r in units]


def plan_space(ws: WorkspaceContext, team: str, env: str | None = None, region: str | None = None,
               *, workers: int | None = None) -> PlanResult:
    """Offline plan of a team space's units (optionally one env and/or region)."""
    from .render.inputs import build_unit_inputs

    targets = space_targets(ws, team, env, region)
    result = plan_units(ws, [build_unit_inputs(ws, t) for t in targets], workers)
    result.targets = targets
    result.environments = environment_fences(ws, team, env)
    return result


ASSIGNED_AT_APPLY = "assigned at apply"


def environment_fences(ws: WorkspaceContext, team: str, env: str | None = None) -> list[dict[str, Any]]:
    """Per environment of TEAM's space: its isolation, its account (the vended one, ``assigned at apply``
    before it is vended, or the shared account), the OU and the guardrails (SCPs) that fence it."""
    from .planning.guardrails import environment_guardrails

    space = ws.space(team)
    bp = ws.catalog.blueprint(space.blueprint)
    blueprints = ws.catalog.blueprints() if bp.isolation == "account" else [bp]
    out = []
    for name, e in space.environments.items():
        if env is not None and name != env:
            continue
        fence = environment_guardrails(ws.config, blueprints, bp, protected=e.protected)
        acct = space.account(name)
        if bp.isolation != "account":
            account, state = ws.config.cloud.account_id, "shared"
        elif acct is None:
            account, state = ASSIGNED_AT_APPLY, "not vended"
        else:
            account, state = acct.account_id, acct.state
        out.append({"env": name, "isolation": bp.isolation, "account": account, "account_state": state,
                    "ou": fence["ou"], "guardrails": fence["guardrails"]})
    return out


def service_targets(ws: WorkspaceContext, service_dir: str | Path, env: str, release: str | None = None) -> list[UnitTarget]:
    from .servicespec import load_service, service_regions

    service, path = load_service(service_dir)
    return [UnitTarget(unit=names.service_unit(service.space, service.name, env, r), release=release,
                       service_file=str(path)) for r in service_regions(ws, service, env, str(path))]


def plan_service(ws: WorkspaceContext, service_dir: str | Path, env: str, *, release: str | None = None,
                 workers: int | None = None, image_digest: str | None = None) -> PlanResult:
    """Offline plan of a service's units in one environment (RELEASE by IMAGE_DIGEST when given)."""
    from .render.inputs import build_unit_inputs
    from .servicespec import load_service

    if image_digest is not None:
        release = f"{release or load_service(service_dir)[0].image.tag}@{image_digest}"
    targets = service_targets(ws, service_dir, env, release)
    result = plan_units(ws, [build_unit_inputs(ws, t) for t in targets], workers)
    result.targets = targets
    return result


def preview(ws: WorkspaceContext, result: PlanResult, *, engine=None,
            on_event: Callable[[str, str], None] | None = None) -> PlanResult:
    """Ask the Pulumi engine what applying each planned unit would change (create/update/delete...).

    Needs the `pulumi` CLI (EngineMissingError with how to install it otherwise). Units
    preview in parallel; the engine runs each in its own process.
    """
    from concurrent.futures import ThreadPoolExecutor

    if engine is None:
        from .engine import get_engine

        engine = get_engine(ws)
    sink = on_event or (lambda unit, line: None)
    with ThreadPoolExecutor(max_workers=max(1, min(4, len(result.targets)))) as pool:
        outcomes = list(pool.map(lambda t: engine.preview(t, sink), result.targets))
    result.preview = {o.unit: dict(o.summary) for o in outcomes}
    return result
