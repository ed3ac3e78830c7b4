"""Finding the Pulumi CLI: on PATH, and answering `pulumi version`. No pulumi import here."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from ..errors import PULUMI_INSTALL_HINT, EngineMissingError

MINIMUM_VERSION = (3, 1, 0)
"""The oldest CLI the Automation API of the pulumi SDK accepts."""

RUN_PROGRAM_DESTROY = (3, 160, 0)
"""The first CLI with `pulumi destroy --run-program` (a provider updated from the program before the deletes)."""


@dataclass(frozen=True)
class PulumiCli:
    path: str
    version: str


def parse_version(text: str) -> tuple[int, int, int] | None:
    """'v3.150.0' -> (3, 150, 0); None when it is not a version."""
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def find_pulumi(timeout: float = 30.0) -> PulumiCli:
    """The `pulumi` CLI on PATH and its version, or EngineMissingError with how to install it."""
    path = shutil.which("pulumi")
    if not path:
        raise EngineMissingError("the Pulumi CLI (`pulumi`) is not on PATH; applying changes needs it",
                                 hint=PULUMI_INSTALL_HINT)
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    try:
        out = subprocess.run([path, "version"], capture_output=True, text=True, timeout=timeout, env=env,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineMissingError(f"`{path} version` could not run: {exc}", hint=PULUMI_INSTALL_HINT) from exc
    if out.returncode != 0:
        tail = " ".join((out.stderr or out.stdout).strip().splitlines()[-2:])
        raise EngineMissingError(f"`{path} version` failed with exit code {out.returncode}: {tail}",
                                 hint=PULUMI_INSTALL_HINT)
    text = out.stdout.strip()
    version = parse_version(text)
    if version is None:
        raise EngineMissingError(f"`{path} version` printed {text[:80]!r}, not a Pulumi version", hint=PULUMI_INSTALL_HINT)
    if version < MINIMUM_VERSION:
        need = ".".join(map(str, MINIMUM_VERSION))
        raise EngineMissingError(f"the Pulumi CLI at {path} is version {text}; at least {need} is needed",
                                 hint=PULUMI_INSTALL_HINT)
    return PulumiCli(path=path, version=text.lstrip("v"))
