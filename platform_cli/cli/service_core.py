"""new, show, bind, unbind of services."""

import click

from ._common import info, json_option, next_step, print_json, table, workspace


@click.command("new")
@click.argument("name")
@click.option("--space", "-s", "space", required=True, metavar="TEAM", help="Team space the service deploys into.")
@click.option("--template", "-t", default="python-web", show_default=True, help="Template (`platform template list`).")
@click.option("--ci", type=click.Choice(["github", "gitlab"]), default="github", show_default=True, help="CI/CD provider.")
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to create the service folder NAME in.")
@click.option("--dry-run", is_flag=True, help="Render and list the files, write nothing.")
@json_option
@click.pass_context
def new(ctx, name, space, template, ci, output_dir, dry_run, as_json):
    """Generate the repository of service NAME in OUTPUT_DIR/NAME from a template.

    \b
    The context comes from the team space: AWS account, the CI deploy role and ECR
    repository of every environment and region, and the rollout waves. The folder
    is rendered aside and moved into place only when complete; an existing folder
    is never touched.

    \b
    Example:
      platform service new orders-api --space payments --template python-web --ci github
    """
    from ..service_repo import new_service

    result = new_service(workspace(ctx), name, space, template=template, ci=ci, output_dir=output_dir, dry_run=dry_run)
    if as_json:
        print_json(result.to_json())
    else:
        verb = "would create" if dry_run else "created"
        info(f"{verb} {result.path} from template {result.template}@{result.version} with {result.ci} CI/CD "
             f"({len(result.files)} files)")
        for env, waves in result.environments.items():
            info(f"  {env}: " + " -> ".join("[" + ", ".join(w) + "]" for w in waves))
        if dry_run:
            for f in result.files:
                click.echo(f)
    if dry_run:
        return
    if not result.repository_allowed:
        info(f"note: {result.repository} is not among the CI repositories of space {space}; its CI cannot deploy "
             f"until it is added to ci_repos in spaces/{space}.yaml")
    next_step(f"cd {result.path} && git init && git add -A && git commit -m 'Initial commit from {result.template}'",
              f"platform service bind {result.path} --offering postgres --plan dev --name db",
              f"platform service plan {result.path} --env {next(iter(result.environments))}")


def _print_binding(b: dict) -> None:
    click.echo(f"{b['name']}: {b['offering']} plan {b['plan']}"
               + (f" (${b['monthly_usd']:g}/month)" if b.get("monthly_usd") is not None else ""))
    for key, var in b["env"].items():
        click.echo(f"  {key:<9} ${var}   or file {b['files'][key]}")


@click.command("show")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=True))
@json_option
@click.pass_context
def show(ctx, service_dir, as_json):
    """Show the service in SERVICE_DIR: kind, environments, and each binding with the
    secret environment variables (or servicebinding.io files) the app reads."""
    from ..service_repo import show as show_service

    data = show_service(workspace(ctx), service_dir)
    if as_json:
        print_json(data)
        return
    click.echo(f"service:  {data['name']} ({data['kind']}) in space {data['space']}")
    if data["template"]:
        click.echo(f"template: {data['template']['name']}@{data['template']['version']}")
    table(["env", "regions", "markets"], [[e, ", ".join(v["regions"]) or "-", ", ".join(v["markets"]) or "-"]
                                          for e, v in data["environments"].items()])
    if not data["bindings"]:
        click.echo("bindings: none")
    for b in data["bindings"]:
        _print_binding(b)


@click.command("bind")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=True))
@click.option("--offering", "-o", required=True, help="Marketplace offering (`platform marketplace list`).")
@click.option("--plan", "-p", required=True, help="Plan of the offering.")
@click.option("--name", "-n", default=None, help="Binding name the app reads it under (default: the offering).")
@json_option
@click.pass_context
def bind(ctx, service_dir, offering, plan, name, as_json):
    """Bind OFFERING with PLAN to the service in SERVICE_DIR (edits service.yaml, keeping comments).

    The space's blueprint decides which offerings and plans are allowed. The
    credentials are injected at deploy time as secrets, never written anywhere.
    """
    from ..service_repo import bind as do_bind

    b = do_bind(workspace(ctx), service_dir, offering, plan, name).to_json()
    if as_json:
        print_json(b)
    else:
        info(f"bound {b['name']}: {offering} plan {plan} in {service_dir}; the app reads:")
        _print_binding(b)
    next_step(f"platform service plan {service_dir} --env dev", "git commit service.yaml catalog-info.yaml")


@click.command("unbind")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=True))
@click.argument("name")
@json_option
@click.pass_context
def unbind(ctx, service_dir, name, as_json):
    """Remove binding NAME from the service in SERVICE_DIR; its resource goes at the next deploy."""
    from ..service_repo import unbind as do_unbind

    b = do_unbind(workspace(ctx), service_dir, name).to_json()
    if as_json:
        print_json(b)
    else:
        info(f"removed binding {b['name']} ({b['offering']} plan {b['plan']}) from {service_dir}")
    next_step(f"platform service plan {service_dir} --env dev")
