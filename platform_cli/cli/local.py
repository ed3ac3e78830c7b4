"""`platform local up|down|status`: the local cloud (moto's server on 127.0.0.1)."""

from __future__ import annotations

import click

from ._common import confirm, info, json_option, next_step, print_json, workspace, yes_option


@click.group("local", help="The local cloud: moto's server on 127.0.0.1, so the whole flow runs with no AWS account. "
                           "Its resources survive `local down` / `local up` (moto's request recorder and replay).")
def command() -> None:
    pass


def _show(status, as_json: bool) -> None:
    if as_json:
        print_json(status.to_dict())
        return
    if status.running:
        click.echo(f"running  {status.endpoint}  (pid {status.pid}, since {status.started_at})")
        for service, n in sorted((status.resources or {}).items()):
            click.echo(f"  {service:<24} {n}")
    else:
        click.echo("not running")
    if status.note and status.note not in ("started", "stopped"):
        info(status.note)


@command.command("up")
@json_option
@click.pass_context
def up(ctx: click.Context, as_json: bool) -> None:
    """Start the local cloud with the resources it held when it stopped (or report the one already running)."""
    from ..aws.local_cloud import local_up

    ws = workspace(ctx)
    status = local_up(ws.local_dir, progress=info)
    info(f"local cloud {'started' if status.changed else 'already running'} at {status.endpoint}"
         + (f" ({status.restored_requests} recorded request(s) replayed)" if status.changed and status.restored_requests
            else ""))
    _show(status, as_json)
    next_step("platform bootstrap", "platform space apply TEAM --env dev")


@command.command("down")
@click.option("--discard", is_flag=True,
              help="Also drop every resource the local cloud holds (its recording). The workspace's state for the "
                   "local cloud then no longer matches it.")
@yes_option
@json_option
@click.pass_context
def down(ctx: click.Context, discard: bool, yes: bool, as_json: bool) -> None:
    """Stop the local cloud started for this workspace, keeping its resources for the next `local up`
    (nothing to do when none runs). With --discard its resources are dropped too."""
    from ..aws.local_cloud import local_down

    ws = workspace(ctx)
    if discard:
        confirm("drop every resource the local cloud holds?", yes=yes)
    status = local_down(ws.local_dir, discard=discard)
    info(f"local cloud stopped (pid {status.pid})" if status.changed else f"local cloud: {status.note}")
    if status.kept:
        info(f"its resources are kept ({status.recorded_requests} recorded request(s) in {status.recording_file})")
    if as_json:
        print_json(status.to_dict())
    else:
        click.echo("stopped" if status.changed else "not running")
    if discard:
        url = ws.state_url()
        if url.startswith("file://"):
            info(f"its resources were dropped: the workspace's state ({url}) still lists them, so it no longer "
                 f"matches the local cloud; to start over, remove that state (rm -rf {url[len('file://'):]}), then:")
        else:
            info(f"its resources were dropped, and with them the state kept in the local cloud ({url}); "
                 "the journals and history under .platform/ no longer match it; start over with:")
        next_step("platform local up", "platform bootstrap")
    else:
        next_step("platform local up")


@command.command("status")
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether the local cloud runs, its endpoint, and how many resources each service holds."""
    from ..aws.local_cloud import local_status

    ws = workspace(ctx)
    _show(local_status(ws.local_dir, counts=True), as_json)
