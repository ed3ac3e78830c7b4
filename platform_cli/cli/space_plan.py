"""`platform space plan`: resources, policy findings and monthly cost of a space's units."""

import click

from ._common import info, json_option, print_json, table, workspace


def preview_option(f):
    return click.option(
        "--preview", is_flag=True,
        help="Also ask the Pulumi engine what applying would change (needs the pulumi CLI; "
             "for the local cloud, `platform local up`).")(f)


def engine_for_preview(ws, wanted: bool):
    """The engine when --preview is asked for; checked before rendering so a missing
    `pulumi` fails at once (exit 8) instead of after the offline render."""
    if not wanted:
        return None
    from ..engine import get_engine

    return get_engine(ws)


def summary_rows(result) -> list[dict]:
    """One row per unit: resources, mandatory and advisory findings, monthly cost."""
    return [{"unit": u.unit, "resources": len(u.resources),
             "mandatory": sum(f.severity == "mandatory" for f in u.findings),
             "advisory": sum(f.severity == "advisory" for f in u.findings),
             "monthly_cost_usd": u.monthly_cost_usd} for u in result.units]


def print_summary(result) -> None:
    table(["unit", "resources", "mandatory", "advisory", "monthly usd"],
          [[r["unit"], r["resources"], r["mandatory"], r["advisory"], f"{r['monthly_cost_usd']:.2f}"]
           for r in summary_rows(result)]
          + [["total", sum(len(u.resources) for u in result.units), len(result.mandatory),
              sum(f.severity == "advisory" for u in result.units for f in u.findings), f"{result.total_usd:.2f}"]])


def print_environments(environments) -> None:
    """Isolation, account, OU and guardrails of each environment of a space plan."""
    for e in environments or []:
        where = f"account {e['account']}" + (f" in OU {e['ou']}" if e["ou"] else "")
        title = f"{e['env']}: isolation {e['isolation']}, {where} ({e['account_state']})"
        if e["guardrails"]:
            table(["guardrail", "denies", "service control policy", "attached to"],
                  [[g["id"], g["denies"], g["policy"], g["attached_to"]] for g in e["guardrails"]], title=title)
        else:
            click.echo(f"{title}: no service control policy of the platform (names, tags and boundaries keep spaces apart)")
        click.echo("")


def show_plan(ws, result, as_json: bool, engine=None, *, summary: bool = False) -> None:
    """Print a plan (table or JSON), then fail with exit 6 when a mandatory finding exists.

    With an ``engine`` the engine's change summary per unit is added, unless a mandatory
    finding already stops the plan. With ``summary`` only one line per unit is printed.
    """
    if engine is not None and not result.mandatory:
        from ..plans import preview

        info("asking the Pulumi engine for a preview ...")
        preview(ws, result, engine=engine, on_event=lambda unit, line: info(f"{unit}: {line}"))
    if summary and as_json:
        print_json({"units": summary_rows(result), "total_usd": result.total_usd})
    elif summary:
        print_summary(result)
    elif as_json:
        print_json(result.to_data())
    else:
        print_environments(result.environments)
        for u in result.units:
            table(["resource type", "count"], [[t, n] for t, n in u.counts().items()],
                  title=f"{u.unit}  ({len(u.resources)} resources, ${u.monthly_cost_usd:.2f}/month)")
            if u.account.get("isolation") == "account":
                click.echo(u.account_line())
            if u.findings:
                table(["severity", "policy", "resource", "message"],
                      [[f.severity, f.policy, f.resource, f.message] for f in u.findings])
            else:
                click.echo("no policy findings")
            click.echo("")
        print_summary(result)
        if result.preview is not None:
            kinds = sorted({k for c in result.preview.values() for k in c})
            click.echo("")
            table(["unit", *kinds], [[u, *[c.get(k, 0) for k in kinds]] for u, c in result.preview.items()],
                  title="changes the engine would make")
    result.raise_for_findings()


@click.command("plan")
@click.argument("team")
@click.option("--env", "-e", default=None, help="Only this environment.")
@click.option("--region", "-r", default=None, help="Only this region.")
@click.option("--summary", "-s", is_flag=True, help="One line per unit: resources, findings, monthly cost.")
@preview_option
@json_option
@click.pass_context
def plan(ctx, team, env, region, summary, preview, as_json):
    """Plan the units of team space TEAM offline: resource counts by type, policy findings, monthly cost.

    \b
    The plan is rendered under Pulumi mocks (no cloud, no Pulumi engine needed).
    --preview adds what the engine would change in the real stacks.
    Exits 6 after printing the plan when a unit has a mandatory policy finding.
    """
    from ..plans import plan_space

    ws = workspace(ctx)
    engine = engine_for_preview(ws, preview)
    info(f"rendering {team} offline ...")
    show_plan(ws, plan_space(ws, team, env, region), as_json, engine, summary=summary)
