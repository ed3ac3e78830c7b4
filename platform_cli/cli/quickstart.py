import shlex
from pathlib import Path

import click

from ._common import info, json_option, next_step, print_json


@click.command("quickstart")
@click.argument("directory", default="platform-demo", type=click.Path(file_okay=False, path_type=Path))
@json_option
def command(directory: Path, as_json: bool) -> None:
    """Run the whole flow in DIRECTORY (default: platform-demo) on embedded defaults.

    \b
    Makes a workspace, creates a demo team space over three countries, shows
    it, plans it offline with policy findings and cost, generates a service
    with a postgres binding and CI/CD, and shows its rollout waves. Where the
    Pulumi CLI exists it also starts the local cloud, bootstraps, applies the
    space and deploys the service. It ends by writing the workspace report
    (one HTML file) and printing its path. Safe to run twice: existing parts are reused.
    """
    from ..quickstart import run_quickstart

    def report(step):
        info(f"[{step.status:>7}] {step.name}: {step.detail}")

    steps = run_quickstart(directory, report=report)
    report_path = next((s.data["path"] for s in steps if s.name == "report"), None)
    if as_json:
        print_json({"workspace": str(directory.resolve()),
                    "steps": [{"name": s.name, "status": s.status, "detail": s.detail} for s in steps],
                    "report": report_path})
    if report_path and not as_json:
        click.echo(report_path)
    if report_path:
        info(f"report: open {report_path} in a browser")
    next_step(f"platform -w {shlex.quote(str(directory))} space show demo")
