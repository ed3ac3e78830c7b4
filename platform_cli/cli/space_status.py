"""`platform space status`: what runs in a space, and does it still match?"""

from __future__ import annotations

import click

from ._common import exit_code_option, info, json_option, print_json, table, workspace


@click.command("status")
@click.argument("team")
@click.option("--env", "-e", default=None, help="Only this environment (default: all of them).")
@click.option("--state-export", "state_exports", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="A unit's `pulumi stack export` to use as the state instead of the engine's. Repeatable.")
@click.option("--no-cloud", is_flag=True, help="Skip the cloud inventory (no orphans).")
@exit_code_option("drift or orphans are found")
@json_option
@click.pass_context
def status(ctx, team, env, state_exports, no_cloud, exit_code, as_json):
    """Status of TEAM's space: per unit, applied or not, release, when and by whom,
    main outputs, drift and orphans.

    \b
    Drift is what `pulumi refresh --preview-only` would change in each applied unit
    (needs the Pulumi CLI; without it drift is reported as unknown, with why).
    Orphans are resources in the cloud carrying the space's tags (platform:team,
    platform:env, platform:managed-by) that are in no unit's state; each comes
    with the command to adopt it (`pulumi import`) or delete it.
    A damaged journal or history record is named on stderr (and in
    "damaged" with --json); everything else is still shown.
    With --exit-code, drift, orphans or damaged records exit 12.
    Example: platform space status payments --env prod --json --exit-code
    """
    from ..errors import StatusFindings
    from ..lifecycle.status import read_exports, space_status

    ws = workspace(ctx)
    exports = read_exports(state_exports) if state_exports else None
    data = space_status(ws, team, env, exports=exports, check_cloud=not no_cloud)
    if as_json:
        print_json(data)
    else:
        _show(data)
    for line in data["damaged"]:
        info(f"warning: {line}")
    if exit_code and not data["clean"]:
        raise StatusFindings(f"{team}: {len(data['drift']['drifted'])} drifted unit(s), "
                             f"{len(data['orphans']['resources'])} orphan(s), "
                             f"{len(data['damaged'])} damaged record(s)",
                             hint=f"see `platform space status {team}`")


def _show(data) -> None:
    table(["unit", "applied", "release", "when", "who", "drift", "outputs"],
          [[u["unit"], "yes" if u["applied"] else "no", u["release"] or "-", u["when"] or "-", u["who"] or "-",
            {True: "DRIFT", False: "none", None: "?"}[u["drift"]] if u["applied"] else "-",
            ", ".join(f"{k}={v}" for k, v in list(u["outputs"].items())[:3])] for u in data["units"]])
    d = data["drift"]
    if not d["known"]:
        info(f"drift: unknown: {d['reason']}")
    for unit in d["drifted"]:
        changes = d["units"][unit]["changes"]
        info(f"drift: {unit}: a refresh would " + ", ".join(f"{op} {n}" for op, n in sorted(changes.items())))
    o = data["orphans"]
    if not o["known"]:
        info(f"orphans: unknown: {o['reason']}")
        return
    if not o["resources"]:
        info("orphans: none")
        return
    table(["orphan", "type", "id", "region"], [[r["arn"], r["type"] or "?", r["id"], r["region"]] for r in o["resources"]],
          title=f"{len(o['resources'])} orphan(s): tagged like the space, in no unit's state")
    for r in o["resources"]:
        info(f"{r['id']}: adopt: {r['adopt'] or '-'}")
        info(f"{' ' * len(r['id'])}  delete: {r['delete']}")
