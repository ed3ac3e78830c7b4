"""The `platform` command: a lazy root group.

Subcommands are known from a static table and their modules are imported only when the
command runs, so `platform --help` imports neither pulumi nor boto3 nor cookiecutter.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import INTERNAL_ERROR_EXIT, PlatformError
from ._lazy import LazyGroup

# name -> (module under platform_cli.cli, short help)
COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("quickstart", "Try everything in one go: workspace, demo space, plan, service, waves."),
    "init": ("init", "Create a workspace with embedded defaults."),
    "doctor": ("doctor", "Check Python, workspace, Pulumi CLI, AWS credentials and the local cloud."),
    "space": ("space", "Team spaces: create, list, show, status, add-region, remove-region, set, plan, apply, destroy, delete."),
    "service": ("service", "Services: new, list, show, bind, unbind, plan, deploy, upgrade, preview."),
    "rollout": ("rollout", "Region-by-region rollouts in gated waves: plan, list, status, resume, rollback, cancel."),
    "blueprint": ("blueprint", "Blueprints of team spaces: list, show, validate, diff."),
    "marketplace": ("marketplace", "Managed services a service can bind, with plans and prices."),
    "market": ("market", "Countries, the AWS regions serving them, and data residency."),
    "template": ("template", "Service templates: list, show."),
    "fleet": ("fleet", "Every team space: blueprint adoption, upgrade plans and cohort upgrades."),
    "local": ("local", "The local cloud (moto server on 127.0.0.1): up, down, status."),
    "bootstrap": ("bootstrap", "Create or verify the shared state bucket, KMS key, history table and OIDC providers."),
    "history": ("history", "Deployments recorded: who, what, where, when, result."),
    "metrics": ("metrics", "Delivery metrics from the history (DORA)."),
    "catalog": ("catalog", "The workspace as a Backstage catalog: export."),
    "report": ("report", "One self-contained HTML page: fleet, map, spaces, rollouts, DORA, cost."),
    "cost": ("cost", "Monthly cost of the whole workspace by team, environment or offering."),
    "schema": ("schema", "JSON Schemas of every spec file: export (--check in CI)."),
}


@click.group(
    cls=LazyGroup,
    lazy={name: (f"{__name__}.{module}", "command", short) for name, (module, short) in COMMANDS.items()},
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--workspace", "-w", envvar="PLATFORM_WORKSPACE", metavar="DIR",
              help="Workspace folder (default: the current folder or the nearest one above with platform.yaml).")
@click.option("--debug", is_flag=True, envvar="PLATFORM_DEBUG", help="Show tracebacks of errors.")
@click.version_option(__version__, prog_name="platform")
@click.pass_context
def root(ctx: click.Context, workspace: str | None, debug: bool) -> None:
    """Self-service team spaces on AWS.

    \b
    A product team gets its own space from a blueprint, creates services from
    templates with CI/CD wired, binds managed services from the marketplace and
    rolls out region by region in gated waves.

    \b
    Start here:
      platform quickstart demo        # workspace, demo space, plan, service, waves
      platform space create payments --blueprint standard@1 --env dev=DE --env prod=DE,FR,US
      platform space plan payments    # offline plan with policy findings and cost

    Read commands take --json; destructive ones take --yes. Exit codes are listed in
    README.md and by `platform doctor --exit-codes`.
    """
    ctx.obj = {"workspace": workspace, "debug": debug}


GLOBAL_OPTIONS = {"-w": True, "--workspace": True, "--debug": False}
"""Root options (and whether they take a value), accepted anywhere on the command line."""


def hoist_global_options(args: list[str]) -> list[str]:
    """Move root options given after the noun (``platform space list -w DIR``) to the front,
    where click expects them. Everything after ``--`` is left alone."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        name = a.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and rest:
            front.append(a)
            if GLOBAL_OPTIONS[name] and "=" not in a and i + 1 < len(args):
                front.append(args[i + 1])
                i += 1
        else:
            rest.append(a)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the root group and turns every error into one clean message."""
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    debug = "--debug" in args or os.environ.get("PLATFORM_DEBUG") not in (None, "", "0")
    try:
        root.main(args=args, prog_name="platform", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(11)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except PlatformError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a file the service layer did not expect to fail: name it, never a traceback
        if debug:
            import traceback

            traceback.print_exc()
        from ..yamlio import access_error

        err = access_error(exc.filename or "a file", exc, "use")
        click.echo(f"error: {err.message}", err=True)
        click.echo(f"hint: {err.hint}", err=True)
        sys.exit(err.exit_code)

    except Exception as exc:  # a bug: say so, keep the traceback for --debug
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("hint: rerun with --debug for the traceback and report it", err=True)
        sys.exit(INTERNAL_ERROR_EXIT)
    sys.exit(0)
