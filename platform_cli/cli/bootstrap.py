"""`platform bootstrap`: create or verify the shared state bucket, KMS key, history table and OIDC providers,
and with an organization its OUs, SCPs and vended accounts' CI access."""

from __future__ import annotations

import click

from ._common import info, json_option, next_step, print_json, table, workspace


@click.command("bootstrap")
@json_option
@click.pass_context
def command(ctx: click.Context, as_json: bool) -> None:
    """Create or verify the shared resources: state bucket, KMS key, history table, CI OIDC providers.

    \b
    Safe to run again: what exists and matches is reported "found" and left alone,
    drift is repaired ("updated"), what is missing is "created". Works against the
    local cloud (cloud.target: local, after `platform local up`) and against AWS.

    \b
    With `organization` in platform.yaml (blueprints with isolation: account), its
    Organizations calls run in the management account (as organization.management_role,
    or with that account's own credentials, checked first): it also creates or verifies
    the two OUs and the guardrail SCPs attached to them, each vended account in its OU
    with its own blueprint's SCP (regions, protected services), the OIDC providers each vended account's CI
    needs, the policies that let that CI reach only its team's state and history, and
    the platform's cost allocation tags.
    """
    from ..aws.bootstrap import bootstrap

    ws = workspace(ctx)
    report = bootstrap(ws)
    where = report.endpoint or f"AWS account {report.account}"
    info(f"bootstrap in {report.region} ({where}): "
         + ("changes made" if report.changed else "everything found, nothing changed"))
    if as_json:
        print_json(report.to_dict())
    else:
        table(["kind", "name", "status", "details"],
              [(i.kind, i.name, i.status, "; ".join(i.details)) for i in report.items])
    next_step("platform space apply TEAM --env dev")
