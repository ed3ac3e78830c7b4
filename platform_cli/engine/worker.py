"""Runs in the worker process of one unit: builds the unit's program and drives its Pulumi
stack through the Automation API. Called by :func:`platform_cli.engine.process.run_in_worker`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..units import UnitTarget
from .errors import translate_engine_error
from .events import format_event
from .settings import READS_EXISTING, UnitJob, project_settings, stale_config_keys


def _noop_program() -> None:
    """destroy, refresh and outputs do not run the unit's program."""


def _program(job: UnitJob) -> Callable[[], None]:
    if job.action == "destroy" and job.destroy_provider:  # the unit's provider alone, through the platform role
        from ..accounts.destroying import provider_only_program

        return provider_only_program(job.destroy_provider)
    if job.action not in ("up", "preview"):  # destroy, refresh, outputs, unlock, drift, export, remove
        return _noop_program
    from stacks.programs import program_for

    from ..render.inputs import build_unit_inputs
    from ..workspace import WorkspaceContext

    ws = WorkspaceContext.open(job.root)
    target = UnitTarget(unit=job.unit, release=job.release, service_file=job.service_file)
    inputs = build_unit_inputs(ws, target, local_endpoint=job.local_endpoint)
    refuse_pending_account(inputs)
    return program_for(inputs)


def refuse_pending_account(inputs) -> None:
    """The engine never deploys with the placeholder account id: the environment's account is vended first."""
    if inputs.account_pending:
        from ..errors import NotFoundError

        raise NotFoundError(
            f"unit {inputs.unit}: environment {inputs.env} of space {inputs.team} has no account yet "
            f"(blueprint {inputs.blueprint.ref} gives each environment an AWS account of its own)",
            hint=f"`platform space apply {inputs.team} --env {inputs.env}` vends it, then applies the space's units")


def _plain_outputs(outputs: Any) -> dict[str, Any]:
    """Stack outputs with secret values masked: secrets never leave the engine."""
    return {k: ("[secret]" if v.secret else v.value) for k, v in (outputs or {}).items()}


def _changes(summary: Any) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (summary or {}).items()}


def _ensure_aws_plugin(stack: Any) -> None:
    """Install the AWS provider plugin matching the installed pulumi-aws SDK, once."""
    try:
        version = metadata.version("pulumi_aws")
    except metadata.PackageNotFoundError:
        return
    ws = stack.workspace
    if any(p.name == "aws" and str(p.version or "").lstrip("v") == version for p in ws.list_plugins()):
        return
    ws.install_plugin("aws", f"v{version}")


def run_unit(payload: dict, emit: Callable[[str], None]) -> dict:
    """One action (up, preview, refresh, destroy, outputs) on one unit; returns plain data."""
    job = UnitJob(**payload)
    try:
        return _run(job, emit)
    except Exception as exc:  # translated at this boundary into the platform's error tree
        raise translate_engine_error(exc, unit=job.unit, action=job.action, project=job.project,
                                     stack=job.stack, work_dir=job.work_dir) from None


def _run(job: UnitJob, emit: Callable[[str], None]) -> dict:
    from pulumi import automation as auto

    from .process import cancel_requested

    program = _program(job)
    Path(job.work_dir).mkdir(parents=True, exist_ok=True)
    settings = auto.ProjectSettings.from_dict(project_settings(job.project, job.backend_url, job.work_dir))
    opts = auto.LocalWorkspaceOptions(work_dir=job.work_dir, project_settings=settings, env_vars=dict(job.env),
                                      secrets_provider=job.secrets_provider)
    if job.action in READS_EXISTING:
        return _existing(auto, job, program, opts, emit)
    stack = auto.create_or_select_stack(stack_name=job.stack, project_name=job.project, program=program, opts=opts)
    if job.action == "outputs":
        return {"outputs": _plain_outputs(stack.outputs()), "summary": {}}
    if job.action == "unlock":
        stack.cancel()  # the process that held the lock was killed: release it
        return {"outputs": {}, "summary": {}}

    current = list(stack.get_all_config())
    stale = stale_config_keys(current, job.config)
    if stale:
        stack.remove_all_config(stale)
    stack.set_all_config({k: auto.ConfigValue(value=v) for k, v in job.config.items()}, path=True)
    _ensure_aws_plugin(stack)
    if cancel_requested():
        return {"outputs": {}, "summary": {}, "cancelled": True}

    def on_event(event: Any) -> None:
        line = format_event(event)
        if line:
            emit(line)

    common = {"on_event": on_event, "color": "never"}
    if job.action == "up":
        res = stack.up(message=job.message, suppress_progress=True, **common)
        return {"outputs": _plain_outputs(res.outputs), "summary": _changes(res.summary.resource_changes)}
    if job.action == "preview":
        res = stack.preview(message=job.message, **common)
        return {"outputs": {}, "summary": _changes(res.change_summary)}
    if job.action == "refresh":
        res = stack.refresh(message=job.message, suppress_progress=True, **common)
        return {"outputs": _plain_outputs(stack.outputs()), "summary": _changes(res.summary.resource_changes)}
    if job.destroy_provider:  # Pulumi updates the provider from the program, then deletes through it
        common["run_program"] = True
    res = stack.destroy(message=job.message, suppress_progress=True, **common)
    return {"outputs": {}, "summary": _changes(res.summary.resource_changes)}



def _existing(auto: Any, job: UnitJob, program: Callable[[], None], opts: Any, emit: Callable[[str], None]) -> dict:
    """drift (``pulumi refresh --preview-only``: Stack.preview_refresh), export (Stack.export_stack,
    the deployment's resources with id, urn and type) and remove (``pulumi stack rm``) of a stack
    that exists; a stack that does not exist reports ``missing`` and nothing is created."""
    try:
        stack = auto.select_stack(stack_name=job.stack, project_name=job.project, program=program, opts=opts)
    except auto.StackNotFoundError:
        return {"outputs": {}, "summary": {}, "missing": True}
    if job.action == "export":
        dep = stack.export_stack()
        return {"outputs": {}, "summary": {}, "state": {"version": dep.version, "deployment": dep.deployment}}
    if job.action == "remove":
        stack.workspace.remove_stack(job.stack)
        return {"outputs": {}, "summary": {}}
    stack.set_all_config({k: auto.ConfigValue(value=v) for k, v in job.config.items()}, path=True)
    _ensure_aws_plugin(stack)

    def on_event(event: Any) -> None:
        line = format_event(event)
        if line:
            emit(line)

    res = stack.preview_refresh(message=job.message, on_event=on_event, color="never")
    return {"outputs": {}, "summary": _changes(res.change_summary)}
