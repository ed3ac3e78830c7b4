"""Running one unit's program under mocks and capturing its graph (one unit at a time per process)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ..errors import PlatformError
from .graph import RenderedUnit
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
        _thread_loop()  # the SDK's mock monitor needs a loop in this executor thread: make it one we close
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


_THREAD_LOOPS: list[asyncio.AbstractEventLoop] = []
_THREAD_LOOPS_LOCK = threading.Lock()


def _thread_loop() -> None:
    """Give the current (executor) thread an event loop that the render closes at its end."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:  # none in this thread yet
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with _THREAD_LOOPS_LOCK:
            _THREAD_LOOPS.append(loop)


@contextlib.contextmanager
def _own_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop for one render, closed at its end, with every loop the render's threads used.

    The SDK makes event loops that nobody closes: ``_sync_await`` in the main thread, and its
    mock monitor in every executor thread that registers a resource (``_ensure_event_loop``).
    Such a loop is finalised later by the garbage collector, possibly after its self-pipe
    socket: ``BaseEventLoop.__del__`` then fails with "ValueError: Invalid file descriptor: -1",
    printed as "Exception ignored" after `space plan` / `service plan`. Owning these loops and
    closing them (tasks cancelled, async generators and the default executor shut down first)
    leaves nothing for the finaliser to do.

    The thread's event-loop state is put back afterwards: the loop it had before, or, when it
    had none, none set *and not marked as set*, so a later ``asyncio.get_event_loop()`` in the
    main thread makes a loop again (as the Pulumi SDK's own test helpers expect) instead of
    raising "There is no current event loop".
    """
    policy = asyncio.get_event_loop_policy()
    local = getattr(policy, "_local", None)
    previous = getattr(local, "_loop", None)  # the thread's loop before the render, if any
    was_set = getattr(local, "_set_called", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            if previous is not None and not previous.is_closed():
                asyncio.set_event_loop(previous)
            else:
                asyncio.set_event_loop(None)
                if local is not None and was_set is not None:
                    local._set_called = was_set  # as before: the main thread may make a loop on demand
            loop.close()
            with _THREAD_LOOPS_LOCK:
                while _THREAD_LOOPS:
                    _THREAD_LOOPS.pop().close()  # their threads ended with the executor


def run(inputs: UnitInputs) -> RenderedUnit:
    with _own_event_loop():
        return _run(inputs)


def _run(inputs: UnitInputs) -> RenderedUnit:
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
