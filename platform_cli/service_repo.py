"""Service repositories: generating one from a template, the names of what it deploys, and the
offerings and plans its space's blueprint allows.

* :func:`new_service` renders a template with the context of a team space (account, CI
  deploy roles, ECR repositories, regions and waves per environment) into a new folder.
* :func:`check_binding` is the guardrail every binding passes; editing the bindings of a
  repository (``bind``, ``unbind``, ``show``) is :mod:`platform_cli.services.bindings`.

The app reads binding key KEY of binding NAME from the secret environment variable
``BINDING_<NAME>_<KEY>`` (see :func:`binding_env_name`) or, when ``SERVICE_BINDING_ROOT``
is set, from the file ``$SERVICE_BINDING_ROOT/<name>/<key>`` (servicebinding.io).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotFoundError, PlatformError, PolicyError, UsageError
from .model import Blueprint, Offering, Plan, Service, Space
from .model.base import DNS_NAME, plain
from .planning.accounts import vended_account_id
from .planning.aws_rules import check_part
from .planning.ci_hosts import GITHUB_COM, oidc_host
from .planning.ci_repos import REPO_PATH_PATTERN, CiRepo, github_subject_command, has_repo, parse_ci_repo
from .planning.names import resource_name, space_prefix
from .services.pipeline import (check_python_image, ci_host_answers, ci_supply_chain, ecr_domain,  # noqa: F401
                                ecr_registry, pulumi_version)
from .yamlio import parse_yaml

CATALOG_FILE = "catalog-info.yaml"
DEFAULT_TEMPLATE = "python-web"
CI_PROVIDERS = ("github", "gitlab")
TEMPLATE_BATCH_SIZE = 3  # rollout.batch_size the templates write into service.yaml
ANNOTATION = "platform.example.dev"


# names ---------------------------------------------------------------------------
def binding_env_name(binding: str, key: str) -> str:
    """Secret environment variable a binding key is injected as: BINDING_<NAME>_<KEY>."""
    return "BINDING_" + re.sub(r"[^A-Z0-9]", "_", f"{binding}_{key}".upper())


def binding_file(binding: str, key: str) -> str:
    """Where the key is when SERVICE_BINDING_ROOT is set (servicebinding.io)."""
    return f"$SERVICE_BINDING_ROOT/{binding}/{key}"


def ci_role_name(team: str, env: str, region: str) -> str:
    """IAM role CI assumes to deploy into one space unit (created by the space's Access component)."""
    return resource_name(space_prefix(team, env, region), "ci-deploy", max_len=64)


def ecr_repository_name(team: str, env: str, region: str) -> str:
    """ECR repository of a space unit; services push SERVICE-VERSION tags into it."""
    return space_prefix(team, env, region)


def backstage_resource_name(service: str, binding: str) -> str:
    """Backstage Resource entity of a binding: SERVICE-BINDING (Backstage names allow no ``--``)."""
    return f"{service}-{binding}"


# guardrails ----------------------------------------------------------------------
def _plan_allowed(bp: Blueprint, offering: str, plan: Plan) -> bool:
    g = bp.guardrails
    if offering in g.allowed_plans and plan.name not in g.allowed_plans[offering]:
        return False
    return g.allow_paid_plans or not plan.paid


def allowed_offerings(catalog, bp: Blueprint) -> list[str]:
    names = catalog.offering_names()
    allowed = bp.guardrails.allowed_offerings
    return [n for n in names if not allowed or n in allowed]


def allowed_plans(bp: Blueprint, offering: Offering) -> list[Plan]:
    return [p for p in offering.plans if _plan_allowed(bp, offering.name, p)]


def check_binding(catalog, bp: Blueprint, offering_name: str, plan_name: str) -> tuple[Offering, Plan]:
    """The offering and plan, when the blueprint allows them; otherwise an error listing valid choices."""
    allowed = allowed_offerings(catalog, bp)
    if offering_name not in catalog.offering_names():
        raise NotFoundError(f"offering {offering_name!r} does not exist; offerings blueprint {bp.ref} allows: "
                            f"{', '.join(allowed) or 'none'}", hint="`platform marketplace list` shows offerings and plans")
    if offering_name not in allowed:
        raise PolicyError(f"blueprint {bp.ref} does not allow offering {offering_name!r}; allowed: {', '.join(allowed) or 'none'}",
                          hint="ask Cloud & Tools, or move the space to a blueprint that allows it")
    offering = catalog.offering(offering_name)
    ok = allowed_plans(bp, offering)
    choices = ", ".join(f"{p.name} (${p.monthly_usd:g}/month{', paid' if p.paid else ''})" for p in ok) or "none"
    plan = offering.plan(plan_name)
    if plan is None:
        raise NotFoundError(f"offering {offering_name} has no plan {plan_name!r}; plans blueprint {bp.ref} allows: {choices}",
                            hint=f"`platform marketplace show {offering_name}` describes every plan")
    g = bp.guardrails
    if offering_name in g.allowed_plans and plan_name not in g.allowed_plans[offering_name]:
        raise PolicyError(f"blueprint {bp.ref} does not allow plan {plan_name!r} of {offering_name}; allowed: {choices}")
    if plan.paid and not g.allow_paid_plans:
        raise PolicyError(f"plan {plan_name!r} of {offering_name} is paid (${plan.monthly_usd:g}/month) and blueprint "
                          f"{bp.ref} does not allow paid plans; plans it allows: {choices}",
                          hint="a blueprint version with allow_paid_plans (e.g. standard@2) permits it")
    return offering, plan


# new service -----------------------------------------------------------------------
@dataclass
class NewServiceResult:
    path: Path
    template: str
    version: str
    ci: str
    files: list[str]
    repository: str
    repository_allowed: bool  # whether the repository is among the space's ci_repos (after --allow-repo)
    dry_run: bool
    environments: dict[str, Any] = field(default_factory=dict)
    repository_added: bool = False  # added to the space's ci_repos by this call (or would be, on a dry run)
    space_file: Path | None = None  # spaces/TEAM.yaml
    bindings: list[dict[str, str]] = field(default_factory=list)  # bindings the template wrote into service.yaml
    next_steps: list[str] = field(default_factory=list)  # commands that make sense next for this service

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "template": self.template, "version": self.version, "ci": self.ci,
                "repository": self.repository, "repository_allowed": self.repository_allowed,
                "repository_added": self.repository_added, "space_file": str(self.space_file) if self.space_file else None,
                "dry_run": self.dry_run, "environments": self.environments, "bindings": self.bindings,
                "next_steps": self.next_steps, "files": self.files}


