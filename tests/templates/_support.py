"""What the template tests share: the templates, the CI providers, and the linters next to the interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = ["python-web", "python-worker"]
CIS = ["github", "gitlab"]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}; install the test extra")
    return str(path)


def generate_each(tmp_path_factory, request, service: str, prepare=None) -> dict:
    """{(template, ci): (workspace, project)}: for every template and CI provider, a workspace of its own (a space
    records every service name once) holding the space REQUEST (a CreateSpaceRequest), PREPARE(ws, team) applied to
    it, and SERVICE generated into it."""
    from platform_cli.service_repo import new_service
    from platform_cli.spaces import create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    out = {}
    for template in TEMPLATES:
        for ci in CIS:
            root = tmp_path_factory.mktemp("ws") / "ws"
            init_workspace(root, org="acme")
            ws = WorkspaceContext.open(root)
            create_space(ws, request)
            if prepare is not None:
                prepare(ws, request.team)
                ws = WorkspaceContext.open(root)  # read afresh what PREPARE wrote
            project = new_service(ws, service, request.team, template=template, ci=ci,
                                  output_dir=tmp_path_factory.mktemp(f"{template}-{ci}")).path
            out[(template, ci)] = (ws, project)
    return out
