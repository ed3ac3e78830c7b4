"""A click group whose subcommands are imported only when they run."""

from __future__ import annotations

import importlib

import click


class OrderedGroup(click.Group):
    """Lists its commands in the order they were added (workflow order), not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


class LazyGroup(click.Group):
    """Subcommands from a static table ``name -> (module, attribute, short help)``.

    ``--help`` lists the table without importing anything; a module is imported only
    when its command is invoked (or its own ``--help`` is asked for).
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy) + [n for n in super().list_commands(ctx) if n not in self.lazy]

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and name not in self.lazy and name not in self.commands and not name.startswith("-") \
                and not ctx.resilient_parsing:
            # click suggests from the commands it has loaded; these are known from the table
            raise click.exceptions.NoSuchCommand(name, possibilities=self.list_commands(ctx), ctx=ctx)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr, _ = self.lazy[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in self.lazy.items()]
        rows += [(n, self.commands[n].get_short_help_str(80)) for n in self.commands if n not in self.lazy]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def lazy_group(name: str, help: str, table: dict[str, tuple[str, str]], package: str = "platform_cli.cli") -> click.Group:
    """A noun group: ``table`` maps verb -> ("module:attribute", short help)."""
    lazy = {}
    for verb, (target, short) in table.items():
        module, _, attr = target.partition(":")
        lazy[verb] = (f"{package}.{module}", attr or "command", short)
    return LazyGroup(name=name, help=help, lazy=lazy)
