"""Offline render: a unit's program under Pulumi mocks gives its full resource graph.

No cloud and no Pulumi engine: the real pulumi_aws classes register against a mock
monitor that synthesises ids and outputs (see :mod:`.mocks`) and records every
resource with its parent. The SDK keeps global state, so a process renders one unit at
a time and many units render in a pool of processes.

Public API::

    render_unit(inputs: UnitInputs) -> RenderedUnit
    render_units(units: list[UnitInputs], workers: int | None = None) -> list[RenderedUnit]
"""

from __future__ import annotations

import os
from typing import Any

from .graph import RenderedUnit
from .inputs import ResolvedBinding, UnitInputs, build_unit_inputs

__all__ = ["RenderedUnit", "ResolvedBinding", "UnitInputs", "build_unit_inputs", "render_unit", "render_units"]


def render_unit(inputs: UnitInputs) -> RenderedUnit:
    """Render one unit in this process (resets the SDK's global state first)."""
    from .runner import run

    return run(inputs)


def _render_json(payload: str) -> dict[str, Any]:
    return render_unit(UnitInputs.model_validate_json(payload)).to_data()


def render_units(units: list[UnitInputs], workers: int | None = None) -> list[RenderedUnit]:
    """Render many units, in a pool of processes (one unit at a time per process), in input order.

    ``workers`` defaults to the CPU count; 1 (or a single unit) renders in this process.
    """
    if not units:
        return []
    workers = workers or os.cpu_count() or 1
    workers = min(workers, len(units))
    if workers <= 1:
        if len(units) > 1:
            from . import warm  # noqa: F401  (loaded and frozen once, as in a pool's fork server)
        return [render_unit(u) for u in units]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    payloads = [u.model_dump_json() for u in units]
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has the SDK, the provider's service modules (loaded lazily
        # otherwise, by every worker on its first unit) and the programs imported once, frozen (render.warm).
        ctx.set_forkserver_preload(["platform_cli.render.warm"])
    else:
        ctx = multiprocessing.get_context("spawn")
    # One unit per task: a unit takes far longer than handing it over, and chunks of several
    # left one worker finishing its last chunk alone while the other idled.
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [RenderedUnit.from_data(d) for d in pool.map(_render_json, payloads, chunksize=1)]
