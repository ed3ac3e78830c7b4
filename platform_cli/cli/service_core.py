"""new, show, bind, unbind of services."""

import click

from ._common import (confirm, exit_code_option, info, json_option, next_step, print_json, report_damaged,
                      service_workspace, table, workspace, yes_option)


@click.command("new")
@click.argument("name")
@click.option("--space", "-s", "space", required=True, metavar="TEAM", help="Team space the service deploys into.")
@click.option("--template", "-t", default="python-web", show_default=True, help="Template (`platform template list`).")
@click.option("--ci", type=click.Choice(["github", "gitlab"]), default="github", show_default=True, help="CI/CD provider.")
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to create the service folder NAME in.")
@click.option("--dry-run", is_flag=True, help="Render and list the files, write nothing.")
@click.option("--repo", "repo", metavar="OWNER/REPO", default=None,
              help="The service's CI repository (default: ORG/NAME, or the space's ci_repos entry named NAME).")
@click.option("--allow-repo", is_flag=True,
              help="Add the service's repository to the space's ci_repos (spaces/TEAM.yaml) when it is not there yet.")
@json_option
@click.pass_context
def new(ctx, name, space, template, ci, output_dir, dry_run, repo, allow_repo, as_json):
    """Generate the repository of service NAME in OUTPUT_DIR/NAME from a template.

    \b
    The context comes from the team space: AWS account, the CI deploy role and ECR
    repository of every environment and region, and the rollout waves. The folder
    is rendered aside and moved into place only when complete; an existing folder
    is never touched.

    The service is recorded in spaces/TEAM.yaml (services:) with its repository
    (--repo) and template version; `platform service list` shows it. Its
    .platform/answers.yml records the workspace repository, so commands run in
    a clone find the workspace. CI can deploy only from repositories listed in
    the space's ci_repos; --allow-repo adds this one (comments kept).

    \b
    Example:
      platform service new orders-api --space payments --template python-web --ci github
    """
    from ..service_repo import new_service

    result = new_service(workspace(ctx), name, space, template=template, ci=ci, output_dir=output_dir, dry_run=dry_run,
                         allow_repo=allow_repo, repo=repo)
    if as_json:
        print_json(result.to_json())
    else:
        verb = "would create" if dry_run else "created"
        info(f"{verb} {result.path} from template {result.template}@{result.version} with {result.ci} CI/CD "
             f"({len(result.files)} files), repository {result.repository}")
        info(f"{'would record' if dry_run else 'recorded'} service {name} in {result.space_file}")
        for env, waves in result.environments.items():
            info(f"  {env}: " + " -> ".join("[" + ", ".join(w) + "]" for w in waves))
        if dry_run:
            for f in result.files:
                click.echo(f)
    apply = f"platform space apply {space} --env ENV"
    if result.repository_added:
        verb = "would add" if dry_run else "added"
        info(f"{verb} {result.repository} to ci_repos in {result.space_file}; commit it, then `{apply}` for each "
             f"environment lets its CI deploy")
    elif not result.repository_allowed:
        info(f"note: {result.repository} is not among the CI repositories of space {space}, so its CI cannot deploy. "
             f"Add {result.repository} to the ci_repos list in {result.space_file} (the line `- {result.repository}` "
             f"under `ci_repos:`), commit it, then "
             f"`{apply}` for each environment (generating with --allow-repo makes this edit)")
    if dry_run:
        return
    next_step(*result.next_steps)


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
    from ..services.bindings import show as show_service

    data = show_service(service_workspace(ctx, service_dir), service_dir)
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
    from ..services.bindings import bind as do_bind

    b = do_bind(service_workspace(ctx, service_dir), service_dir, offering, plan, name).to_json()
    if as_json:
        print_json(b)
    else:
        info(f"bound {b['name']}: {offering} plan {plan} in {service_dir}; the app reads:")
        _print_binding(b)
    next_step(f"platform service plan {service_dir} --env dev", "git commit service.yaml catalog-info.yaml")


@click.command("unbind")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=True))
@click.argument("name")
@yes_option
@json_option
@click.pass_context
def unbind(ctx, service_dir, name, yes, as_json):
    """Remove binding NAME from the service in SERVICE_DIR.

    Destructive: the next deploy deletes the binding's resource (database, cache,
    queue, bucket ...) in every environment and region, and its data with it. Asks
    for confirmation; without a terminal, --yes is needed.
    """
    from ..services.bindings import unbind as do_unbind

    def ask(b) -> None:
        info(f"binding {b.name} ({b.offering} plan {b.plan}) will be removed from {service_dir}; the next deploy "
             f"deletes its {b.offering} resource in every environment and region, and the data in it")
        confirm(f"Remove binding {b.name} and delete its {b.offering} data at the next deploy?", yes=yes)

    b = do_unbind(service_workspace(ctx, service_dir), service_dir, name, confirm=ask).to_json()
    if as_json:
        print_json(b)
    else:
        info(f"removed binding {b['name']} ({b['offering']} plan {b['plan']}) from {service_dir}")
    next_step(f"platform service plan {service_dir} --env dev  # shows the {b['offering']} resource to be deleted")


@click.command("list")
@click.option("--space", "-s", "team", metavar="TEAM", default=None, help="Only the services of this team space.")
@exit_code_option("a space file cannot be read or a damaged history record was left out")
@json_option
@click.pass_context
def list_(ctx, team, exit_code, as_json):
    """List the services the workspace knows: recorded by `service new` in their space, and the
    repositories a space's ci_repos allows to deploy. Shows each one's template version (read from
    the repository's answers file where it is checked out in the workspace), environments and the
    last release deployed to each environment (from the history). A space file that cannot be
    read is reported, and a damaged history record is left out of the releases and named (file,
    table, row; "damaged" with --json); the others are still listed.

    \b
    Example:
      platform service list --space payments --json
    """
    from ..services.registry import list_services

    damaged: list[str] = []
    items, bad = list_services(workspace(ctx), team, damaged=damaged)
    if as_json:
        print_json({"services": [s.to_json() for s in items], "errors": [e.message for e in bad], "damaged": damaged})
    else:
        table(["space", "service", "repository", "template", "environments", "last release"],
              [[s.team, s.name, s.repository, f"{s.template}@{s.template_version}" if s.template else "- (ci_repos only)",
                ", ".join(f"{e}={s.releases[e]}" if e in s.releases else e for e in s.environments),
                f"{s.last_release['version']} ({s.last_release['env']})" if s.last_release else "-"] for s in items])
        for e in bad:
            info(f"warning: {e.message}")
    report_damaged(damaged, exit_code=exit_code, what="the services' releases", unread=len(bad))
