"""What every command module shares: workspace lookup, --json, tables, confirmation, hints.

Data goes to stdout, progress and prompts to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

from ..errors import UserAbort


def workspace(ctx: click.Context):
    """The workspace of this invocation (from --workspace, $PLATFORM_WORKSPACE or the cwd)."""
    from ..workspace import WorkspaceContext

    obj = ctx.find_root().obj or {}
    return WorkspaceContext.open(obj.get("workspace"))


def service_workspace(ctx: click.Context, service_dir):
    """The workspace of a command about the service in ``service_dir``: --workspace, else
    $PLATFORM_WORKSPACE, else the folders above the current folder and the service folder,
    else the checkout the repository's .platform/answers.yml records."""
    from click.core import ParameterSource

    from ..services.answers import locate_workspace
    from ..workspace import WorkspaceContext

    root_ctx = ctx.find_root()
    obj = root_ctx.obj or {}
    explicit = obj.get("workspace") if root_ctx.get_parameter_source("workspace") == ParameterSource.COMMANDLINE else None
    return WorkspaceContext.open(locate_workspace(service_dir, explicit).root)


LIST_LIMIT = click.IntRange(min=1, max=100_000)
"""--limit of the list commands: at least one row, at most what a terminal or a pipe can use."""
PR_NUMBER = click.IntRange(min=1, max=10**7 - 1)
"""A pull (merge) request number, as preview names take it (services.preview.PR_MAX)."""


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(f)


def yes_option(f: Callable) -> Callable:
    return click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")(f)


def exit_code_option(when: str = "a damaged record was left out") -> Callable[[Callable], Callable]:
    """``--exit-code``: exit 12 (StatusFindings) WHEN, for a scheduled CI job."""
    return click.option("--exit-code", is_flag=True, help=f"Exit 12 when {when} (for a scheduled CI job).")


def report_damaged(damaged: Sequence[str], *, exit_code: bool, what: str, unread: int = 0) -> None:
    """Name on stderr each damaged record a read command left out (file, table, row and why); with
    EXIT_CODE, end with exit 12 (StatusFindings) when there was one, or one of UNREAD files the
    command could not read (named by the command already), after the output."""
    for line in damaged:
        info(f"warning: left out, damaged: {line}")
    if exit_code and (damaged or unread):
        from ..errors import StatusFindings

        files = f"{unread} file(s) that cannot be read and " if unread else ""
        raise StatusFindings(f"{files}{len(damaged)} damaged record(s) left out of {what}",
                             hint="remove or repair them (named above); the platform never writes one like them")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


KEY_COLUMNS = frozenset({"unit", "id", "rollout", "resource", "team", "blueprint"})
"""Columns whose values are identifiers people copy into the next command: never shortened."""
MIN_OTHER = 6  # narrowest an other column is folded to


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None,
          empty: str | None = None) -> None:
    """A table on stdout (rich when a terminal, plain aligned text otherwise).

    Identifiers (:data:`KEY_COLUMNS`) are shown whole; other columns wrap. When even that
    does not fit the terminal, each row is shown as ``column: value`` lines instead.
    ``empty`` is said (on stderr) when there are no rows."""
    rows = [[("" if c is None else str(c)) for c in r] for r in rows]
    if not rows and empty:
        if title:
            click.echo(title)
        info(empty)
        return
    if sys.stdout.isatty():
        from rich.console import Console

        console = Console()
        console.print(rich_table(columns, rows, title=title, width=console.width))
        return
    if title:
        click.echo(title)
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for r in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def rich_table(columns: Sequence[str], rows: list[list[str]], *, title: str | None = None, width: int = 80):
    """The rich renderable of :func:`table` for a terminal ``width`` columns wide."""
    from rich.table import Table

    longest = [max([0] + [len(r[i]) for r in rows]) for i in range(len(columns))]
    keys = [c in KEY_COLUMNS for c in columns]
    need = sum(n if k else min(n, MIN_OTHER) for n, k in zip(longest, keys)) + 3 * len(columns)
    if need <= width:
        t = Table(title=title, show_edge=False, header_style="bold")
        for c, n, k in zip(columns, longest, keys):
            if k:
                t.add_column(c, no_wrap=True, min_width=max(n, 1), overflow="fold")
            else:
                t.add_column(c, overflow="fold", min_width=min(n, MIN_OTHER) or None)
        for r in rows:
            t.add_row(*r)
        return t
    # one record per row: column names on the left, values whole on the right
    t = Table(title=title, show_edge=False, show_header=False, box=None, padding=(0, 1))
    t.add_column("field", style="bold", no_wrap=True)
    t.add_column("value", overflow="fold")
    for i, r in enumerate(rows):
        if i:
            t.add_row("", "")
        for c, v in zip(columns, r):
            t.add_row(c or "-", v)
    return t


def info(message: str) -> None:
    """Progress and status for people, on stderr."""
    click.echo(message, err=True)


def invocation() -> str:
    """How to type this program again from the current folder: ``platform`` when that is what
    PATH finds, else the path it was started by (``.venv/bin/platform``)."""
    import os
    import shlex
    import shutil
    from sys import argv

    argv0 = argv[0] if argv else ""
    if os.path.basename(argv0) != "platform" or not os.path.isfile(argv0):
        return "platform"
    found = shutil.which("platform")
    if found and os.path.samefile(found, argv0):
        return "platform"
    path = os.path.abspath(argv0)
    rel = os.path.relpath(path)
    shown = rel if not rel.startswith("..") else path
    return shlex.quote(shown if "/" in shown else f"./{shown}")


def next_step(*commands: str) -> None:
    """``next: COMMAND`` lines on stderr; a leading ``platform`` is written as it can be pasted here."""
    prefix = invocation()
    for c in commands:
        if c.startswith("platform ") and prefix != "platform":
            c = prefix + c[len("platform"):]
        click.echo(f"next: {c}", err=True)


def confirm(question: str, *, yes: bool) -> None:
    """Ask on stderr; refuse without a terminal unless --yes was given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UserAbort(f"{question} needs confirmation, and there is no terminal to ask",
                        hint="pass --yes to confirm in scripts and CI")
    if not click.confirm(question, err=True, default=False):
        raise UserAbort("not confirmed; nothing was changed")
