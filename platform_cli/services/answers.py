"""``.platform/answers.yml`` of a service repository, and finding the workspace from it.

The template writes the answers file: the template and version the repository was generated
with, the answers, and (from template version 1.2.0) where the platform workspace lives::

    workspace:
      repository: acme/platform-workspace   # the workspace's git repository
      path: ../platform-workspace           # optional: a checkout, relative to this repository

Repositories generated before 1.2.0 record the workspace repository as ``answers.workspace_repo``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import Field

from ..errors import NotFoundError
from ..files.safe import existing_file
from ..model.base import Repo, Spec
from ..yamlio import load_yaml

ANSWERS_FILE = ".platform/answers.yml"


class WorkspaceRecord(Spec):
    repository: Repo = Field(description="The platform workspace's git repository (OWNER/REPO).")
    path: str | None = Field(None, max_length=1024,
                             description="A checkout of it, relative to the service repository's root.")


class Answers(Spec):
    """What a service repository was generated with."""

    SCHEMA_NAME = "answers"

    template: str = Field(min_length=1, description="Template name.")
    template_version: str = Field(pattern=r"^\d+\.\d+\.\d+$", description="Template version.")
    answers: dict[str, Any] = Field(description="The template variables the repository was rendered with.")
    workspace: WorkspaceRecord | None = Field(None, description="Where the platform workspace lives.")

    @property
    def workspace_repository(self) -> str | None:
        if self.workspace is not None:
            return self.workspace.repository
        value = self.answers.get("workspace_repo")
        return value if isinstance(value, str) and value else None

    def workspace_path(self) -> str:
        """The recorded checkout path, else the sibling folder named like the workspace repository."""
        if self.workspace is not None and self.workspace.path:
            return self.workspace.path
        repo = self.workspace_repository
        return f"../{repo.rsplit('/', 1)[-1]}" if repo else ""

    def clone_url(self) -> str | None:
        repo = self.workspace_repository
        if repo is None:
            return None
        if self.answers.get("ci") == "gitlab":
            host = str(self.answers.get("gitlab_url") or "https://gitlab.com").rstrip("/")
            return f"{host}/{repo}.git"
        host = str(self.answers.get("github_url") or "https://github.com").rstrip("/")
        return f"{host}/{repo}.git"


def repo_root(service_dir: Path | str) -> Path | None:
    """The service repository holding ``service_dir``: the nearest folder (itself or above)
    with an answers file; None when there is none."""
    here = Path(service_dir).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if existing_file(folder / ANSWERS_FILE):  # a FIFO or a folder there is named, not passed over
            return folder
    return None


def read_answers(root: Path) -> Answers:
    path = root / ANSWERS_FILE
    return Answers.parse(load_yaml(path), source=str(path))


@dataclass
class Located:
    root: Path
    how: str  # --workspace | PLATFORM_WORKSPACE | folders above | answers file


def locate_workspace(service_dir: Path | str | None, explicit: str | None = None,
                     cwd: Path | None = None) -> Located:
    """The workspace of a command about ``service_dir``: ``--workspace``, else ``PLATFORM_WORKSPACE``,
    else a folder with platform.yaml at or above the current folder or the service folder, else the
    checkout the repository's answers file records. The error says what was tried."""
    from ..workspace import CONFIG, ENV_VAR, find_root

    if explicit:
        return Located(find_root(explicit), "--workspace")
    if os.environ.get(ENV_VAR):
        return Located(find_root(os.environ[ENV_VAR]), ENV_VAR)
    here = (cwd or Path.cwd()).resolve()
    starts = [here]
    if service_dir is not None:
        starts.append(Path(service_dir).expanduser().resolve())
    for start in starts:
        for folder in (start, *start.parents):
            if existing_file(folder / CONFIG):  # a FIFO or a folder there is named, not passed over
                return Located(folder, "folders above")
    tried = [f"no --workspace, {ENV_VAR} is not set, no {CONFIG} in {here} or any folder above it"]
    root = repo_root(service_dir) if service_dir is not None else None
    if root is None:
        where = service_dir if service_dir is not None else here
        tried.append(f"and {where} is not inside a service repository (no {ANSWERS_FILE})")
        raise NotFoundError("no workspace found: " + ", ".join(tried),
                            hint=f"pass --workspace DIR or set {ENV_VAR}=DIR (the folder with {CONFIG})")
    answers = read_answers(root)
    repo, rel = answers.workspace_repository, answers.workspace_path()
    if repo is None:
        raise NotFoundError("no workspace found: " + ", ".join(tried) + f", and {root / ANSWERS_FILE} records "
                            "no workspace repository",
                            hint=f"pass --workspace DIR or set {ENV_VAR}=DIR (the folder with {CONFIG})")
    if PurePosixPath(rel).is_absolute():
        checkout = Path(rel)
    else:
        checkout = (root / rel).resolve()
    if existing_file(checkout / CONFIG):
        return Located(checkout, "answers file")
    raise NotFoundError(
        "no workspace found: " + ", ".join(tried) + f", and the workspace repository {repo} that "
        f"{root / ANSWERS_FILE} records is not checked out at {checkout} (no {CONFIG} there)",
        hint=f"clone it there: `git clone {answers.clone_url()} {checkout}`; or pass --workspace DIR, or set "
             f"{ENV_VAR}=DIR")
