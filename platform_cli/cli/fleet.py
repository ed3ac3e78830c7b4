"""`platform fleet ...`: blueprint adoption across every team space, and cohort upgrades."""

import click

from ._common import confirm, info, json_option, next_step, print_json, table, workspace, yes_option


@click.group("fleet")
def command():
    """Every team space: blueprint adoption, what an upgrade changes, and upgrades a cohort at a time (Cloud & Tools)."""


@command.command("status")
@json_option
@click.pass_context
def status(ctx, as_json):
    """Spaces per blueprint version, the adoption of each blueprint's latest version and how it
    grew (one line per `fleet upgrade` step recorded), and the spaces behind by more than one version.

    A space file (or event line) that cannot be read is reported on stderr; the others are still counted.
    """
    from ..fleet import fleet_status

    data = fleet_status(workspace(ctx))
    if as_json:
        print_json(data)
    else:
        table(["blueprint", "latest", "spaces", "on latest", "adoption", "per version"],
              [[b["name"], b["latest"] or "?", b["total"], b["on_latest"],
                "-" if b["adoption_percent"] is None else f"{b['adoption_percent']:g}%",
                ", ".join(f"{ref}: {n}" for ref, n in b["versions"].items())] for b in data["blueprints"]])
        click.echo()
        table(["team", "blueprint", "latest"],
              [[s["team"], s["blueprint"], "yes" if s["latest"] else f"no ({s['versions_behind']} behind)"]
               for b in data["blueprints"] for s in b["spaces"]], empty="no team spaces yet")
        history = [[h["time"], h["blueprint"], ", ".join(h["moved"]) or "-", f"{h['on']}/{h['total']}",
                    f"{h['percent']:g}%"] for b in data["blueprints"] for h in b["history"]]
        if history:
            click.echo()
            table(["time", "to", "moved", "on it", "adoption"], history, title="adoption over time")
        if data["behind"]:
            click.echo()
            table(["team", "blueprint", "latest", "versions behind"],
                  [[x["team"], x["blueprint"], x["latest"], x["versions_behind"]] for x in data["behind"]],
                  title="behind by more than one version")
    for err in data["errors"]:
        info(f"warning: {err}")


def _adoption(a):
    return f"{a['blueprint']}: {a['on']}/{a['total']} spaces ({a['percent']:g}%)"


@command.command("plan")
@click.option("--to", "to", required=True, metavar="NAME@VERSION", help="Blueprint version the spaces would move to.")
@click.option("--cohort", type=click.IntRange(min=1), default=None, metavar="N",
              help="Only the next N spaces `fleet upgrade --cohort N` would move (default: every space behind).")
@click.option("--details", is_flag=True, help="Also list every changed resource of every unit.")
@json_option
@click.pass_context
def plan(ctx, to, cohort, details, as_json):
    """What moving every space on an older version to NAME@VERSION changes, before any cohort starts.

    \b
    Every unit of each space (and of its services in the workspace) is rendered offline
    under its current version and under NAME@VERSION: per space the resources created,
    updated, replaced and deleted, the monthly cost before and after, the mandatory policy
    findings the move adds, and whether `fleet upgrade` would block it. A move between
    isolation: shared and isolation: account replaces every resource and starts every
    database, bucket and queue empty: it is named, with the data to migrate.

    \b
    Example:
      platform fleet plan --to standard@2
      platform fleet plan --to standard@2 --cohort 5 --json
    """
    from ..fleet import plan_fleet
    from .impact_view import plan_summary, unit_details

    info(f"rendering every unit under its current version and {to} ...")
    data = plan_fleet(workspace(ctx), to, cohort)
    if as_json:
        print_json(data)
        return
    plan_summary(data, title=f"moving to {data['target']}")
    if details:
        for s in data["cohort"] + data["blocked"]:
            if s.get("impact"):
                click.echo(f"\n{s['team']}: {s['from']} -> {s['to']}")
                unit_details(s["impact"])
    info(f"adoption now: {_adoption(data['adoption_before'])}; after this: {_adoption(data['adoption_after'])}")
    info(f"{data['remaining']} space(s) would remain on older versions")
    next_step(*data["next"])


@command.command("upgrade")
@click.option("--to", "to", required=True, metavar="NAME@VERSION", help="Blueprint version to move spaces to, e.g. standard@2.")
@click.option("--cohort", type=click.IntRange(min=1), required=True, metavar="N",
              help="How many spaces to move in this step (the next N by team name).")
@click.option("--dry-run", is_flag=True, help="Show which spaces would move and what it changes; change nothing.")
@click.option("--allow-isolation-change", is_flag=True,
              help="Move spaces whose isolation mode changes (shared <-> account): every resource is replaced and "
                   "databases, buckets and queues start empty. Refused without it.")
@yes_option
@json_option
@click.pass_context
def upgrade(ctx, to, cohort, dry_run, allow_isolation_change, yes, as_json):
    """Move the next N spaces using an older version of a blueprint to NAME@VERSION.

    \b
    Spaces are taken in team-name order. Each is checked against the new version's
    guardrails (allowed regions, a valid space) and rendered under both versions (the
    summary of `fleet plan` for this cohort); one that would not be valid, or would have
    mandatory policy findings, is reported as blocked and left as it is. A cohort that
    changes isolation mode is refused unless --allow-isolation-change. Only the `blueprint:` line of
    spaces/TEAM.yaml changes (comments kept); the step is recorded in
    .platform/fleet.jsonl. Apply each moved space afterwards with
    `platform space apply TEAM --env ENV`.

    \b
    Example:
      platform fleet upgrade --to standard@2 --cohort 5 --dry-run
      platform fleet upgrade --to standard@2 --cohort 5 --yes
    """
    from ..fleet import UpgradeRequest, upgrade_fleet
    from .impact_view import cost_text, counts_line, plan_summary

    def ask(plan):
        teams = ", ".join(c.team for c in plan.cohort)
        t = plan.totals()
        info(f"moving {len(plan.cohort)} space(s) to {plan.target}: {teams}")
        info(f"changes: {counts_line(t['counts'])}; {cost_text(t['monthly_cost_usd'])}")
        confirm(f"Move {len(plan.cohort)} space(s) to {plan.target}?", yes=yes)

    info(f"checking and rendering the next {cohort} space(s) under {to} ...")
    req = UpgradeRequest(to=to, cohort=cohort, dry_run=dry_run, allow_isolation_change=allow_isolation_change)
    result = upgrade_fleet(workspace(ctx), req, confirm=ask)
    data = result.to_data()
    if as_json:
        print_json(data)
        for b in data["blocked"]:
            info(f"blocked: {b['team']} stays on {b['from']}: {'; '.join(b['reasons'])}")
        for err in data["errors"]:
            info(f"warning: {err}")
    else:
        plan_summary(data, title="would upgrade (dry run)" if dry_run else "upgraded")
    info(f"adoption before: {_adoption(data['adoption_before'])}")
    info(f"adoption after:  {_adoption(data['adoption_after'])}{' (if applied)' if dry_run else ''}")
    info(f"{data['remaining']} space(s) remain on older versions")
    if not data["cohort"]:
        info(f"nothing to upgrade to {data['target']}")
    next_step(*data["next"])
