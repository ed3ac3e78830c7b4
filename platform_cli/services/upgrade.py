"""`platform service upgrade`: move a service repository to a newer version of its template.

The old version (base) and the new one (theirs) are rendered with the answers the repository
recorded in ``.platform/answers.yml``; the values that come from the space (account, partition,
regions, waves, CI roles and registries, the Pulumi version) are read from the space again for
the new render, and the bindings the README documents from ``service.yaml``. A recorded value
equal to the old version's default takes the new version's default (a bumped pin moves on).
Then every file is merged three ways (``services/merge.py``) and written only once all are known.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConflictError, NotFoundError, UsageError
from .answers import ANSWERS_FILE, Answers, read_answers, repo_root
from .merge import CHANGING, FileChange, apply_changes, plan_merge, read_tree
from .pipeline import check_python_image

# template variables whose value the platform derives from the space (refreshed on upgrade)
SPACE_DERIVED = ("aws_account_id", "partition", "ecr_domain", "gitlab_url", "github_url", "github_audience", "pulumi_version", "preview_ttl_hours",
                 # what generated pipelines install (platform.yaml ci)
                 "platform_cli_requirements", "platform_cli_index_url", "platform_cli_vcs", "pulumi_sha256",
                 "image_python", "image_python_git", "image_docker", "image_docker_daemon")


@dataclass
class UpgradeResult:
    root: Path
    template: str
    from_version: str
    to_version: str
    dry_run: bool
    changes: list[FileChange] = field(default_factory=list)
    record_updated: bool = False  # the space's services: record now names the new version

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.outcome == "conflict"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.outcome] = out.get(c.outcome, 0) + 1
        return out

    def diff(self) -> str:
        return "".join(c.diff() for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.root), "template": self.template, "from": self.from_version, "to": self.to_version,
                "dry_run": self.dry_run, "counts": self.counts(), "record_updated": self.record_updated,
                "files": [c.to_json() for c in self.changes if c.outcome != "unchanged"],
                "conflicts": [c.path for c in self.conflicts]}


def _split(values: dict[str, Any], variables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers, verbatim dict variables) limited to the variables the template version has."""
    answers, replace = {}, {}
    for key, value in values.items():
        if key not in variables:
            continue
        (replace if isinstance(variables[key], dict) else answers)[key] = value
    return answers, replace


def _theirs_values(ws, root: Path, recorded: Answers, old_vars: dict[str, Any], new_tpl) -> dict[str, Any]:
    """Answers of the new render: recorded ones, except old defaults (they take the new default)
    and the values the space and service.yaml give."""
    from ..model import Service
    from ..service_repo import binding_variables, service_context

    values = {}
    for key, value in recorded.answers.items():
        default = old_vars.get(key)
        if isinstance(default, str) and "{{" not in default and value == default:
            continue  # a default of the old version: the new version's default applies
        values[key] = value
    a = recorded.answers
    workspace_path = (recorded.workspace.path if recorded.workspace and recorded.workspace.path
                      else os.path.relpath(ws.root, root))
    fresh, replace, _, _ = service_context(ws, str(a["service_name"]), str(a["team"]), new_tpl, str(a["ci"]),
                                           str(a.get("repository") or "") or None, workspace_path=workspace_path)
    for key in SPACE_DERIVED:
        if key in fresh:
            values[key] = fresh[key]
    if "workspace_path" in fresh:
        values["workspace_path"] = fresh["workspace_path"]
    values["environments"] = replace["environments"]
    if "bindings" in new_tpl.variables():
        svc = Service.load(root / "service.yaml")
        values["bindings"] = binding_variables(ws.catalog, [(b.name, b.offering, b.plan) for b in svc.bindings])
    return values


def _render(template_path: Path, values: dict[str, Any], variables: dict[str, Any], name: str, into: Path) -> Path:
    from ..scaffold.render import render_template

    answers, replace = _split(values, variables)
    return render_template(template_path, into / name, answers=answers, replace=replace).path


