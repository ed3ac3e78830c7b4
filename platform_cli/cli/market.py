"""`platform market ...`"""

import click

from ._common import json_option, print_json, table
from .blueprint import catalog


@click.group("market")
def command():
    """Countries, the AWS region serving each, data residency and partition."""


@command.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List countries with the region serving each."""
    from ..catalog.views import list_markets

    data = list_markets(catalog(ctx))
    if as_json:
        print_json(data)
        return
    table(["country", "name", "region", "residency", "partition"],
          [[m["country"], m["name"], m["region"], m["residency"], m["partition"]] for m in data["markets"]])