def service_context(ws, name: str, team: str, template, ci: str, repo: str | None = None,
                    workspace_path: str | None = None) -> tuple[dict[str, Any], dict[str, Any], CiRepo, bool]:
    """(answers, verbatim variables, repository, repository allowed) for rendering ``template`` in ``team``'s space.

    ``repo`` is the service's repository (default: the ci_repos entry named like the service, else
    ORG/NAME); ``workspace_path`` where a checkout of the workspace is, relative to the repository."""
    from .planning.waves import plan_waves

    space = ws.space(team)
    bp = ws.catalog.blueprint(space.blueprint)
    if ci not in template.ci:
        raise UsageError(f"template {template.name} supports --ci {' or '.join(template.ci)}, not {ci!r}")
    if ci == "github" and not bp.access.github_oidc:
        raise PolicyError(f"blueprint {bp.ref} of space {team} does not trust GitHub Actions (access.github_oidc is false)",
                          hint="use --ci gitlab, or a blueprint that trusts GitHub's OIDC provider")
    if ci == "gitlab" and not bp.access.gitlab.enabled:
        raise PolicyError(f"blueprint {bp.ref} of space {team} does not trust GitLab CI (access.gitlab.enabled is false)",
                          hint="use --ci github, or a blueprint that trusts GitLab's OIDC provider")
    hosts = ws.config.ci.hosts
    github, gitlab = oidc_host(hosts, "github"), oidc_host(hosts, "gitlab", bp)
    account = ws.config.cloud.account_id
    environments: dict[str, Any] = {}
    partitions = set()
    for env_name, env in space.environments.items():
        plan = plan_waves(env.regions, batch_size=TEMPLATE_BATCH_SIZE, partition_of=ws.catalog.partition,
                          target=f"{team}/{env_name}")
        partition = plan.partition
        partitions.add(partition)
        env_account = vended_account_id(ws.config, bp, space, env_name, partition)  # the environment's own account
        environments[env_name] = {
            "regions": list(env.regions),
            "protected": env.protected,
            "ci_environment": env_name,
            "waves": [list(w.regions) for w in plan.waves],
            "account_id": env_account,
            "roles": {r: f"arn:{partition}:iam::{env_account}:role/{ci_role_name(team, env_name, r)}" for r in env.regions},
            "repositories": {r: ecr_repository_name(team, env_name, r) for r in env.regions},
            "registries": {r: ecr_registry(env_account, r, partition) for r in env.regions},
        }
    partition = "aws-cn" if partitions == {"aws-cn"} else sorted(partitions - {"aws-cn"} or {"aws"})[0]
    if repo is None:  # the space's repository of this name on this CI provider, else ORG/NAME there
        known = [r for r in map(parse_ci_repo, space.ci_repos) if r.provider == ci and r.name == name]
        ci_repo = known[0] if known else CiRepo(ci, f"{ws.config.org}/{name}")
    elif not re.fullmatch(REPO_PATH_PATTERN, repo):
        raise UsageError(f"--repo {repo!r}: expected OWNER/REPO (GitLab groups may nest: GROUP/SUB/REPO)")
    else:
        ci_repo = CiRepo(ci, repo)
    repo = ci_repo.path
    answers: dict[str, Any] = {
        "service_name": name,
        "team": team,
        "description": f"{'An HTTP service' if template.kind == 'web' else 'A queue worker'} of team {team}.",
        "org": ws.config.org,
        "ci": ci,
        "repository": repo,
        "workspace_repo": f"{ws.config.org}/platform-workspace",
        "aws_account_id": account,
        "partition": partition,
        "ecr_domain": ecr_domain(partition),
        "gitlab_url": gitlab.url if gitlab is not None else bp.access.gitlab.url.rstrip("/"),
    }
    variables = template.variables()
    answers.update({k: v for k, v in ci_host_answers(github).items() if k in variables})
    pulumi = pulumi_version()
    if pulumi is not None:  # else the template's default
        answers["pulumi_version"] = pulumi
    answers.update({k: v for k, v in ci_supply_chain(ws.config.ci).items() if k in variables})
    if "workspace_path" in variables and workspace_path:
        answers["workspace_path"] = workspace_path
    if "preview_ttl_hours" in variables:
        answers["preview_ttl_hours"] = str(bp.previews.ttl_hours)
    if "queue_binding" in variables:  # a worker binds a queue: the blueprint must allow it
        plan_name = str(variables.get("queue_plan", "standard"))
        offering = ws.catalog.offering("queue") if "queue" in ws.catalog.offering_names() else None
        if offering is not None and offering.plan(plan_name) is not None and not _plan_allowed(bp, "queue", offering.plan(plan_name)):
            plans = allowed_plans(bp, offering)
            if not plans:
                check_binding(ws.catalog, bp, "queue", plan_name)
            plan_name = plans[0].name
        check_binding(ws.catalog, bp, "queue", plan_name)
        answers["queue_plan"] = plan_name
    replace: dict[str, Any] = {"environments": environments}
    if "bindings" in variables:  # the names the README and the bindings helper document
        queue = [(str(variables.get("queue_binding")), "queue", answers.get("queue_plan", variables.get("queue_plan")))] \
            if "queue_binding" in variables else []
        replace["bindings"] = binding_variables(ws.catalog, queue)
    return answers, replace, ci_repo, has_repo(space.ci_repos, ci_repo)


