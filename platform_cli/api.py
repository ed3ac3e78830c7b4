"""The public Python API: the same functions the CLI calls, for CI jobs and other tools.

    from platform_cli import api

    ws = api.open_workspace("path/to/workspace")
    api.create_space(ws, api.CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["prod=DE,FR,US"]))
    plan = api.plan_space(ws, "payments")          # offline render, findings, cost
    plan.raise_for_findings()                      # PolicyError (exit code 6) on mandatory findings
    waves = api.plan_rollout(ws, env="prod", service_dir="services/orders")

Every function raises :class:`platform_cli.errors.PlatformError` subclasses on expected
failures. Names resolve lazily, so importing this module is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # workspace and spaces
    "open_workspace": "platform_cli.workspace:WorkspaceContext.open",
    "init_workspace": "platform_cli.workspace:init_workspace",
    "CreateSpaceRequest": "platform_cli.spaces:CreateSpaceRequest",
    "create_space": "platform_cli.spaces:create_space",
    "add_region": "platform_cli.spaces:add_region",
    "list_spaces": "platform_cli.spaces:list_spaces",
    "show_space": "platform_cli.spaces:show_space",
    "remove_region": "platform_cli.lifecycle.regions:remove_region",
    "SetSpaceRequest": "platform_cli.lifecycle.settings:SetSpaceRequest",
    "set_space": "platform_cli.lifecycle.settings:set_space",
    "space_status": "platform_cli.lifecycle.status:space_status",
    "delete_space": "platform_cli.lifecycle.delete:delete_space",
    # accounts of account-isolated spaces
    "ensure_account": "platform_cli.accounts.vending:ensure_account",
    "close_account": "platform_cli.accounts.vending:close_env_account",
    "destroy_and_close": "platform_cli.accounts.closing:destroy_and_close",
    "environment_fences": "platform_cli.plans:environment_fences",
    # catalog
    "Catalog": "platform_cli.catalog:Catalog",
    # plans (offline render, policy, cost) and engine preview
    "plan_space": "platform_cli.plans:plan_space",
    "plan_service": "platform_cli.plans:plan_service",
    "preview": "platform_cli.plans:preview",
    "diff_blueprints": "platform_cli.fleet:diff_blueprints",
    # services
    "new_service": "platform_cli.service_repo:new_service",
    "bind": "platform_cli.services.bindings:bind",
    "unbind": "platform_cli.services.bindings:unbind",
    "show_service": "platform_cli.services.bindings:show",
    "list_services": "platform_cli.services.registry:list_services",
    "locate_workspace": "platform_cli.services.answers:locate_workspace",
    "upgrade_service": "platform_cli.services.upgrade:upgrade_service",
    "template_status": "platform_cli.services.upgrade:template_status",
    "plan_preview": "platform_cli.services.preview:plan_preview",
    "preview_up": "platform_cli.services.preview:preview_up",
    "preview_down": "platform_cli.services.preview:preview_down",
    "open_previews": "platform_cli.services.preview:open_previews",
    "list_templates": "platform_cli.scaffold:list_templates",
    # rollouts, apply, history
    "plan_rollout": "platform_cli.deploy:plan_rollout",
    "apply_space": "platform_cli.deploy:apply_space",
    "destroy_space": "platform_cli.deploy:destroy_space",
    "deploy_service": "platform_cli.deploy:deploy_service",
    "rollout_status": "platform_cli.deploy:latest_rollout_status",
    "list_rollouts": "platform_cli.deploy:list_rollouts",
    "resume_rollout": "platform_cli.deploy:resume_rollout",
    "rollback_rollout": "platform_cli.deploy:rollback_rollout",
    "cancel_rollout": "platform_cli.deploy:cancel_rollout",
    "history": "platform_cli.rollout.queries:history_list",
    "dora_metrics": "platform_cli.rollout.queries:dora_metrics",
    # fleet
    "fleet_status": "platform_cli.fleet:fleet_status",
    "UpgradeRequest": "platform_cli.fleet:UpgradeRequest",
    "upgrade_fleet": "platform_cli.fleet:upgrade_fleet",
    "plan_fleet": "platform_cli.fleet:plan_fleet",
    # what people look at: Backstage catalog, workspace cost, HTML report
    "export_catalog": "platform_cli.portal.export:export_catalog",
    "workspace_cost": "platform_cli.portal.costs:workspace_cost",
    "write_report": "platform_cli.portal.report:write_report",
    # engine, local cloud, bootstrap, doctor
    "get_engine": "platform_cli.engine:get_engine",
    "local_up": "platform_cli.aws.local_cloud:local_up",
    "local_down": "platform_cli.aws.local_cloud:local_down",
    "local_status": "platform_cli.aws.local_cloud:local_status",
    "bootstrap": "platform_cli.aws.bootstrap:bootstrap",
    "run_doctor": "platform_cli.doctor:run_doctor",
    "run_quickstart": "platform_cli.quickstart:run_quickstart",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"platform_cli.api has no {name!r}")
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    globals()[name] = obj
    return obj


def __dir__() -> list[str]:
    return __all__
