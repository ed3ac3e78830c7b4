"""`platform space remove-region|set`: changing a space after it was created."""

from __future__ import annotations

import click

from ._common import confirm, info, json_option, next_step, print_json, workspace, yes_option


@click.command("remove-region")
@click.argument("team")
@click.option("--env", "-e", required=True, help="Environment the region leaves.")
@click.argument("region")
@click.option("--destroy", is_flag=True,
              help="Destroy the space's unit in REGION first when it is applied (needs the Pulumi CLI).")
@yes_option
@json_option
@click.pass_context
def remove_region(ctx, team, env, region, destroy, yes, as_json):
    """Take REGION back from TEAM's ENV and release its CIDR block.

    \b
    Refused while the space's unit there is applied (pass --destroy to destroy it
    first, through the rollout executor: journalled, resumable) or while a service
    is still deployed there (they are named: take the region out of each
    service.yaml and destroy their unit first). A failed destroy leaves the space
    file as it was. Asks first; --yes in scripts. Without the Pulumi CLI, --destroy
    of an applied unit fails (exit 8) before anything changes.
    Example: platform space remove-region payments --env prod ap-northeast-1 --destroy
    """
    from ..lifecycle.regions import remove_region as remove
    from .rollout import report

    ws = workspace(ctx)
    with report(as_json):
        result = remove(ws, team, env, region, destroy=destroy, confirm=lambda q: confirm(q, yes=yes))
    if as_json:
        print_json(result.to_json())
    elif not result.removed:
        info(f"{region} is no longer in {team}/{env}; nothing changed")
    else:
        if result.destroyed:
            info(f"destroyed space/{team}/{env}/{region} (rollout {result.destroyed})")
        info(f"removed {region} from {team}/{env}; released {result.cidr}"
             + (f"; countries no longer served: {', '.join(result.markets_removed)}" if result.markets_removed else "")
             + (f"; environment {env} had no region left and was removed" if result.env_removed else ""))
    next_step(f"platform space show {team}")


@click.command("set")
@click.argument("team")
@click.option("--add-owner", "add_owners", multiple=True, metavar="EMAIL", help="Owner to add (gets budget alerts). Repeatable.")
@click.option("--remove-owner", "remove_owners", multiple=True, metavar="EMAIL", help="Owner to remove. Repeatable.")
@click.option("--add-ci-repo", "add_ci_repos", multiple=True, metavar="PROVIDER:PATH",
              help="CI repository to trust with the deploy roles, on its own provider only: github:OWNER/REPO or "
                   "gitlab:GROUP/PROJECT (OWNER/REPO alone is GitHub). Repeatable.")
@click.option("--remove-ci-repo", "remove_ci_repos", multiple=True, metavar="PROVIDER:PATH",
              help="CI repository that no longer may deploy. Repeatable.")
@click.option("--cost-center", default=None, help="New cost center (tags every resource on the next apply).")
@click.option("--description", default=None, help="New description of what the team does.")
@json_option
@click.pass_context
def set_(ctx, team, add_owners, remove_owners, add_ci_repos, remove_ci_repos, cost_center, description, as_json):
    """Edit TEAM's owners, cost center, description and CI repositories.

    \b
    Shows the trust change: which repositories gain or lose the CI deploy role of
    which units. Roles change when the space is applied again.
    Example: platform space set payments --add-ci-repo acme/payments-web --remove-owner old@example.com
    """
    from ..lifecycle.settings import SetSpaceRequest, set_space

    result = set_space(workspace(ctx), team, SetSpaceRequest(
        add_owners=list(add_owners), remove_owners=list(remove_owners), add_ci_repos=list(add_ci_repos),
        remove_ci_repos=list(remove_ci_repos), cost_center=cost_center, description=description))
    if as_json:
        print_json(result.to_json())
    if not result.changed:
        info(f"{team}: nothing changed")
        return
    if not as_json:
        for t in result.trust:
            info(f"trust: {t['repo']} {t['change']} the CI deploy role of {len(t['roles'])} unit(s): "
                 + ", ".join(t["roles"]))
        for o in result.owners["added"]:
            info(f"owner added: {o} (budget alerts)")
        for o in result.owners["removed"]:
            info(f"owner removed: {o} (no more budget alerts)")
        if result.cost_center:
            info(f"cost center: {result.cost_center['before']} -> {result.cost_center['after']} "
                 "(every resource is retagged on the next apply)")
        if result.description_changed:
            info("description changed")
    next_step(*(f"platform space apply {team} --env {env}" for env in result.envs))


@click.command("delete")
@click.argument("team")
@click.option("--with-services", is_flag=True, help="Also destroy the services still deployed in the space.")
@yes_option
@json_option
@click.pass_context
def delete(ctx, team, with_services, yes, as_json):
    """Delete TEAM's space: the way a team leaves the platform.

    \b
    Lists everything that goes (services' units, space units, CIDR blocks, the
    space file) and asks first; --yes in scripts. Refused while services are
    deployed unless --with-services. Units are destroyed in reverse rollout order
    through the rollout executor (journalled; after a failure, run the same
    command again or `platform rollout resume ID`), their stacks removed from the
    backend, the space file removed and its CIDR blocks released. History and
    journals stay; the deletion is recorded in the history. Without the Pulumi
    CLI it refuses (exit 8) unless nothing was ever applied in the space.
    Example: platform space delete payments --with-services
    """
    from ..lifecycle.delete import delete_space
    from .rollout import report

    def ask(plan):
        _show_plan(plan)
        accounts = plan["accounts"]
        closing = (f", close {len(accounts)} AWS account(s) ({', '.join(a['account_id'] for a in accounts)}; AWS keeps "
                   "a closed account suspended for 90 days, then deletes it)" if accounts else "")
        confirm(f"delete team space {team}: destroy {plan['to_destroy']} unit(s), release "
                f"{len(plan['cidrs'])} CIDR block(s){closing} and remove {plan['file']}?", yes=yes)

    ws = workspace(ctx)
    with report(as_json):
        result = delete_space(ws, team, with_services=with_services, confirm=ask)
    if as_json:
        print_json(result)
    else:
        info(f"deleted team space {team}: {len(result['destroyed'])} unit(s) destroyed, "
             f"{len(result['removed_stacks'])} stack(s) removed, {len(result['cidrs'])} CIDR block(s) released"
             + (f", {len(result['closed_accounts'])} account(s) closed" if result["closed_accounts"] else ""))
    for w in result["warnings"]:
        info(f"warning: {w}")
    next_step(f"platform history --team {team}")


def _show_plan(plan) -> None:
    for e in plan["envs"]:
        for u in e["service_units"]:
            info(f"  destroy {u}")
        for u in e["space_units"]:
            info(f"  destroy {u}")
    for c in plan["cidrs"]:
        info(f"  release {c['cidr']} ({c['env']}/{c['region']})")
    for a in plan["accounts"]:
        info(f"  close   AWS account {a['account_id']} ({a['env']}, {a['email']})")
    info(f"  remove  {plan['file']}")