def upgrade_service(ws, service_dir: Path | str, to: str | None = None, *, dry_run: bool = False,
                    force: bool = False) -> UpgradeResult:
    """Upgrade the repository holding ``service_dir`` to template version ``to`` (default: the latest)."""
    from ..scaffold import find_template
    from ..scaffold.releases import template_at, version_key, versions
    from ..scaffold.templates import load_template
    from .gitops import uncommitted

    root = repo_root(service_dir)
    if root is None:
        raise NotFoundError(f"{service_dir} is not inside a service repository (no {ANSWERS_FILE} in it or above it)",
                            hint="run it in a repository generated by `platform service new`")
    recorded = read_answers(root)
    tpl = find_template(recorded.template, ws.root)
    known = versions(tpl.path, tpl.version)
    if recorded.template_version not in known:
        raise NotFoundError(f"{root / ANSWERS_FILE}: template_version {recorded.template_version} of {tpl.name} is not "
                            f"one this platform can render ({', '.join(known)})",
                            hint="upgrade the platform CLI, or fix template_version if it was edited by hand")
    target = to or tpl.version
    if target not in known:
        raise NotFoundError(f"--to {target}: template {tpl.name} has versions {', '.join(known)}")
    if version_key(target) < version_key(recorded.template_version):
        raise UsageError(f"--to {target} is older than the repository's {tpl.name}@{recorded.template_version}; "
                         "upgrades only move forward")
    result = UpgradeResult(root, tpl.name, recorded.template_version, target, dry_run)
    if target == recorded.template_version:
        return result
    if not dry_run and not force:
        dirty = uncommitted(root)
        if dirty:
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            raise ConflictError(f"{root} has uncommitted changes ({shown}); nothing was changed",
                                hint="commit or stash them first, so the upgrade is one reviewable change; "
                                     "--force upgrades anyway")
    name = str(recorded.answers.get("service_name") or root.name)
    labels = ("this repository", f"{tpl.name} {recorded.template_version}", f"{tpl.name} {target}")
    with tempfile.TemporaryDirectory(prefix=".platform-upgrade-") as tmp, \
            template_at(tpl.path, tpl.version, recorded.template_version) as old_dir, \
            template_at(tpl.path, tpl.version, target) as new_dir:
        old_tpl, new_tpl = load_template(old_dir), load_template(new_dir)
        old_vars, new_vars = old_tpl.variables(), new_tpl.variables()
        base = read_tree(_render(old_dir, recorded.answers, old_vars, name, Path(tmp) / "base"))
        theirs_values = _theirs_values(ws, root, recorded, old_vars, new_tpl)
        if "image_python" in new_vars:  # the Dockerfile's base image: the Python the template's CI tests with
            check_python_image(ws, tpl.name, theirs_values.get("python_version", new_vars.get("python_version")))
        theirs = read_tree(_render(new_dir, theirs_values, new_vars, name, Path(tmp) / "theirs"))
    result.changes = plan_merge(base, theirs, root, labels, managed=(ANSWERS_FILE,))
    if dry_run:
        return result
    apply_changes(root, result.changes)
    result.record_updated = _update_record(ws, recorded, target)
    return result


def _update_record(ws, recorded: Answers, version: str) -> bool:
    from .registry import update_record

    team, name = recorded.answers.get("team"), recorded.answers.get("service_name")
    if not isinstance(team, str) or not isinstance(name, str) or not ws.space_path(team).is_file():
        return False
    return update_record(ws, team, name, template_version=version)


def changing(result: UpgradeResult) -> list[FileChange]:
    return [c for c in result.changes if c.outcome in CHANGING or c.outcome == "kept"]


def template_status(ws, service_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """For the repository holding ``service_dir``, or for every service the workspace knows (its
    recorded version, or its checkout's where that is in the workspace): template version, the
    latest one, and whether it is behind."""
    from ..scaffold import list_templates
    from ..scaffold.releases import version_key
    from .registry import list_services

    root = ws.root if ws is not None else None
    latest = {t.name: t.version for t in list_templates(root)}
    rows = []
    if service_dir is not None:
        repo = repo_root(service_dir)
        if repo is None:
            raise NotFoundError(f"{service_dir} is not inside a service repository (no {ANSWERS_FILE} in it or above it)")
        a = read_answers(repo)
        entries = [(str(a.answers.get("team", "")), str(a.answers.get("service_name", repo.name)), a.template,
                    a.template_version, str(repo))]
    else:
        services, _ = list_services(ws, releases=False) if ws is not None else ([], [])  # versions only
        entries = [(s.team, s.name, s.template, s.template_version, s.path) for s in services if s.template]
    for team, name, template, version, path in entries:
        newest = latest.get(template)
        rows.append({"team": team, "service": name, "template": template, "version": version, "latest": newest,
                     "path": path,
                     "behind": newest is not None and version is not None and version_key(version) < version_key(newest)})
    return rows
