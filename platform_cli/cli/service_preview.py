"""`platform service preview plan|up|down|list`: a pull request's short-lived copy of a service."""

from __future__ import annotations

import click

from ._common import (PR_NUMBER, confirm, exit_code_option, info, json_option, next_step, print_json, report_damaged,
                      service_workspace, table, yes_option)

pr_option = click.option("--pr", "pr", type=PR_NUMBER, required=True, metavar="N", help="Pull request (or merge request) number.")
dir_argument = click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=False))


@click.group("preview")
def command():
    """Previews: pull request N of a service as its own short-lived service SERVICE-prN.

    \b
    A preview runs in the space's first unprotected environment, in one region, on
    that environment's network, with its own bindings on the cheapest plans the
    blueprint allows (never another environment's), one task. The blueprint limits
    open previews per space (previews.max_open) and their life (previews.ttl_hours).
    The generated CI runs up on every push to a pull request from the repository
    itself (never from a fork) and down when it closes or its time is up.
    A damaged history record (file, table and row named on stderr) is left out:
    the previews it may describe are neither listed nor counted.
    """


def _describe(t) -> None:
    info(f"preview {t.service.name} of {t.base} (pull request {t.pr}): {t.env} in {t.region}, unit {t.unit}")
    for b, (plan, cheap) in t.plans.items():
        info(f"  binding {b}: plan {cheap}" + (f" (the service uses {plan})" if plan != cheap else ""))


@command.command("plan")
@dir_argument
@pr_option
@json_option
@click.pass_context
def plan(ctx, service_dir, pr, as_json):
    """Plan the preview of pull request N offline: every resource it creates, findings, monthly cost."""
    from ..services.preview import plan_preview
    from .space_plan import show_plan

    ws = service_workspace(ctx, service_dir)
    target, result = plan_preview(ws, service_dir, pr)
    if as_json:
        print_json({"preview": target.to_json(), **result.to_data()})
        return
    _describe(target)
    for u in result.units:
        table(["resource type", "name"], [[r["type"], r["name"]] for r in u.resources],
              title=f"{u.unit} creates {len(u.resources)} resources")
        click.echo("")
    show_plan(ws, result, False)


@command.command("name")
@dir_argument
@pr_option
def name(service_dir, pr):
    """Print the preview's service name (CI tags the preview's image NAME-COMMIT)."""
    from ..servicespec import load_service
    from ..services.preview import preview_name

    svc, _ = load_service(service_dir)
    click.echo(preview_name(svc.name, pr))


@command.command("up")
@dir_argument
@pr_option
@click.option("--version", "version", required=True, metavar="V", help="Image tag to deploy (CI: the commit's tag).")
@click.option("--image-digest", metavar="sha256:D", help="Run the image by this digest (REPO@sha256:D), the one the "
              "pipeline's push printed (CI: .platform/push_image.sh).")
@click.option("--summary", "summary", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Append a Markdown summary with the URL to FILE (CI: $GITHUB_STEP_SUMMARY).")
@json_option
@click.pass_context
def up(ctx, service_dir, pr, version, image_digest, summary, as_json):
    """Deploy (or update) the preview of pull request N at version V. Needs the Pulumi engine
    (exit 8 without it, before anything is recorded); refused when the space has as many open
    previews as its blueprint allows."""
    from ..services.preview import preview_up, preview_url, summary_markdown
    from .rollout import print_outcome, report

    ws = service_workspace(ctx, service_dir)
    damaged: list[str] = []
    try:
        with report(as_json):
            target, outcome = preview_up(ws, service_dir, pr, version, image_digest=image_digest,
                                             damaged=damaged)
    finally:  # named also when the quota refuses: the records it could not count
        report_damaged(damaged, exit_code=False, what="the open previews")
    url = preview_url(target, outcome)
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(summary_markdown(target, url))
    print_outcome(outcome, as_json, f"platform service preview down {service_dir} --pr {pr}")
    if not as_json:
        info(f"preview {target.service.name} is up in {target.env}/{target.region}: {url or 'no URL (a worker)'}")


@command.command("down")
@dir_argument
@click.option("--pr", "pr", type=PR_NUMBER, default=None, metavar="N", help="Pull request whose preview to destroy.")
@click.option("--expired", is_flag=True, help="Destroy every preview of this service whose time to live is over.")
@yes_option
@json_option
@click.pass_context
def down(ctx, service_dir, pr, expired, yes, as_json):
    """Destroy the preview of pull request N (or, with --expired, the expired ones), with its
    bindings' resources and their data. Needs the Pulumi engine. Asks for confirmation; without
    a terminal, --yes is needed."""
    from ..errors import UsageError
    from ..services.preview import expired_previews, preview_down
    from .rollout import print_outcome, report

    if (pr is None) == (not expired):
        raise UsageError("give --pr N or --expired (one of them)")
    from ..engine import get_engine

    ws = service_workspace(ctx, service_dir)
    engine = get_engine(ws)  # exit 8 before asking or recording anything
    damaged: list[str] = []
    prs = expired_previews(ws, service_dir, damaged=damaged) if expired else [pr]
    report_damaged(damaged, exit_code=False, what="the open previews")
    if not prs:
        info("no expired previews")
        return
    confirm(f"Destroy the preview(s) of pull request(s) {', '.join(map(str, prs))} and their bindings' data?", yes=yes)
    for n in prs:
        with report(as_json):
            _, outcome = preview_down(ws, service_dir, n, engine=engine, damaged=[] if expired else damaged)
        if not expired:
            report_damaged(damaged, exit_code=False, what="the open previews")
        print_outcome(outcome, as_json, f"platform service preview list {service_dir}")


@command.command("list")
@dir_argument
@exit_code_option()
@json_option
@click.pass_context
def list_(ctx, service_dir, exit_code, as_json):
    """List the open previews of the service's space, with when each expires. A damaged history
    record is left out and named (file, table, row; "damaged" with --json)."""
    from ..servicespec import load_service
    from ..services.preview import open_previews

    ws = service_workspace(ctx, service_dir)
    svc, _ = load_service(service_dir)
    damaged: list[str] = []
    items = open_previews(ws, svc.space, damaged=damaged)
    bp = ws.catalog.blueprint(ws.space(svc.space).blueprint)
    if as_json:
        print_json({"space": svc.space, "max_open": bp.previews.max_open, "previews": items, "damaged": damaged})
        report_damaged(damaged, exit_code=exit_code, what="the open previews")
        return
    table(["preview", "pr", "env", "region", "version", "since", "expires"],
          [[p["name"], p["pr"], p["env"], p["region"], p["version"], p["since"],
            p["expires"] + (" (expired)" if p["expired"] else "")] for p in items])
    info(f"{len(items)} of {bp.previews.max_open} previews open in space {svc.space}")
    if any(p["expired"] for p in items):
        next_step(f"platform service preview down {service_dir} --pr N   # for each expired one")
    report_damaged(damaged, exit_code=exit_code, what="the open previews")
