"""`platform service upgrade`: a service repository moved to a newer version of its template."""

from __future__ import annotations

import click

from ._common import info, json_option, next_step, print_json, service_workspace, table


@click.command("upgrade")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(file_okay=False))
@click.option("--to", "to", metavar="VERSION", default=None, help="Template version to move to (default: the latest).")
@click.option("--dry-run", is_flag=True, help="Print the diff the upgrade would make; write nothing.")
@click.option("--force", is_flag=True, help="Upgrade a git repository that has uncommitted changes.")
@json_option
@click.pass_context
def upgrade(ctx, service_dir, to, dry_run, force, as_json):
    """Merge a newer version of the template into the repository in SERVICE_DIR.

    \b
    The old version (as generated) and the new one are rendered with the answers in
    .platform/answers.yml, the space's current values (regions, roles, account) and
    the bindings in service.yaml, and merged with the repository three ways (git's
    merge-file):
      kept       you changed it, the template did not
      updated    the template changed it, you did not
      merged     both changed it, in different places
      conflict   both changed the same lines: the file has conflict markers
      added      new in the template
      removed    gone from the template, and you never changed it
    Nothing is written until every file is decided. Conflicts are listed and the exit
    code is 5. A git repository with uncommitted changes is refused (--force).

    \b
    Example:
      platform service upgrade . --dry-run
      platform service upgrade . && git diff
    """
    from ..services.upgrade import upgrade_service

    result = upgrade_service(service_workspace(ctx, service_dir), service_dir, to, dry_run=dry_run, force=force)
    if as_json:
        print_json({**result.to_json(), **({"diff": result.diff()} if dry_run else {})})
    else:
        if result.from_version == result.to_version:
            info(f"{result.root} is at {result.template}@{result.to_version} already; nothing to do")
            return
        verb = "would upgrade" if dry_run else "upgraded"
        info(f"{verb} {result.root} from {result.template}@{result.from_version} to {result.to_version}")
        if dry_run:
            click.echo(result.diff(), nl=False)
        rows = [[c.outcome, c.path, c.note] for c in result.changes if c.outcome != "unchanged"]
        if rows and not dry_run:
            table(["outcome", "file", "note"], rows)
        for r in rows if dry_run else []:  # stdout holds the diff
            info(f"  {r[0]:<9} {r[1]}  {r[2]}".rstrip())
        info(", ".join(f"{n} {k}" for k, n in sorted(result.counts().items())))
    if result.conflicts and not dry_run:
        from ..errors import ConflictError

        raise ConflictError(f"{len(result.conflicts)} file(s) have conflicts: {', '.join(c.path for c in result.conflicts)}; "
                            "the other changes are written",
                            hint="resolve the markers (<<<<<<< ... >>>>>>>) in those files, then commit")
    if not dry_run and result.from_version != result.to_version:
        next_step(f"cd {result.root} && git diff && git commit -am 'Upgrade to {result.template} {result.to_version}'")
    elif dry_run and result.from_version != result.to_version:
        next_step(f"platform service upgrade {service_dir}" + (f" --to {to}" if to else ""))
