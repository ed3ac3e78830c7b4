"""`platform doctor`: check Python, workspace, Pulumi CLI, AWS credentials and the local cloud."""

from __future__ import annotations

import click

from ._common import info, json_option, print_json, table

_MARK = {"ok": "ok", "missing": "MISSING", "warn": "WARN", "fail": "FAIL"}


@click.command("doctor")
@json_option
@click.option("--check-aws", is_flag=True, help="Also call AWS STS (get-caller-identity) to verify the credentials.")
@click.option("--exit-codes", is_flag=True, help="List the exit codes of every command and what they mean.")
@click.pass_context
def command(ctx: click.Context, as_json: bool, check_aws: bool, exit_codes: bool) -> None:
    """Check what this machine and workspace can do, and say how to fix what is missing.

    \b
    No network call is made unless --check-aws is given. Missing optional parts
    (the Pulumi CLI, the local cloud, AWS credentials) are shown but do not fail:
    the exit code is 0 unless a required check fails: 7 when --check-aws cannot
    confirm the credentials of the workspace's account or finds no engine role
    (organization.engine_role) in it, 1 for an unusable Python.
    """
    if exit_codes:
        from ..errors import exit_codes as codes

        rows = codes()
        if as_json:
            print_json([{"code": c, "error": n, "meaning": m} for c, n, m in rows])
        else:
            table(["code", "error", "meaning"], rows)
        return
    from ..doctor import run_doctor

    report = run_doctor((ctx.find_root().obj or {}).get("workspace"), check_aws=check_aws)
    if as_json:
        print_json(report.to_dict())
    else:
        table(["check", "status", "detail"], [(c.name, _MARK.get(c.status, c.status), c.detail) for c in report.checks])
        for c in report.checks:
            if c.hint and c.status != "ok":
                info(f"{c.name}: {c.hint}")
    failed = [c for c in report.checks if c.required and c.status in ("missing", "fail")]
    if failed:
        from ..errors import CloudError, PlatformError

        cls = CloudError if all(c.name in ("aws-identity", "engine-role") for c in failed) else PlatformError
        raise cls("doctor: " + "; ".join(f"{c.name}: {c.detail}" for c in failed), hint=failed[0].hint)
