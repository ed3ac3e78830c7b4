"""create, list, show, add-region of team spaces."""

import click

from ._common import info, json_option, next_step, print_json, table, workspace


@click.command("create")
@click.argument("team")
@click.option("--blueprint", "-b", required=True, metavar="NAME@VERSION", help="Blueprint, e.g. standard@1 (`platform blueprint list`).")
@click.option("--env", "-e", "envs", multiple=True, required=True, metavar="ENV=PLACE[,PLACE...]",
              help="Environment with regions or country codes, e.g. prod=DE,FR,US. Repeat per environment.")
@click.option("--owner", "owners", multiple=True, metavar="EMAIL", help="Owner email (budget alerts). Repeatable.")
@click.option("--cost-center", default="unassigned", show_default=True, help="Cost center tag of every resource.")
@click.option("--ci-repo", "ci_repos", multiple=True, metavar="PROVIDER:PATH",
              help="CI repository allowed to deploy through OIDC, trusted on its own provider only: github:OWNER/REPO "
                   "or gitlab:GROUP/PROJECT (OWNER/REPO alone is GitHub). Repeatable.")
@click.option("--description", default="", help="What the team does.")
@json_option
@click.pass_context
def create(ctx, team, blueprint, envs, owners, cost_center, ci_repos, description, as_json):
    """Create the team space TEAM: writes spaces/TEAM.yaml.

    \b
    Countries resolve through the markets: --env prod=DE,FR,US gives
    eu-central-1, eu-west-3 and us-east-1. Each env x region gets its own
    CIDR block from the workspace pool; existing blocks never move.

    \b
    Example:
      platform space create payments --blueprint standard@1 \\
        --env dev=DE --env prod=DE,FR,US --owner lead@example.com --ci-repo acme/payments-api
    """
    from ..spaces import CreateSpaceRequest, create_space, space_details

    ws = workspace(ctx)
    space = create_space(ws, CreateSpaceRequest(team=team, blueprint=blueprint, envs=list(envs), owners=list(owners),
                                                cost_center=cost_center, ci_repos=list(ci_repos), description=description))
    if not space.owners:
        info("warning: no --owner given: the budget alerts of this space reach nobody (add owners to the space file)")
    if as_json:
        print_json(space_details(ws, space))  # the space as written: not read again
    else:
        info(f"created team space {team} from {space.blueprint} in {ws.space_path(team)}")
        _units_table(space_details(ws, space))
    next_step(f"platform space plan {team}", f"platform service new api --space {team}")


@click.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List the team spaces. A broken space file is reported, the others still listed."""
    from ..spaces import list_spaces

    data = list_spaces(workspace(ctx))
    if as_json:
        print_json(data)
    else:
        table(["team", "blueprint", "environments", "units", "cost center"],
              [[s["team"], s["blueprint"], "; ".join(f"{e}: {','.join(r)}" for e, r in s["environments"].items()),
                s["units"], s["cost_center"]] for s in data["spaces"]],
              empty="no team spaces yet; create one with `platform space create TEAM --blueprint standard@1 --env dev=DE`")
        for err in data["errors"]:
            info(f"warning: {err}")


@click.command("show")
@click.argument("team")
@json_option
@click.pass_context
def show(ctx, team, as_json):
    """Show the team space TEAM: blueprint, owners, units and their CIDR blocks, and its vended AWS accounts."""
    from ..spaces import show_space

    data = show_space(workspace(ctx), team)
    if as_json:
        print_json(data)
        return
    click.echo(f"team:        {data['team']}")
    click.echo(f"blueprint:   {data['blueprint']}")
    click.echo(f"owners:      {', '.join(data.get('owners', [])) or '-'}")
    click.echo(f"cost center: {data['cost_center']}")
    click.echo(f"ci repos:    {', '.join(data.get('ci_repos', [])) or '-'}")
    _units_table(data)
    if data.get("accounts"):
        table(["env", "account", "state", "email", "since", "closed"],
              [[a["env"], a["account_id"], a["state"], a["email"], a["created_at"], a.get("closed_at") or "-"]
               for a in data["accounts"]], title="AWS accounts (isolation: account)")


def _units_table(data):
    table(["env", "region", "cidr", "partition"], [[u["env"], u["region"], u["cidr"], u["partition"]] for u in data["units"]])


@click.command("add-region")
@click.argument("team")
@click.option("--env", "-e", required=True, help="Environment to extend; it must exist unless --new-env.")
@click.option("--new-env", is_flag=True, help="Create ENV when it does not exist yet (else a typo such as prd is refused).")
@click.argument("place")
@json_option
@click.pass_context
def add_region(ctx, team, env, new_env, place, as_json):
    """Add PLACE (a region such as eu-west-1 or a country such as FR) to an environment of TEAM.

    \b
    The new region gets its own CIDR block; existing blocks do not move. An
    environment that does not exist is refused, naming the nearest existing one,
    unless --new-env is given (prod and production are protected when created).
    Example: platform space add-region payments --env prod JP
    """
    from ..spaces import add_region as add, space_details

    ws = workspace(ctx)
    result = add(ws, team, env, place, new_env=new_env)
    if as_json:
        print_json({"added": result.added, "already_present": result.already, "space": space_details(ws, result.space)})
        return
    for r in result.added:
        info(f"added {r} to {team}/{env} with {result.space.cidr(env, r)}")
    for r in result.already:
        info(f"{r} is already in {team}/{env}; nothing changed")
    if result.added:
        next_step(f"platform space plan {team} --env {env}")
