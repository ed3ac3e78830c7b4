"""The services a workspace knows: recorded in their space by `platform service new`
(``services:`` in ``spaces/TEAM.yaml``), plus the repositories ``ci_repos`` allows to deploy.

:func:`list_services` is what `platform service list` and the Backstage catalog export read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConflictError, PlatformError
from ..model import Space
from ..model.space import ServiceRecord
from ..planning.ci_repos import CiRepo, has_repo, parse_ci_repo
from ..yamlio import RoundTrip


def _plain(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def check_new_record(ws, team: str, record: ServiceRecord) -> None:
    """Refuse, before anything is written, a service whose name is recorded in the space already
    or whose repository another recorded service uses anywhere in the workspace."""
    space = ws.space(team)
    if any(s.name == record.name for s in space.services):
        raise ConflictError(f"{ws.space_path(team)}: service {record.name!r} is recorded in space {team} already; "
                            "nothing was changed", hint="choose another name, or `platform service list` to see it")
    spaces, _ = ws.spaces()
    for other in spaces:
        for s in other.services:
            if CiRepo(s.ci, s.repository) == CiRepo(record.ci, record.repository):
                raise ConflictError(f"repository {record.repository} is recorded already for service {s.name} of space "
                                    f"{other.team}; a repository holds one service. Nothing was changed",
                                    hint="pass another --repo OWNER/REPO")


def _block_seq(doc: Any, key: str) -> Any:
    """The list under ``key`` (created before ``allocations`` when missing), in block style."""
    from ruamel.yaml.comments import CommentedSeq

    seq = doc.get(key)
    if seq is None:
        seq = CommentedSeq()
        keys = list(doc.keys())
        doc.insert(keys.index("allocations") if "allocations" in keys else len(keys), key, seq)
    if len(seq) == 0:
        seq.fa.set_block_style()
    return seq


def record_service(ws, team: str, record: ServiceRecord, *, allow_repo: bool = False) -> bool:
    """Add ``record`` to ``services:`` of spaces/TEAM.yaml and, with ``allow_repo``, its repository
    to ``ci_repos`` in the same edit (comments and order kept), under the lock every space edit
    takes; the file is validated before it is replaced. True when the repository was added."""
    from ruamel.yaml.comments import CommentedMap

    path = ws.space_path(team)
    added = False
    with ws.allocation_lock():
        with RoundTrip(path) as doc:
            seq = _block_seq(doc, "services")
            if any(isinstance(s, dict) and s.get("name") == record.name for s in seq):
                raise ConflictError(f"{path}: service {record.name!r} was recorded meanwhile; nothing was changed")
            seq.append(CommentedMap(record.to_data()))
            repo = CiRepo(record.ci, record.repository)
            if allow_repo and not has_repo([str(r) for r in doc.get("ci_repos") or []], repo):
                _block_seq(doc, "ci_repos").append(repo.entry)
                added = True
            Space.parse(_plain(doc), source=str(path))
    ws.forget_space(team)
    return added


def update_record(ws, team: str, name: str, **changes: str) -> bool:
    """Change fields of the recorded service NAME in spaces/TEAM.yaml; False when it is not recorded."""
    path = ws.space_path(team)
    with ws.allocation_lock():
        with RoundTrip(path) as doc:
            entry = next((s for s in (doc.get("services") or []) if isinstance(s, dict) and s.get("name") == name), None)
            if entry is None:
                return False
            for key, value in changes.items():
                entry[key] = value
            Space.parse(_plain(doc), source=str(path))
    ws.forget_space(team)
    return True


@dataclass
class KnownService:
    team: str
    name: str
    repository: str
    source: str  # recorded (service new) | ci_repos
    ci: str | None = None
    template: str | None = None
    template_version: str | None = None
    path: str | None = None
    environments: list[str] = field(default_factory=list)
    releases: dict[str, str] = field(default_factory=dict)  # env -> last successfully deployed version
    last_release: dict[str, str] | None = None  # {"env", "version", "at"} of the newest successful deploy

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _local_version(ws, path: str | None) -> str | None:
    """The template version the local checkout's answers file records (it moves on upgrade)."""
    if not path:
        return None
    from .answers import ANSWERS_FILE, read_answers

    root = (ws.root / path).resolve()
    if not (root / ANSWERS_FILE).is_file():
        return None
    try:
        return read_answers(root).template_version
    except PlatformError:
        return None


def list_services(ws, team: str | None = None, history=None, *, damaged: list[str] | None = None,
                  releases: bool = True) -> tuple[list[KnownService], list[PlatformError]]:
    """Every service the workspace knows (of one space with ``team``), with the last release per
    environment from the history (not read without ``releases``); and the errors of space files that
    cannot be read. A damaged history record is left out and described in DAMAGED when that is
    given, else a SpecError naming every damaged one."""
    if team is not None:
        spaces, bad = [ws.space(team)], []
    else:
        spaces, bad = ws.spaces()
    out: list[KnownService] = []
    for space in spaces:
        recorded = {CiRepo(s.ci, s.repository) for s in space.services}
        for s in space.services:
            out.append(KnownService(space.team, s.name, s.repository, "recorded", s.ci, s.template,
                                    _local_version(ws, s.path) or s.template_version, s.path,
                                    list(space.environments)))
        for repo in space.ci_repos:
            if parse_ci_repo(repo) not in recorded:
                out.append(KnownService(space.team, parse_ci_repo(repo).name, repo, "ci_repos",
                                        environments=list(space.environments)))
    if releases:
        _add_releases(ws, out, history, damaged)
    return out, bad


def _add_releases(ws, services: list[KnownService], history, damaged: list[str] | None) -> None:
    if not services:
        return
    from ..rollout.stores import open_history

    store = history if history is not None else open_history(ws)
    by_key = {(s.team, s.name): s for s in services}
    for team in sorted({s.team for s in services}):
        for rec in store.query(team=team, damaged=damaged):
            svc = by_key.get((rec.team, rec.what))
            if svc is None or rec.kind != "service" or rec.result != "succeeded" or not rec.version:
                continue
            if rec.action in ("up", "rollback"):
                svc.releases[rec.env] = rec.version
                if svc.last_release is None or rec.end >= svc.last_release["at"]:
                    svc.last_release = {"env": rec.env, "version": rec.version, "at": rec.end}


def relative_to_workspace(ws, path: Path) -> str | None:
    """``path`` relative to the workspace root (POSIX), None when it is outside the workspace."""
    try:
        return Path(os.path.relpath(path.resolve(), ws.root)).as_posix() if path.resolve().is_relative_to(ws.root) else None
    except ValueError:
        return None
