"""A service's service.yaml: finding it, loading it, and the regions it runs in.

One place for what `service plan`, `service deploy`, `rollout plan`, `service bind` and the
render inputs all need to know about a service folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NotFoundError, SpecError
from .model import Service
from .planning.waves import resolve_regions
from .spaces import allowed_regions

SERVICE_FILE = "service.yaml"


def service_file(service_dir: str | os.PathLike) -> Path:
    """The service.yaml of SERVICE_DIR (or SERVICE_DIR itself when it is the file)."""
    p = Path(service_dir).expanduser()
    path = p if p.name == SERVICE_FILE and not p.is_dir() else p / SERVICE_FILE
    if not os.path.lexists(path):
        raise NotFoundError(f"{path} does not exist: {service_dir} is not a service folder (expected {SERVICE_FILE})",
                            hint="create a service with `platform service new NAME --space TEAM`")
    # anything else there (a folder, a FIFO, a dangling link) is refused by the reader, naming it
    return Path(os.path.abspath(path))


def load_service(service_dir: str | os.PathLike) -> tuple[Service, Path]:
    path = service_file(service_dir)
    return Service.load(path), path


def service_regions(ws, service: Service, env: str, source: str) -> list[str]:
    """Regions of a service in an environment (regions and markets resolved, residency
    checked), each of which must be in the team space's environment."""
    if env not in service.environments:
        raise NotFoundError(f"{source}: environments: service {service.name} has no environment {env!r} "
                            f"(it has: {', '.join(service.environments)})")
    e = service.environments[env]
    space = ws.space(service.space)
    # a country resolves as it did for the space: to its own region, or the nearest one the blueprint allows
    allowed = allowed_regions(ws, ws.catalog.blueprint(space.blueprint))
    regions, _ = resolve_regions([*e.regions, *e.markets], ws.catalog.markets, allowed=allowed)
    if env not in space.environments:
        raise SpecError(f"{source}: environments.{env}: team space {service.space} has no environment {env}",
                        file=source, hint=f"create it with `platform space add-region {service.space} --env {env} REGION --new-env`")
    missing = [r for r in regions if r not in space.environments[env].regions]
    if missing:
        raise SpecError(f"{source}: environments.{env}: regions {', '.join(missing)} are not in team space "
                        f"{service.space}'s {env} environment ({', '.join(space.environments[env].regions)})",
                        file=source, hint=f"add them first: `platform space add-region {service.space} --env {env} REGION`")
    return regions