def binding_variables(catalog, bindings: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The template variable ``bindings``: name -> offering, plan and the environment variable of each key."""
    out: dict[str, Any] = {}
    for name, offering, plan in bindings:
        info = binding_info(catalog, name, offering, plan)
        out[name] = {"offering": offering, "plan": plan, "env": info.env_names()}
    return out


def new_service(ws, name: str, space: str, template: str = DEFAULT_TEMPLATE, ci: str = "github",
                output_dir: Path | str | None = None, dry_run: bool = False,
                allow_repo: bool = False, repo: str | None = None, version: str | None = None) -> NewServiceResult:
    """Generate the repository of service ``name`` in team space ``space`` into OUTPUT_DIR/NAME.

    The service is recorded in ``services:`` of ``spaces/TEAM.yaml`` with its repository (``repo``,
    default: ORG/NAME) and template version, once the service folder is in place. With
    ``allow_repo``, a repository that is not among the space's ``ci_repos`` is added to them in
    the same edit (comments and order kept). On a dry run nothing is written. ``version`` renders
    an older released version of the template (the latest by default).
    """
    from .scaffold import find_template

    if not re.fullmatch(DNS_NAME, name):
        raise UsageError(f"service name {name!r} is not DNS-safe: expected 2-32 lowercase letters, digits and hyphens, "
                         "not starting or ending with a hyphen")
    check_part("service", name)
    if ci not in CI_PROVIDERS:
        raise UsageError(f"--ci {ci!r}: expected one of {', '.join(CI_PROVIDERS)}")
    tpl = find_template(template, ws.root)
    with template_version(tpl, version) as tpl:
        return _new_service(ws, tpl, name, space, ci, output_dir, dry_run, allow_repo, repo)


@contextlib.contextmanager
def template_version(tpl, version: str | None):
    """The template at ``version`` (its released archive extracted), or the live one."""
    from .scaffold.releases import template_at
    from .scaffold.templates import load_template

    if version is None or version == tpl.version:
        yield tpl
        return
    with template_at(tpl.path, tpl.version, version) as folder:
        yield load_template(folder)


def _new_service(ws, tpl, name: str, space: str, ci: str, output_dir, dry_run: bool, allow_repo: bool,
                 repo: str | None) -> NewServiceResult:
    from .model.space import ServiceRecord
    from .scaffold.render import render_template
    from .services.registry import check_new_record, record_service, relative_to_workspace

    destination = Path(output_dir or ".") / name
    answers, replace, ci_repo, repo_allowed = service_context(
        ws, name, space, tpl, ci, repo, workspace_path=os.path.relpath(ws.root, destination.absolute()))
    variables = tpl.variables()
    if "image_python" in variables:  # the Dockerfile's base image: the Python the template's CI tests with
        check_python_image(ws, tpl.name, answers.get("python_version", variables.get("python_version")))
    repo = ci_repo.entry
    space_file = ws.space_path(space)
    add_repo = allow_repo and not repo_allowed
    record = ServiceRecord(name=name, repository=ci_repo.path, ci=ci, template=tpl.name, template_version=tpl.version,
                           path=relative_to_workspace(ws, destination.absolute()))
    check_new_record(ws, space, record)  # refuse before rendering when the space would not take the record
    data = ws.space(space).to_data()
    data["services"] = [*data.get("services", []), record.to_data()]
    if add_repo:
        data["ci_repos"] = [*data.get("ci_repos", []), repo]
        Space.parse(plain(data), source=str(space_file))
    destination = Path(output_dir or ".") / name
    result = render_template(tpl.path, destination, answers=answers, replace=replace, dry_run=dry_run,
                             read=("service.yaml",))
    svc = Service.parse(parse_yaml(result.texts["service.yaml"], source=f"{destination}/service.yaml"),
                        source=f"{destination}/service.yaml")
    if not dry_run:
        record_service(ws, space, record, allow_repo=add_repo)
    environments = {k: v["waves"] for k, v in replace["environments"].items()}
    bindings = [{"name": b.name, "offering": b.offering, "plan": b.plan} for b in svc.bindings]
    bp = ws.catalog.blueprint(ws.space(space).blueprint)
    return NewServiceResult(path=result.path, template=tpl.name, version=tpl.version, ci=ci, files=result.files,
                            repository=repo, repository_allowed=repo_allowed or add_repo, dry_run=dry_run,
                            environments=environments, repository_added=add_repo, space_file=space_file,
                            bindings=bindings,
                            next_steps=new_service_next_steps(ws, bp, result.path, tpl.name, bindings, environments,
                                                              ci_repo=ci_repo))


def new_service_next_steps(ws, bp: Blueprint, path: Path, template: str, bindings: list[dict[str, str]],
                           environments: dict[str, Any], ci_repo: CiRepo | None = None) -> list[str]:
    """What to do after generating: commit; on GitHub, make the repository's OIDC subject name the ref (the deploy
    roles trust only that subject); then explain the bindings the template already wrote (`service show`), or,
    when it wrote none, bind a first offering the blueprint allows; then plan."""
    steps = [f"cd {path} && git init && git add -A && git commit -m 'Initial commit from {template}'"]
    if ci_repo is not None and ci_repo.provider == "github":
        github = oidc_host(ws.config.ci.hosts, "github")
        steps.append(f"{github_subject_command(ci_repo.path, github.hostname)}   # once, as a repository admin: the deploy roles "
                     "trust only subjects naming the ref")
        if github.url.rstrip("/") != GITHUB_COM:  # a GitHub Enterprise Server must serve the pinned actions
            steps.append(f"platform doctor   # lists the pinned actions {github.hostname} must serve (GitHub Connect or a mirror)")
    if bindings:
        steps.append(f"platform service show {path}")
    else:
        steps.append(_first_binding_step(ws, bp, path))
    if environments:
        steps.append(f"platform service plan {path} --env {next(iter(environments))}")
    return steps


def _first_binding_step(ws, bp: Blueprint, path: Path) -> str:
    try:
        check_binding(ws.catalog, bp, "postgres", "dev")
        return f"platform service bind {path} --offering postgres --plan dev --name db"
    except PlatformError:
        return f"platform marketplace list, then platform service bind {path} --offering OFFERING --plan PLAN"


def allow_ci_repo(ws, team: str, repo: str) -> bool:
    """Add ``repo`` (OWNER/REPO) to the ``ci_repos`` of ``spaces/TEAM.yaml``, keeping every other
    line and comment; the file is validated before it is replaced. False when it was there already."""
    from ruamel.yaml.comments import CommentedSeq

    with ws.editing_space_yaml(team) as doc:
        seq = doc.get("ci_repos")
        if seq is not None and repo in seq:
            return False
        if seq is None:
            seq = CommentedSeq()
            keys = list(doc.keys())
            doc.insert(keys.index("allocations") if "allocations" in keys else len(keys), "ci_repos", seq)
        if len(seq) == 0:
            seq.fa.set_block_style()
        seq.append(repo)
    return True


# bindings --------------------------------------------------------------------------
@dataclass
class BindingInfo:
    name: str
    offering: str
    plan: str
    keys: list[str]
    monthly_usd: float | None = None

    def env_names(self) -> dict[str, str]:
        return {k: binding_env_name(self.name, k) for k in self.keys}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "offering": self.offering, "plan": self.plan, "monthly_usd": self.monthly_usd,
                "env": self.env_names(), "files": {k: binding_file(self.name, k) for k in self.keys}}


def binding_info(catalog, name: str, offering: str, plan: str) -> BindingInfo:
    try:
        off = catalog.offering(offering)
    except NotFoundError:
        return BindingInfo(name, offering, plan, [])
    p = off.plan(plan)
    return BindingInfo(name, offering, plan, list(off.binding_keys), p.monthly_usd if p else None)
