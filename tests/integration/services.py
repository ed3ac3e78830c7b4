"""The service unit the integration tests deploy: the fixture service.yaml `api` of space payments."""

from __future__ import annotations

import shutil
from pathlib import Path

from platform_cli.planning.names import service_unit
from platform_cli.units import UnitTarget

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "specs" / "valid" / "service.api.yaml"


def api_service(tmp_path: Path, region: str, *, env: str = "dev", release: str = "1.0.0") -> UnitTarget:
    """The unit of service payments/api in ENV and REGION, its service.yaml copied into a folder of TMP_PATH."""
    folder = tmp_path / "api"
    folder.mkdir(exist_ok=True)
    shutil.copy(FIXTURE, folder / "service.yaml")
    return UnitTarget(service_unit("payments", "api", env, region), release=release, service_file=str(folder / "service.yaml"))
