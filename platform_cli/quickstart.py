"""`platform quickstart`: the whole flow on embedded defaults, one step at a time.

Each step calls the same public functions as the individual commands and reports what
it did. Steps that need the Pulumi engine run only where the `pulumi` CLI exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .workspace import CONFIG, WorkspaceContext, init_workspace

DEMO_TEAM = "demo"
DEMO_BLUEPRINT = "standard@1"
DEMO_ENVS = ["dev=DE", "prod=DE,FR,US"]


@dataclass
class Step:
    name: str
    status: str  # done | reused | skipped
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


Report = Callable[[Step], None]


def run_quickstart(directory: Path, *, report: Report = lambda s: None) -> list[Step]:
    steps: list[Step] = []

    def add(step: Step) -> None:
        steps.append(step)
        report(step)

    directory = directory.expanduser().resolve()
    if (directory / CONFIG).is_file():
        add(Step("workspace", "reused", f"workspace {directory} exists; using it"))
    else:
        init_workspace(directory, org="acme")
        add(Step("workspace", "done", f"created workspace {directory} (local state, passphrase secrets, local cloud)"))
    ws = WorkspaceContext.open(directory)

    from .spaces import CreateSpaceRequest, create_space, show_space

    if ws.space_path(DEMO_TEAM).is_file():
        add(Step("space", "reused", f"team space {DEMO_TEAM} exists; using it"))
    else:
        create_space(ws, CreateSpaceRequest(team=DEMO_TEAM, blueprint=DEMO_BLUEPRINT, envs=list(DEMO_ENVS),
                                            owners=["team-demo@example.com"], cost_center="CC-1000",
                                            ci_repos=["acme/orders"], description="Demo team of the quickstart"))
        add(Step("space", "done", f"created team space {DEMO_TEAM} from {DEMO_BLUEPRINT} over DE, FR and US"))
    shown = show_space(ws, DEMO_TEAM)
    units = ", ".join(f"{u['env']}/{u['region']} {u['cidr']}" for u in shown["units"])
    add(Step("show", "done", f"space {DEMO_TEAM} has {len(shown['units'])} units: {units}", {"space": shown}))
    return steps
