"""`platform local up|down|status`: the local cloud (moto's server on 127.0.0.1)."""

from __future__ import annotations

import click

from ._common import info, json_option, next_step, print_json, workspace


@click.group("local", help="The local cloud: moto's server on 127.0.0.1, so the whole flow runs with no AWS account.")
def command() -> None:
    pass


def _show(status, as_json: bool) -> None:
    if as_json:
        print_json(status.to_dict())
        return
    if status.running:
        click.echo(f"running  {status.endpoint}  (pid {status.pid}, since {status.started_at})")
    else:
        click.echo("not running")
    if status.note and status.note not in ("started", "stopped"):
        info(status.note)


@command.command("up")
@json_option
@click.pass_context
def up(ctx: click.Context, as_json: bool) -> None:
    """Start the local cloud (or report the one already running)."""
    from ..aws.local_cloud import local_up

    ws = workspace(ctx)
    status = local_up(ws.local_dir)
    info(f"local cloud {'started' if status.changed else 'already running'} at {status.endpoint}")
    _show(status, as_json)
    next_step("platform bootstrap", "platform space apply TEAM --env dev")


@command.command("down")
@json_option
@click.pass_context
def down(ctx: click.Context, as_json: bool) -> None:
    """Stop the local cloud started for this workspace (nothing to do when none runs)."""
    from ..aws.local_cloud import local_down

    ws = workspace(ctx)
    status = local_down(ws.local_dir)
    info(f"local cloud stopped (pid {status.pid})" if status.changed else f"local cloud: {status.note}")
    if as_json:
        print_json(status.to_dict())
    else:
        click.echo("stopped" if status.changed else "not running")
    next_step("platform local up")


@command.command("status")
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether the local cloud runs, and its endpoint."""
    from ..aws.local_cloud import local_status

    ws = workspace(ctx)
    _show(local_status(ws.local_dir), as_json)
