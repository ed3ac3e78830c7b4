"""`platform marketplace ...`"""

import click

from ._common import info, json_option, print_json, table
from .blueprint import catalog


@click.group("marketplace")
def command():
    """Managed services a service can bind (postgres, queue, bucket, table, cache, topic), with plans."""


@command.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List offerings with their plans and monthly price estimates."""
    from ..catalog.views import list_offerings

    data = list_offerings(catalog(ctx))
    if as_json:
        print_json(data)
        return
    table(["offering", "plans (USD/month)", "description"],
          [[o["name"], ", ".join(f"{p['name']} {p['monthly_usd']:g}{' paid' if p['paid'] else ''}" for p in o["plans"]),
            o["description"]] for o in data["offerings"]], empty="no readable offerings in the marketplace")
    for e in data["errors"]:
        info(f"warning: {e}")


@command.command("show")
@click.argument("offering")
@json_option
@click.pass_context
def show(ctx, offering, as_json):
    """Show OFFERING: binding keys and every plan's parameters."""
    from ..catalog.views import show_offering

    data = show_offering(catalog(ctx), offering)
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['name']}: {data['description']}")
    click.echo(f"binding keys: {', '.join(data['binding_keys'])}")
    table(["plan", "USD/month", "paid", "parameters"],
          [[p["name"], f"{p['monthly_usd']:g}", "yes" if p["paid"] else "no",
            ", ".join(f"{k}={v}" for k, v in p["parameters"].items())] for p in data["plans"]])
