"""Offline render speed, measured in one run (prints ratios; nothing is asserted).

1. One space unit rendered by the platform (mocks with synthesised ids, graph capture,
   components) vs the same resources registered directly under bare Pulumi mocks.
   Target: <= 1.2x.
2. A fleet of 17 teams x 2 envs x 3 regions (102 units) rendered by the process pool vs
   one process, in PAIRS pairs of runs (one process, then the pool), each run in a fresh
   interpreter; each pair's speed-up is printed and their median is the result (a shared
   machine's speed drifts between runs). Target: >= 1.6x faster on 2 cores. Loading the SDK and
   the provider's modules (about 3 s, timed in both) is the part no pool can share out. Beside each
   pair, the machine's own ceiling at that moment: how much faster two processes did two loops of
   pure Python than one process did them one after the other (a host that gives a second core
   only in part caps every pool at that).
3. The same fleet planned (render, cost, policy) with an empty render cache (cold) and planned
   again with nothing changed (warm), each in a fresh interpreter. Target: warm <= 10% of cold.

Run: python benchmarks/render.py [--repeat N] [--workers N] [--pairs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _workspace(teams: int):
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    root = Path(tempfile.mkdtemp()) / "ws"
    init_workspace(root, org="acme")
    ws = WorkspaceContext.open(root)
    for t in range(teams):
        create_space(ws, CreateSpaceRequest(team=f"team{t:02d}", blueprint="standard@1", envs=["dev=DE,FR,IE", "prod=DE,FR,IE"],
                                            owners=["lead@example.com"], ci_repos=[f"acme/team{t:02d}"]))
    return ws


def _bare(inputs) -> float:
    """The same program (same components and pulumi_aws resources) under bare Pulumi mocks
    that echo inputs: no id synthesis, no graph capture. Seconds taken."""
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from platform_cli.planning.names import pulumi_project, pulumi_stack
    from stacks.programs import program_for

    class Bare(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args):
            return {"names": [f"{inputs.region}a", f"{inputs.region}b", f"{inputs.region}c"]}

    start = time.perf_counter()
    loop = asyncio.new_event_loop()  # the platform's render closes its loop and leaves none current
    asyncio.set_event_loop(loop)
    settings.reset_options()
    pulumi.runtime.set_mocks(Bare(), project=pulumi_project(inputs.unit), stack=pulumi_stack(inputs.unit), preview=False)
    _sync_await(run_pulumi_func(program_for(inputs)))
    settings.reset_options()
    took = time.perf_counter() - start
    asyncio.set_event_loop(None)
    loop.close()
    return took


def _spin(n: int = 15_000_000) -> int:
    return sum(i * i for i in range(n))


def _ceiling() -> float:
    """Two loops of pure Python in two processes at once vs one after the other in one (timed before and
    after, averaged): the parallelism the machine gives right now."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")

    def serial() -> float:
        start = time.perf_counter()
        _spin()
        _spin()
        return time.perf_counter() - start

    before = serial()
    procs = [ctx.Process(target=_spin) for _ in range(2)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    both = time.perf_counter() - start
    return (before + serial()) / 2 / both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pairs", type=int, default=3, help="pairs of fleet runs (one process, then the pool)")
    parser.add_argument("--fleet-only", type=int, default=None, help=argparse.SUPPRESS)  # one fleet measurement
    parser.add_argument("--plan-only", default=None, help=argparse.SUPPRESS)  # one plan of the fleet in WORKSPACE
    args = parser.parse_args()
    if args.fleet_only is not None:
        print(_fleet(args.fleet_only))
        return
    if args.plan_only is not None:
        print(_plan(args.plan_only, args.workers))
        return

    from platform_cli.planning.names import space_unit
    from platform_cli.render import render_unit
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget

    ws = _workspace(1)
    one = build_unit_inputs(ws, UnitTarget(space_unit("team00", "prod", "eu-central-1")))
    graph = render_unit(one).resources  # warm-up: imports, caches
    _bare(one)
    platform_times, bare_times = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        render_unit(one)
        platform_times.append(time.perf_counter() - t)
        bare_times.append(_bare(one))
    p, b = statistics.median(platform_times), statistics.median(bare_times)
    print(f"one space unit ({len(graph)} resources): platform {p * 1000:.0f} ms, bare mocks {b * 1000:.0f} ms, "
          f"ratio {p / b:.2f}x (target <= 1.2x)")

    # Each fleet measurement runs in a fresh interpreter, so neither inherits the other's SDK state.
    def measure(workers: int) -> float:
        out = subprocess.run([sys.executable, __file__, "--fleet-only", str(workers)], check=True,
                             capture_output=True, text=True).stdout
        return float(out.strip().splitlines()[-1])

    ups, ceilings = [], []
    for _ in range(args.pairs):
        ceilings.append(_ceiling())
        serial, pooled = measure(1), measure(args.workers)
        ups.append(serial / pooled)
        print(f"  fleet of 102 units: one process {serial:.1f} s, pool of {args.workers} {pooled:.1f} s, "
              f"speed-up {serial / pooled:.2f}x (the machine's two-process ceiling just before: {ceilings[-1]:.2f}x)")
    print(f"fleet of 102 units: pool speed-up {statistics.median(ups):.2f}x, median of {len(ups)} pairs "
          f"(target >= 1.6x; the machine's two-process ceiling {statistics.median(ceilings):.2f}x)")

    fleet_ws = _workspace(17)

    def plan_once() -> str:
        return subprocess.run([sys.executable, __file__, "--plan-only", str(fleet_ws.root), "--workers",
                               str(args.workers)], check=True, capture_output=True, text=True).stdout.split()

    cold_s, cold_n = plan_once()
    warm_s, warm_n = plan_once()
    cold, warm = float(cold_s), float(warm_s)
    print(f"plan of 102 units: cold {cold:.1f} s ({cold_n} rendered), warm re-plan {warm:.2f} s ({warm_n} rendered), "
          f"warm/cold {100 * warm / cold:.1f}% (target <= 10%)")


def _fleet(workers: int) -> float:
    from platform_cli.planning.names import space_unit
    from platform_cli.render import render_units
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget

    ws = _workspace(17)
    units = [build_unit_inputs(ws, UnitTarget(space_unit(s.team, e, r))) for s in ws.spaces()[0] for e, r in s.units()]
    assert len(units) == 102
    start = time.perf_counter()
    render_units(units, workers=workers)
    return time.perf_counter() - start

def _plan(root: str, workers: int) -> str:
    """One plan of every unit of the workspace in ROOT (render cache on): seconds and units rendered."""
    from platform_cli.planning.names import space_unit
    from platform_cli.plans import plan_units
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    start = time.perf_counter()
    ws = WorkspaceContext.open(root)
    units = [build_unit_inputs(ws, UnitTarget(space_unit(s.team, e, r))) for s in ws.spaces()[0] for e, r in s.units()]
    result = plan_units(ws, units, workers)
    return f"{time.perf_counter() - start} {result.rendered}"


if __name__ == "__main__":
    main()
