"""The workspace as one read: spaces, their units, and the services the workspace knows.

A service is known from

* its ``service.yaml`` inside the workspace (``platform service new --output-dir services``
  puts it under ``services/NAME``; folders up to SCAN_DEPTH below the root are searched),
* the ``services:`` record of its space (``platform service new`` writes it), which also finds
  a repository generated elsewhere: its ``path`` (relative to the workspace) is read when it
  holds a ``service.yaml``, and without one the record alone describes the service,
* or, when neither knows it, the deployment history.

A file that cannot be read is reported and left out; it never hides the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PlatformError
from ..model import Service, Space
from ..model.space import ServiceRecord
from ..workspace import LOCAL_DIR, WorkspaceContext

SERVICE_FILE = "service.yaml"
SCAN_DEPTH = 3  # folders below the workspace root searched for service.yaml
SKIP_DIRS = {LOCAL_DIR, ".git", ".venv", "venv", "node_modules", "__pycache__", "spaces", "schemas"}


@dataclass(frozen=True)
class Binding:
    name: str
    offering: str
    plan: str


@dataclass
class KnownService:
    name: str
    team: str
    kind: str | None = None  # web | worker; None when only the history knows the service
    description: str = ""
    path: Path | None = None  # its service.yaml
    bindings: list[Binding] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    source: str = "service.yaml"  # or "space file" (its record only) or "history"
    record: ServiceRecord | None = None  # its entry in services: of the space file, when there is one


@dataclass
class Inventory:
    ws: WorkspaceContext
    spaces: list[Space]
    services: list[KnownService]
    errors: list[str]
    damaged: list[str] = field(default_factory=list)  # history records left out (each also in errors)

    def services_of(self, team: str) -> list[KnownService]:
        return [s for s in self.services if s.team == team]


def _service_files(root: Path) -> list[Path]:
    """service.yaml files (regular files, not symlinks) up to SCAN_DEPTH folders below ROOT."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and not os.path.islink(os.path.join(folder, d)))
        if depth >= SCAN_DEPTH:
            dirs[:] = []
        if depth and SERVICE_FILE in files:
            path = Path(folder) / SERVICE_FILE
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def _history_services(ws: WorkspaceContext, errors: list[str], damaged: list[str]) -> list[tuple[str, str]]:
    """(team, service) pairs of the deployment history; a store that cannot be read is an error line,
    a damaged record is left out and described in DAMAGED (and in ERRORS)."""
    from ..rollout.stores import open_history

    try:
        records = open_history(ws).query(damaged=damaged)
    except PlatformError as exc:
        errors.append(f"deployment history not read: {exc.message}")
        return []
    errors.extend(f"history record left out: {line}" for line in damaged)
    return sorted({(r.team, r.what) for r in records if r.kind == "service"})


def _known(svc: Service, path: Path) -> KnownService:
    return KnownService(name=svc.name, team=svc.space, kind=svc.kind, description=svc.description, path=path,
                        bindings=[Binding(b.name, b.offering, b.plan) for b in svc.bindings],
                        environments=list(svc.environments))


def _add_record(ws: WorkspaceContext, space: Space, rec: ServiceRecord, services: dict[tuple[str, str], KnownService],
                errors: list[str]) -> None:
    """The service a space file records: its service.yaml where the record's path has one (and the scan
    did not find it), else the record alone."""
    key = (space.team, rec.name)
    where = f"{ws.space_path(space.team)}: services: {rec.name}"
    if key not in services and rec.path:
        folder = (ws.root / rec.path).resolve()
        path = folder / SERVICE_FILE
        if not folder.is_relative_to(ws.root.resolve()):
            errors.append(f"{where}: path {rec.path!r} leads out of the workspace; its service.yaml is not read")
        elif path.is_file() and not path.is_symlink():
            try:
                svc = Service.load(path)
            except PlatformError as exc:
                errors.append(exc.message)
            else:
                if (svc.space, svc.name) == key:
                    services[key] = _known(svc, path)
                else:
                    errors.append(f"{path}: is service {svc.name} of {svc.space}, but {where} records it there; "
                                  "the record alone describes it")
    known = services.setdefault(key, KnownService(name=rec.name, team=space.team, source="space file",
                                                  environments=list(space.environments)))
    known.record = rec


def read_inventory(ws: WorkspaceContext, *, history: bool = True) -> Inventory:
    """Every readable space and known service of the workspace, and what could not be read."""
    spaces, broken = ws.spaces()
    errors = [e.message for e in broken]
    teams = {s.team for s in spaces}
    services: dict[tuple[str, str], KnownService] = {}
    for path in _service_files(ws.root):
        try:
            svc = Service.load(path)
        except PlatformError as exc:
            errors.append(exc.message)
            continue
        if svc.space not in teams:
            errors.append(f"{path}: space: team space {svc.space!r} does not exist in this workspace; service left out")
            continue
        key = (svc.space, svc.name)
        if key in services:
            errors.append(f"{path}: service {svc.name} of {svc.space} is also at {services[key].path}; this copy left out")
            continue
        services[key] = _known(svc, path)
    for space in spaces:
        for rec in space.services:
            _add_record(ws, space, rec, services, errors)
    damaged: list[str] = []
    if history:
        for team, name in _history_services(ws, errors, damaged):
            if team in teams and (team, name) not in services:
                services[(team, name)] = KnownService(name=name, team=team, source="history")
    return Inventory(ws=ws, spaces=sorted(spaces, key=lambda s: s.team),
                     services=sorted(services.values(), key=lambda s: (s.team, s.name)), errors=errors,
                     damaged=damaged)
