"""How close the rollout executor gets to the ideal schedule.

40 regions, canary 1, batches of 8, up to 8 units at once, every unit with a simulated
engine latency (seeded jitter). The critical path is the sum over waves of the slowest
unit of each wave (what a perfect scheduler with 8 slots per wave could reach); the
wall time is measured with the real executor, its fsync'd journal and the SQLite
history recorder. Prints ``efficiency: X`` = critical path / wall time (1.0 is ideal).

    python benchmarks/rollout.py [--latency SECONDS] [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from platform_cli.planning.waves import plan_waves
from platform_cli.rollout.executor import Executor
from platform_cli.rollout.history import Deployment, SQLiteHistory
from platform_cli.rollout.journal import Journal, new_rollout_id
from platform_cli.rollout.progress import NullProgress
from platform_cli.units import UnitResult

REGIONS = [f"region-{i:02d}" for i in range(40)]


class SimulatedEngine:
    """Waits as long as a unit's deployment would take (the real engine waits for a subprocess)."""

    def __init__(self, latency: dict[str, float]) -> None:
        self.latency = latency

    def up(self, target, on_event):
        on_event(target.unit, "updating")
        time.sleep(self.latency[target.unit])
        return UnitResult(unit=target.unit, outputs={}, summary={"same": 1})

    destroy = up
    preview = up


def one_run(latency: float, seed: int, folder: Path) -> tuple[float, float]:
    rng = random.Random(seed)
    units = [f"service/bench/api/prod/{r}" for r in REGIONS]
    plan = plan_waves(REGIONS, units=units, batch_size=8, max_parallel=8, target="service/bench/api/prod",
                      partition_of=lambda r: "aws")
    lat = {u: latency * rng.uniform(0.8, 1.2) for u in units}
    critical = sum(max(lat[u] for u in w.units) for w in plan.waves)  # batch == max_parallel: one slot per unit
    rid = new_rollout_id("bench")
    spec = {"id": rid, "kind": "service", "action": "up", "team": "bench", "env": "prod", "service": "api",
            "release": "v1", "waves": [list(w.units) for w in plan.waves], "max_parallel": plan.max_parallel,
            "bake_minutes": 0, "gates": {}}
    journal = Journal.create(folder / "rollouts", rid, spec, {})
    store = SQLiteHistory(folder / "history.sqlite")

    def record(o, spec):
        store.add(Deployment(rollout=rid, unit=o.unit, team="bench", env="prod", region=o.unit.rsplit("/", 1)[-1],
                             kind="service", what="api", action="up", version=o.release, who="bench",
                             start=o.start, end=o.end, result="succeeded" if o.ok else "failed"))

    ex = Executor(journal, SimulatedEngine(lat), progress=NullProgress(), recorder=record)
    t0 = time.perf_counter()
    out = ex.run()
    wall = time.perf_counter() - t0
    journal.close()
    assert out.status == "succeeded", out.reason
    assert len(store.query()) == len(units)
    return critical, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.5, help="mean simulated seconds per unit (default 0.5)")
    ap.add_argument("--runs", type=int, default=3, help="runs; the median is reported (default 3)")
    args = ap.parse_args()
    results = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_run(args.latency, seed=i, folder=Path(tmp)))
    effs = [c / w for c, w in results]
    serial = sum(c for c, _ in results) / len(results)
    print(f"regions: {len(REGIONS)}, waves: 6 (canary 1, batches of 8), max parallel: 8, runs: {args.runs}")
    for (c, w), e in zip(results, effs):
        print(f"  critical path {c:.3f}s  wall {w:.3f}s  efficiency {e:.3f}")
    print(f"median wall time: {statistics.median(w for _, w in results):.3f}s (critical path mean {serial:.3f}s)")
    print(f"efficiency: {statistics.median(effs):.3f}")


if __name__ == "__main__":
    main()
