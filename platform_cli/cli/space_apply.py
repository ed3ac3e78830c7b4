"""`platform space apply|destroy`: a space's units of one environment, through the Pulumi engine."""

from __future__ import annotations

import click

from ._common import confirm, info, json_option, workspace, yes_option


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
@yes_option
@json_option
@click.pass_context
def destroy(ctx, team, env, yes, as_json):
    """Destroy TEAM's space in ENV, in reverse rollout order. Asks first; --yes in scripts.

    The space file (spaces/TEAM.yaml) and its CIDR blocks stay; `platform space apply`
    builds the units again.
    """
    from ..deploy import destroy_space, space_waves
    from .rollout import print_outcome, report

    ws = workspace(ctx)
    p = space_waves(ws, team, env)
    confirm(f"destroy {len(p.units)} unit(s) of {team}/{env} ({', '.join(reversed(p.regions))}) and everything in them?",
            yes=yes)
    with report(as_json):
        outcome = destroy_space(ws, team, env)
    print_outcome(outcome, as_json, f"platform space apply {team} --env {env}")
