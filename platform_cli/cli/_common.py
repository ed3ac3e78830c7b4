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


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(f)


def yes_option(f: Callable) -> Callable:
    return click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")(f)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> None:
    """A table on stdout (rich when a terminal, plain aligned text otherwise)."""
    rows = [[("" if c is None else str(c)) for c in r] for r in rows]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, show_edge=False, header_style="bold")
        for c in columns:
            t.add_column(c)
        for r in rows:
            t.add_row(*r)
        Console().print(t)
        return
    if title:
        click.echo(title)
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for r in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def info(message: str) -> None:
    """Progress and status for people, on stderr."""
    click.echo(message, err=True)


def next_step(*commands: str) -> None:
    for c in commands:
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
