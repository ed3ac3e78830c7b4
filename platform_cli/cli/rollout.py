"""`platform rollout plan|list|status|resume|rollback|cancel`: region-by-region rollouts in gated waves."""

from __future__ import annotations

import json
from contextlib import contextmanager

import click

from ._common import LIST_LIMIT, info, json_option, next_step, print_json, table, workspace, yes_option
from ._lazy import OrderedGroup


@click.group("rollout", cls=OrderedGroup)
def command() -> None:
    """Region-by-region rollouts in gated waves.

    \b
    A rollout applies the units of a space or service wave by wave: the canary region
    alone first, then batches. After each wave the gates run (CloudWatch alarms, HTTP
    health check, manual approval in protected environments). The first failure halts
    it; every step is journalled, so `resume` continues exactly where it stopped.

    \b
    Examples:
      platform rollout plan ./payments-api --env prod
      platform rollout plan ./payments-api --env prod --matrix github --wave 2
      platform rollout plan --space payments --env prod --json
      platform rollout status
      platform rollout resume ROLLOUT_ID --approve
      platform rollout cancel ROLLOUT_ID --yes
    """


@command.command("plan")
@click.argument("service_dir", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--space", "team", metavar="TEAM", help="Plan the team space's units instead of a service.")
@click.option("--env", "-e", required=True, help="Environment to roll out to.")
@click.option("--matrix", type=click.Choice(["github"]), help="Print a CI matrix: one include entry per region.")
@click.option("--wave", type=click.IntRange(min=1), metavar="K", help="With --matrix: only wave K (waves count from 1; wave 1 is the canary).")
@json_option
@click.pass_context
def plan(ctx, service_dir, team, env, matrix, wave, as_json):
    """Show the waves of a service (SERVICE_DIR) or of a space (--space TEAM) in ENV.

    \b
    --json prints {"waves": [{"wave": 1, "canary": true, "regions": [...], "units": [...]}, ...]}.
    --matrix github prints {"include": [{"region": R, "wave": K, "unit": U}, ...]} for a
    workflow that runs one job per region of a wave (add --wave K for one wave).
    """
    from ..deploy import plan_rollout
    from ..errors import NotFoundError, UsageError

    if wave is not None and not matrix:
        raise UsageError("--wave K selects a wave of the CI matrix; use it with --matrix github")
    p = plan_rollout(workspace(ctx), env=env, service_dir=service_dir, team=team)
    if matrix:
        data = p.matrix(wave)
        if wave is not None and not data["include"]:
            # an empty matrix fails the workflow anyway, with a less helpful message
            raise NotFoundError(f"wave {wave} does not exist: {p.target} has {len(p.waves)} wave(s)",
                                hint="regenerate the workflow if the service's regions changed")
        click.echo(json.dumps(data, separators=(",", ":")))
        return
    if as_json:
        print_json(p.to_json())
        return
    info(f"{p.target}: {len(p.regions)} region(s) in {len(p.waves)} wave(s), partition {p.partition}, "
         f"batch {p.batch_size}, up to {p.max_parallel} at once, bake {p.bake_minutes:g} min")
    table(["wave", "kind", "regions", "where"], p.rows())
    gates = [g for g in ("alarms", "health_check", "approval") if p.gates.get(g)]
    info(f"gates after each wave: {', '.join(gates) or 'none'}")


@command.command("list")
@click.option("--space", "team", metavar="TEAM", help="Only this team's rollouts.")
@click.option("--env", "-e", help="Only this environment.")
@click.option("--limit", type=LIST_LIMIT, default=20, show_default=True, help="How many, newest first (1 to 100000).")
@json_option
@click.pass_context
def list_(ctx, team, env, limit, as_json):
    """List rollouts, newest first."""
    from ..deploy import list_rollouts

    errors: list[str] = []
    rows = list_rollouts(workspace(ctx), team=team, env=env, limit=limit, errors=errors)
    for err in errors:
        info(f"warning: {err}")
    if as_json:
        print_json({"rollouts": rows, "errors": errors})
        return
    table(["id", "status", "action", "target", "release", "units", "ok", "failed"],
          [[r["id"], r["status"], r["action"], "/".join(x for x in (r["team"], r["service"], r["env"]) if x),
            r["release"] or "-", r["units"], r["succeeded"], r["failed"]] for r in rows],
          empty="no rollouts" + (" match the filters" if team or env else " yet; `platform service deploy` starts one"))


@command.command("status")
@click.argument("rollout_id", required=False)
@click.option("--space", "team", metavar="TEAM", help="Without ROLLOUT_ID: the latest rollout of this team.")
@click.option("--env", "-e", help="Without ROLLOUT_ID: the latest rollout in this environment.")
@json_option
@click.pass_context
def status(ctx, rollout_id, team, env, as_json):
    """Show a rollout (default: the latest) with every wave and unit."""
    from ..deploy import latest_rollout_status

    errors: list[str] = []
    data = latest_rollout_status(workspace(ctx), rollout_id, team=team, env=env, errors=errors)
    for err in errors:  # newer rollouts whose journals are damaged: the one shown is not the newest
        info(f"warning: {err}")
    if as_json:
        print_json(data)
        return
    show_state(data)
    if data.get("next"):
        next_step(data["next"])


def show_state(data: dict) -> None:
    click.echo(f"rollout: {data['id']}")
    click.echo(f"status:  {data['status']}" + (f" ({data['reason']})" if data.get("reason") else ""))
    what = "/".join(x for x in (data.get("team"), data.get("service"), data.get("env")) if x)
    click.echo(f"target:  {data.get('kind')} {what}  action: {data.get('action')}  release: {data.get('release') or '-'}")
    rows = []
    for w in data["waves"]:
        for u in w["units"]:
            rows.append([w["wave"], u["unit"].rsplit("/", 1)[-1], u["state"], u["release"] or "-", u["attempts"],
                         (u["error"] or "")[:80]])
    table(["wave", "region", "state", "release", "attempts", "error"], rows)


@contextmanager
def report(as_json: bool):
    """Print a rollout's final state (JSON on stdout with --json) even when it halted, then let the error through."""
    from ..errors import RolloutHalted

    try:
        yield
    except RolloutHalted as exc:
        outcome = getattr(exc, "outcome", None)
        if outcome is not None:
            if as_json:
                print_json(outcome.to_json())
            else:
                show_state(outcome.state.to_json())
        raise


def print_outcome(outcome, as_json: bool, next_cmd: str | None = None) -> None:
    if as_json:
        print_json(outcome.to_json())
    else:
        data = outcome.state.to_json()
        show_state(data)
        info(f"rollout {outcome.id} {outcome.status}: {len(outcome.applied)} unit(s) applied in this run")
    if next_cmd:
        next_step(next_cmd)


@command.command("resume")
@click.argument("rollout_id")
@click.option("--approve", is_flag=True, help="Grant the manual approval of protected environments (CI).")
@json_option
@click.pass_context
def resume(ctx, rollout_id, approve, as_json):
    """Continue a halted or interrupted rollout; finished units are not applied again."""
    from ..deploy import resume_rollout

    with report(as_json):
        outcome = resume_rollout(workspace(ctx), rollout_id, approve=approve)
    print_outcome(outcome, as_json, "platform history")


@command.command("rollback")
@click.argument("rollout_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
@json_option
@click.pass_context
def rollback(ctx, rollout_id, yes, as_json):
    """Re-apply the previous release in every region the rollout reached."""
    from ..deploy import rollback_rollout
    from ._common import confirm

    ws = workspace(ctx)
    with report(as_json):
        outcome = rollback_rollout(ws, rollout_id, confirm=lambda question: confirm(question, yes=yes))
    skipped = outcome.state.spec.get("skipped") or []
    if skipped:
        info(f"left as they are (no previous release): {', '.join(skipped)}")
    print_outcome(outcome, as_json, f"platform rollout status {outcome.id}")


@command.command("cancel")
@click.argument("rollout_id")
@yes_option
@json_option
@click.pass_context
def cancel(ctx, rollout_id, yes, as_json):
    """Cancel a rollout: a running one starts no further unit; a halted one is closed.

    Asks first; --yes in scripts and CI.
    """
    from ..deploy import cancel_rollout
    from ._common import confirm

    data = cancel_rollout(workspace(ctx), rollout_id, confirm=lambda question: confirm(question, yes=yes))
    if as_json:
        print_json(data)
    else:
        info(f"rollout {rollout_id}: {data['status']} ({data['detail']})")
    next_step(f"platform rollout status {rollout_id}")
