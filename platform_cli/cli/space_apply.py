"""`platform space apply|destroy`: a space's units of one environment, through the Pulumi engine."""

from __future__ import annotations

import click

from ._common import confirm, info, json_option, next_step, print_json, workspace, yes_option


@click.command("apply")
@click.argument("team")
@click.option("--env", "-e", required=True, help="Environment whose units are applied.")
@click.option("--approve", "--yes", "-y", "approve", is_flag=True,
              help="Grant the manual approval of a protected environment without asking (needed in CI).")
@json_option
@click.pass_context
def apply(ctx, team, env, approve, as_json):
    """Apply TEAM's space in ENV: the first region alone, then batches of 3, gates between waves.

    \b
    Progress goes to stderr; the final state (--json: as JSON) to stdout. A failure
    halts the rollout: `platform rollout resume ID` continues it.
    With a blueprint of isolation: account, ENV's AWS account is made sure of first:
    found, or created in its OU (waiting up to organization.create_timeout_seconds),
    and recorded in spaces/TEAM.yaml; a creation still running is continued by the
    next apply. This needs no Pulumi engine; the units do.
    Example: platform space apply payments --env dev
    """
    from ..deploy import apply_space, space_waves
    from .rollout import print_outcome, report

    ws = workspace(ctx)
    p = space_waves(ws, team, env)
    info(f"{p.target}: {len(p.units)} unit(s) in {len(p.waves)} wave(s)")
    with report(as_json):
        outcome = apply_space(ws, team, env, approve=approve)
    print_outcome(outcome, as_json, f"platform service new api --space {team}")


@click.command("destroy")
@click.argument("team")
@click.option("--env", "-e", required=True, help="Environment whose units are destroyed.")
@click.option("--close-account", is_flag=True,
              help="Then close the environment's AWS account (account isolation). AWS keeps a closed account "
                   "suspended for 90 days, then deletes it; the space file keeps its id and closing date.")
@yes_option
@json_option
@click.pass_context
def destroy(ctx, team, env, close_account, yes, as_json):
    """Destroy TEAM's space in ENV, in reverse rollout order. Asks first; --yes in scripts.

    \b
    The space file (spaces/TEAM.yaml) and its CIDR blocks stay; `platform space apply`
    builds the units again. With --close-account (isolation: account) the environment's
    account is closed once its units are gone: it cannot be used again by the space
    (AWS keeps it suspended for 90 days; AWS Support can reopen it in that time).
    Example: platform space destroy payments --env dev --close-account
    """
    from ..deploy import destroy_space, space_waves
    from .rollout import print_outcome, report

    ws = workspace(ctx)
    p = space_waves(ws, team, env)
    question = f"destroy {len(p.units)} unit(s) of {team}/{env} ({', '.join(reversed(p.regions))}) and everything in them"
    if close_account:
        from ..accounts.closing import destroy_and_close
        from ..accounts.vending import closable

        acct = closable(ws, team, env)
        question += (f", then close AWS account {acct.account_id} ({acct.email}); AWS keeps a closed account suspended "
                     "for 90 days and then deletes it")
    confirm(question + "?", yes=yes)
    with report(as_json):
        if close_account:
            outcome, closed = destroy_and_close(ws, team, env)
        else:
            outcome, closed = destroy_space(ws, team, env), None
    if closed is not None:
        info(f"account {closed.account_id} of {team}/{env}: {closed.status} (suspended by AWS for 90 days; "
             f"the space file keeps its id and date)")
    if as_json and closed is not None:
        print_json({**outcome.to_json(), "closed_account": closed.to_data()})
        next_step(f"platform space status {team}")
    else:
        print_outcome(outcome, as_json, f"platform space apply {team} --env {env}" if closed is None
                      else f"platform space status {team}")
