"""Running one unit's program under mocks and capturing its graph (one unit at a time per process)."""

from __future__ import annotations

import threading
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ..errors import PlatformError
from . import RenderedUnit
from .inputs import UnitInputs
from .mocks import SECRET_MARK, PlatformMocks


class RenderError(PlatformError):
    """A unit's program failed under the offline render."""


def sanitise(value: Any) -> Any:
    """Plain JSON data with every secret replaced by "[secret]"."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: sanitise(v) for k, v in sorted(value.items()) if not k.startswith("__")}
    if isinstance(value, (list, tuple)):
        return [sanitise(v) for v in value]
    if isinstance(value, pulumi.Resource):  # resource reference
        return getattr(value, "_name", str(value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class CapturingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, recording each registration with its parent."""

    def __init__(self, mocks: PlatformMocks) -> None:
        super().__init__(mocks)
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object)
        state = self.resources[response.urn].state
        outputs = {k: v for k, v in state.items() if k not in inputs}
        if response.id:
            outputs["id"] = response.id
        with self._lock:
            self.records.append({"urn": response.urn, "type": request.type, "name": request.name,
                                 "parent_urn": request.parent, "custom": bool(request.custom),
                                 "inputs": inputs, "outputs": outputs})
        return response


def run(inputs: UnitInputs) -> RenderedUnit:
    from stacks.programs import program_for

    from ..planning.names import pulumi_project, pulumi_stack

    settings.reset_options()
    mocks = PlatformMocks(inputs)
    monitor = CapturingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=pulumi_project(inputs.unit), stack=pulumi_stack(inputs.unit),
                             preview=False, monitor=monitor)
    program = program_for(inputs)
    stack_outputs: dict[str, Any] = {}

    def main() -> None:
        program()

    try:
        _sync_await(run_pulumi_func(main))
        root = settings.get_root_resource()
        outs = getattr(root, "outputs", {}) or {}
        for key, value in outs.items():
            out = pulumi.Output.from_input(value)
            resolved = _sync_await(out.future())
            secret = _sync_await(out.is_secret())
            stack_outputs[key] = SECRET_MARK if secret else sanitise(resolved)
    except PlatformError:
        raise
    except Exception as exc:  # the program's own failure, reported with the unit it belongs to
        raise RenderError(f"render of {inputs.unit} failed: {type(exc).__name__}: {exc}",
                          hint="run with --debug for the traceback") from exc
    finally:
        settings.reset_options()
    return RenderedUnit(unit=inputs.unit, resources=_graph(monitor.records), outputs=stack_outputs)


def _graph(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {r["urn"]: r["name"] for r in records}
    out = []
    for r in sorted(records, key=lambda r: r["urn"]):
        out.append({"type": r["type"], "name": r["name"], "parent": names.get(r["parent_urn"]),
                    "inputs": sanitise(r["inputs"]), "outputs": sanitise(r["outputs"])})
    return out
