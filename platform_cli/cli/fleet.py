"""`platform fleet ...`: blueprint adoption across every team space, and cohort upgrades."""

import click

from ._common import confirm, info, json_option, next_step, print_json, table, workspace, yes_option


@click.group("fleet")
def command():
    """Every team space: blueprint adoption and upgrades a cohort of teams at a time (Cloud & Tools)."""


@command.command("status")
@json_option
@click.pass_context
def status(ctx, as_json):
    """Spaces per blueprint version and the adoption rate of each blueprint's latest version.

    A space file that cannot be read is reported on stderr; the others are still counted.
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
              [[s["team"], s["blueprint"], "yes" if s["latest"] else "no"]
               for b in data["blueprints"] for s in b["spaces"]], empty="no team spaces yet")
    for err in data["errors"]:
        info(f"warning: {err}")


def _adoption(a):
    return f"{a['blueprint']}: {a['on']}/{a['total']} spaces ({a['percent']:g}%)"


@command.command("upgrade")
@click.option("--to", "to", required=True, metavar="NAME@VERSION", help="Blueprint version to move spaces to, e.g. standard@2.")
@click.option("--cohort", type=click.IntRange(min=1), required=True, metavar="N",
              help="How many spaces to move in this step (the next N by team name).")
@click.option("--dry-run", is_flag=True, help="Show which spaces would move; change nothing.")
@yes_option
@json_option
@click.pass_context
def upgrade(ctx, to, cohort, dry_run, yes, as_json):
    """Move the next N spaces using an older version of a blueprint to NAME@VERSION.

    \b
    Spaces are taken in team-name order. Each is checked against the new version's
    guardrails (allowed regions, a valid space); one that would not be valid is
    reported as blocked and left as it is. Only the `blueprint:` line of
    spaces/TEAM.yaml changes (comments kept); the step is recorded in
    .platform/fleet.jsonl. Apply each moved space afterwards with
    `platform space apply TEAM --env ENV`.

    \b
    Example:
      platform fleet upgrade --to standard@2 --cohort 5 --dry-run
      platform fleet upgrade --to standard@2 --cohort 5 --yes
    """
    from ..fleet import UpgradeRequest, upgrade_fleet

    def ask(plan):
        teams = ", ".join(c.team for c in plan.cohort)
        info(f"moving {len(plan.cohort)} space(s) to {plan.target}: {teams}")
        confirm(f"Move {len(plan.cohort)} space(s) to {plan.target}?", yes=yes)

    result = upgrade_fleet(workspace(ctx), UpgradeRequest(to=to, cohort=cohort, dry_run=dry_run), confirm=ask)
    data = result.to_data()
    if as_json:
        print_json(data)
    else:
        moved = data["cohort"] if dry_run else data["upgraded"]
        table(["team", "from", "to", "environments"],
              [[m["team"], m["from"], m["to"], ", ".join(m["envs"])] for m in moved],
              title="would upgrade (dry run)" if dry_run else "upgraded")
    for b in data["blocked"]:
        info(f"blocked: {b['team']} stays on {b['from']}: {'; '.join(b['reasons'])}")
    for err in data["errors"]:
        info(f"warning: {err}")
    info(f"adoption before: {_adoption(data['adoption_before'])}")
    info(f"adoption after:  {_adoption(data['adoption_after'])}{' (if applied)' if dry_run else ''}")
    info(f"{data['remaining']} space(s) remain on older versions")
    if not data["cohort"]:
        info(f"nothing to upgrade to {data['target']}")
    next_step(*data["next"])
