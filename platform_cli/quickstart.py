"""`platform quickstart`: the whole flow on embedded defaults, one step at a time.

Each step calls the same public functions as the individual commands and reports what
it did. Steps that need the Pulumi engine run only where the `pulumi` CLI exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files.safe import existing_file
from .workspace import CONFIG, WorkspaceContext, init_workspace

DEMO_TEAM = "demo"
DEMO_BLUEPRINT = "standard@1"
DEMO_ENVS = ["dev=DE", "prod=DE,FR,US"]
DEMO_SERVICE = "orders"
DEMO_VERSION = "0.1.0"
DEMO_ISOLATED_TEAM = "demo-accounts"
DEMO_ORGANIZATION = {"management_account_id": "123456789012", "account_email": "aws+{org}.{team}.{env}@example.com"}


@dataclass
class Step:
    name: str
    status: str  # done | reused | skipped
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


Report = Callable[[Step], None]


def run_quickstart(directory: Path, *, report: Report = lambda s: None) -> list[Step]:
    steps: list[Step] = []

    def add(step: Step) -> None:
        steps.append(step)
        report(step)

    directory = directory.expanduser().resolve()
    if existing_file(directory / CONFIG):  # a FIFO, a folder or a dangling link there is named
        add(Step("workspace", "reused", f"workspace {directory} exists; using it"))
    else:
        init_workspace(directory, org="acme")
        add(Step("workspace", "done", f"created workspace {directory} (local state, passphrase secrets, local cloud)"))
    ws = WorkspaceContext.open(directory)

    from .spaces import CreateSpaceRequest, create_space, show_space

    if existing_file(ws.space_path(DEMO_TEAM)):
        add(Step("space", "reused", f"team space {DEMO_TEAM} exists; using it"))
    else:
        create_space(ws, CreateSpaceRequest(team=DEMO_TEAM, blueprint=DEMO_BLUEPRINT, envs=list(DEMO_ENVS),
                                            owners=["team-demo@example.com"], cost_center="CC-1000",
                                            ci_repos=["acme/orders"], description="Demo team of the quickstart"))
        add(Step("space", "done", f"created team space {DEMO_TEAM} from {DEMO_BLUEPRINT} over DE, FR and US"))
    shown = show_space(ws, DEMO_TEAM)
    units = ", ".join(f"{u['env']}/{u['region']} {u['cidr']}" for u in shown["units"])
    add(Step("show", "done", f"space {DEMO_TEAM} has {len(shown['units'])} units: {units}", {"space": shown}))

    from .plans import plan_service, plan_space

    plan = plan_space(ws, DEMO_TEAM)
    add(Step("plan", "done", _plan_line(f"space {DEMO_TEAM}", plan), {"plan": _plan_summary(plan)}))

    from .service_repo import new_service
    from .services.bindings import bind, show as show_service

    services = directory / "services"
    svc_dir = services / DEMO_SERVICE
    if existing_file(svc_dir / "service.yaml"):
        add(Step("service", "reused", f"service {svc_dir} exists; using it"))
    else:
        made = new_service(ws, DEMO_SERVICE, DEMO_TEAM, template="python-web", ci="github", output_dir=services)
        add(Step("service", "done", f"generated {made.path} from template {made.template} {made.version} "
                                    f"with GitHub Actions CI/CD ({len(made.files)} files)"))
    if not any(b["name"] == "db" for b in show_service(ws, svc_dir)["bindings"]):
        info = bind(ws, svc_dir, "postgres", "dev", name="db")
        names = ", ".join(sorted(info.env_names().values()))
        add(Step("bind", "done", f"bound postgres (plan dev) as 'db'; the app reads {names} (injected as secrets)"))
    else:
        add(Step("bind", "reused", "binding 'db' (postgres) exists"))
    svc_plan = plan_service(ws, svc_dir, "prod")
    add(Step("service-plan", "done", _plan_line(f"service {DEMO_SERVICE} in prod", svc_plan),
             {"plan": _plan_summary(svc_plan)}))

    from .deploy import plan_rollout

    waves = plan_rollout(ws, env="prod", service_dir=str(svc_dir))
    desc = "; ".join(f"wave {w.number}{' (canary)' if w.canary else ''}: {', '.join(w.regions)}" for w in waves.waves)
    add(Step("waves", "done", f"rollout of {DEMO_SERVICE} to prod: {desc}", {"rollout": waves.to_json()}))

    accounts_step(ws, add)
    _apply_steps(ws, svc_dir, add)

    from .portal.report import write_report

    report_file = write_report(ws, planned_units=plan.units + svc_plan.units)
    add(Step("report", "done", f"wrote the workspace report (fleet, map, spaces, rollouts, DORA, cost) to "
                               f"{report_file.path}", {"path": str(report_file.path)}))
    return steps


def _plan_summary(plan) -> dict[str, Any]:
    return {"units": len(plan.units), "resources": sum(len(u.resources) for u in plan.units),
            "mandatory": len(plan.mandatory),
            "advisory": sum(1 for u in plan.units for f in u.findings if f.severity != "mandatory"),
            "monthly_cost_usd": plan.total_usd}


def _plan_line(what: str, plan) -> str:
    s = _plan_summary(plan)
    return (f"planned {what} offline: {s['units']} units, {s['resources']} resources, "
            f"{s['mandatory']} mandatory and {s['advisory']} advisory findings, ${s['monthly_cost_usd']:.2f}/month")


def _apply_steps(ws: WorkspaceContext, svc_dir: Path, add: Callable[[Step], None]) -> None:
    """Local cloud, bootstrap, apply and deploy: only where the Pulumi engine exists."""
    from .engine import find_pulumi
    from .errors import EngineMissingError

    try:
        cli = find_pulumi()
    except EngineMissingError as exc:
        add(Step("apply", "skipped", f"{exc.message}. The plans above are offline renders "
                                     f"(`platform space plan {DEMO_TEAM}` shows them in full). To apply: {exc.hint}"))
        return
    from .aws.bootstrap import bootstrap
    from .aws.local_cloud import local_up
    from .deploy import apply_space, deploy_service

    endpoint = None
    if ws.config.cloud.target == "local":
        status = local_up(ws.local_dir)
        endpoint = status.endpoint
        add(Step("local-cloud", "done", f"local cloud runs at {endpoint}"))
    report = bootstrap(ws, local_endpoint=endpoint)
    add(Step("bootstrap", "done" if report.changed else "reused",
             f"bootstrap: {', '.join(f'{i.name} {i.status}' for i in report.items)}"))
    apply_space(ws, DEMO_TEAM, "dev", approve=True)
    add(Step("apply", "done", f"applied team space {DEMO_TEAM}/dev with Pulumi {cli.version}"))
    deploy_service(ws, svc_dir, "dev", version=DEMO_VERSION, approve=True)
    add(Step("deploy", "done", f"deployed {DEMO_SERVICE} {DEMO_VERSION} to dev"))


def accounts_step(ws: WorkspaceContext, add: Callable[[Step], None]) -> None:
    """Account isolation on the local cloud: the organization's OUs and SCPs (bootstrap), then a space of an
    account-isolated blueprint whose environments each get an account vended, listed with its OU. The local
    cloud is started for this step when it can run, and stopped again when the step started it."""
    from .errors import PlatformError

    isolated = [f"{b.name}@{b.version}" for b in ws.catalog.blueprints() if b.isolation == "account"]
    if ws.config.cloud.target != "local" or not isolated:
        why = "the workspace deploys to AWS" if ws.config.cloud.target != "local" else "no blueprint has isolation: account"
        add(Step("accounts", "skipped", f"account isolation not shown: {why}"))
        return
    from .aws.local_cloud import local_down, local_up

    try:
        status = local_up(ws.local_dir)
    except PlatformError as exc:
        add(Step("accounts", "skipped", f"account isolation not shown: the local cloud cannot run here: {exc.message}"))
        return
    try:
        add(_vend_demo_accounts(ws, isolated[-1], status.endpoint))
    finally:
        if status.changed:
            local_down(ws.local_dir)


def _vend_demo_accounts(ws: WorkspaceContext, blueprint: str, endpoint: str) -> Step:
    from .accounts.vending import ensure_account
    from .aws.bootstrap import bootstrap
    from .spaces import CreateSpaceRequest, create_space
    from .yamlio import RoundTrip

    if ws.config.organization is None:
        with RoundTrip(ws.root / CONFIG) as doc:
            doc["organization"] = dict(DEMO_ORGANIZATION)
        ws = WorkspaceContext.open(ws.root)
    bootstrap(ws, local_endpoint=endpoint)
    if not existing_file(ws.space_path(DEMO_ISOLATED_TEAM)):
        bp = ws.catalog.blueprint(blueprint)
        region = (bp.guardrails.allowed_regions or ws.config.allowed_regions)[0]
        create_space(ws, CreateSpaceRequest(team=DEMO_ISOLATED_TEAM, blueprint=blueprint, envs=[f"dev={region}", f"prod={region}"],
                                            owners=["team-demo@example.com"], ci_repos=["acme/orders"],
                                            description="Demo team with an AWS account per environment"))
    from .aws.clients import ClientProvider

    clients = ClientProvider.local(endpoint, region=ws.config.cloud.default_region)
    accounts = []
    for env in ws.space(DEMO_ISOLATED_TEAM).environments:
        got = ensure_account(WorkspaceContext.open(ws.root), DEMO_ISOLATED_TEAM, env, clients=clients)
        accounts.append(got.to_data())
    listed = "; ".join(f"{a['env']}: account {a['account_id']} in OU {a['ou']} ({a['status']})" for a in accounts)
    return Step("accounts", "done",
                f"team space {DEMO_ISOLATED_TEAM} ({blueprint}, isolation: account) on the local cloud: {listed}. "
                "The OUs carry the guardrail SCPs (regions, leaving the organization, the platform role, IAM users). "
                f"With the Pulumi engine, `platform space apply {DEMO_ISOLATED_TEAM} --env dev` would then deploy the "
                "space's units into each account through the platform role (one provider per account)",
                {"accounts": accounts, "blueprint": blueprint})
