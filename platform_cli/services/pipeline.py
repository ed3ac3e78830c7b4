"""What a generated pipeline is told about where it runs and what it installs: template answers from
platform.yaml (``ci``) and the environment's account, and the actions a template's workflows pin."""

from __future__ import annotations

import re
from pathlib import Path


def ecr_domain(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def ecr_registry(account_id: str, region: str, partition: str) -> str:
    """The ECR registry of ACCOUNT_ID in REGION, which CI logs in to and pushes to: ACCOUNT.dkr.ecr.REGION.DOMAIN."""
    return f"{account_id}.dkr.ecr.{region}.{ecr_domain(partition)}"


def pulumi_version() -> str | None:
    """Version of the Pulumi CLI that generated CI installs: the one of the Pulumi SDK this
    platform CLI runs with (SDK and CLI share version numbers); None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi")
    except PackageNotFoundError:
        return None


def ci_supply_chain(ci) -> dict[str, str]:
    """Template answers of what generated pipelines install, from platform.yaml ``ci`` (each pinned)."""
    return {"platform_cli_requirements": ci.platform_cli.requirements,
            "platform_cli_index_url": ci.platform_cli.index_url or "", "platform_cli_vcs": ci.platform_cli.vcs or "",
            "pulumi_sha256": ci.pulumi_sha256 or "", "image_python": ci.images.python,
            "image_python_git": ci.images.python_git, "image_docker": ci.images.docker,
            "image_docker_daemon": ci.images.docker_daemon}


def ci_host_answers(github) -> dict[str, str]:
    """Template answers of the GitHub host (an :class:`~platform_cli.planning.ci_hosts.OidcHost`): its web URL (the
    workspace's clone URL, ``gh api --hostname``) and the audience the deploy jobs request."""
    return {"github_url": github.url, "github_audience": github.default_audience}


def check_python_image(ws, template: str, python_version: str | None) -> None:
    """Refuse a workspace whose ``ci.images.python`` (the Dockerfile's base image, GitLab's test image) is not the
    Python minor version TEMPLATE's ``python_version`` (GitHub's test jobs) names (:mod:`..planning.images`)."""
    from ..errors import SpecError
    from ..planning.images import python_image_problem

    if python_version is None:
        return
    problem = python_image_problem(ws.config.ci.images.python, str(python_version), template)
    if problem:
        raise SpecError(problem, file=str(ws.root / "platform.yaml"),
                        hint=f"pin ci.images.python in platform.yaml to python:{python_version}-VARIANT@sha256:DIGEST "
                             f"(the digest: `docker buildx imagetools inspect python:{python_version}-slim`), "
                             "so the image and the template name the same Python")


_USES = re.compile(r"^\s*(?:-\s*)?uses:\s*([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@([0-9a-f]{40})\s*#\s*(\S+)\s*$", re.M)


def pinned_actions(template_dir: Path) -> list[tuple[str, str, str]]:
    """(OWNER/NAME, commit, version) of every action the template's GitHub workflows use, sorted: what a GitHub
    Enterprise Server must serve (through GitHub Connect, or mirrored under the same owner/name)."""
    from ..files.safe import read_text

    found: set[tuple[str, str, str]] = set()
    for workflow in sorted(template_dir.glob("*/.github/workflows/*.yml")):  # a workspace's templates too: read safely
        found.update(_USES.findall(read_text(workflow)))
    return sorted(found)


def actions_host_note(github, actions: list[tuple[str, str, str]]) -> str | None:
    """What a GitHub host other than github.com must serve for the generated workflows (GITHUB an
    :class:`~platform_cli.planning.ci_hosts.OidcHost`), or None on github.com."""
    from ..planning.ci_hosts import GITHUB_COM

    if github is None or github.url.rstrip("/") == GITHUB_COM or not actions:
        return None
    listed = ", ".join(f"{name}@{sha} ({tag})" for name, sha, tag in actions)
    return (f"{github.hostname} must serve the actions the generated workflows pin, at these commits: {listed} "
            "(GitHub Connect, or each mirrored under the same owner/name), and runners labelled ubuntu-24.04")
