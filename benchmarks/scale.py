"""How the workspace commands scale with the number of team spaces (prints ratios; nothing is asserted).

Builds synthetic workspaces of 10, 100 and 1,000 spaces (4 units each: dev and prod in
eu-central-1 and eu-west-1, one /20 block per unit from the 10.0.0.0/8 pool, a domain per
environment, each checked against every other environment's), and runs each
command in a fresh interpreter, as a user would, measuring wall time and peak memory (the
child's maximum resident set). Modules are byte-compiled once beforehand (into a cache of the
run's own), as in an installed copy, so the fixed start-up cost is the real one.

- `space create` of one more space: first right after the checkout, when no index holds anything yet
  (its 4 blocks allocated against every block of the workspace, its 4 units' names checked against every
  unit's, every file parsed), then as every later create runs (the light index serves the other spaces),
- `space list --json`, `fleet status --json`,
- `fleet plan --to standard@2 --cohort 1 --json` (one cohort: 4 units rendered under both versions, every
  run rendering them: the render cache is turned off for it).

A shared machine's speed drifts from one second to the next, so every command runs in ROUNDS rounds,
each round running it once on every size in turn, and the median of a size's runs is printed with its
ratio to the 10-space case (targets: `space create` and `space list` <= 2x at 1,000 spaces). Then the
address plan: how many blocks of the blueprint's size the pool holds, what 1,000 spaces x 40 regions
need, and a workspace of 1,000 spaces with 40 units each (dev and prod in 20 regions, a pool per region)
where one more space is created and listed.

Run: python benchmarks/scale.py [--sizes 10,100,1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGIONS = ("eu-central-1", "eu-west-1")
SPACE = """\
schema_version: 1
team: {team}
description: ''
owners: [lead@example.com]
cost_center: CC-1
blueprint: standard@1
environments:
  dev: {{regions: [eu-central-1, eu-west-1], markets: [], protected: false,
         domains: [{{name: {team}.dev.example.com, hosted_zone_id: Z0123456789ABCDEFGHIJ}}]}}
  prod: {{regions: [eu-central-1, eu-west-1], markets: [], protected: true,
          domains: [{{name: {team}.example.com, hosted_zone_id: Z0123456789ABCDEFGHIJ}}]}}
ci_repos: [acme/{team}]
allocations:
{allocations}"""


def build(n: int) -> Path:
    """A workspace of N spaces written directly (as a repository checkout would hold them)."""
    from platform_cli.workspace import init_workspace

    root = Path(tempfile.mkdtemp(prefix=f"scale{n}-")) / "ws"
    init_workspace(root, org="acme")
    blocks = ipaddress.IPv4Network("10.0.0.0/8").subnets(new_prefix=20)
    for i in range(n):
        team = f"team{i:04d}"
        allocs = "".join(f"- {{env: {env}, region: {region}, cidr: {next(blocks)}}}\n"
                         for env in ("dev", "prod") for region in REGIONS)
        (root / "spaces" / f"{team}.yaml").write_text(SPACE.format(team=team, allocations=allocs))
    return root


CHILD_ENV = dict(os.environ)
CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once into the run's own cache, then loaded from it
CHILD_ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="scale-pycache-")


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of `platform -w ROOT ARGS...` in a fresh interpreter."""
    cmd = [sys.executable, "-m", "platform_cli", "-w", str(root), *args]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env={**CHILD_ENV, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed with exit {proc.returncode}:\n{err.read().decode()}")
    return took, usage.ru_maxrss / 1024


def _create(team: str) -> tuple[str, ...]:
    return ("space", "create", team, "--blueprint", "standard@1",
            "--env", "dev=eu-central-1,eu-west-1", "--env", "prod=eu-central-1,eu-west-1")


COMMANDS = {  # name -> the arguments of its run in round R
    "space create": lambda r: _create(f"round{r}"),
    "space list": lambda r: ("space", "list", "--json"),
    "fleet status": lambda r: ("fleet", "status", "--json"),
    "fleet plan (cohort 1)": lambda r: ("fleet", "plan", "--to", "standard@2", "--cohort", "1", "--json"),
}
TARGETS = ("space create", "space list")
ENV = {"fleet plan (cohort 1)": {"PLATFORM_RENDER_CACHE": "off"}}


def address_plan() -> None:
    from platform_cli.catalog import Catalog, builtin_blueprints
    from platform_cli.model import Workspace

    pool = Workspace(org="acme").network_pool
    prefix = Catalog(sources=[builtin_blueprints()]).blueprint("standard@1").network.cidr_prefix
    capacity = 1 << (prefix - pool.prefixlen)
    print(f"\naddress plan: the pool {pool} holds {capacity} blocks of /{prefix} (standard@1's size)")
    for spaces, regions, envs in ((1000, 2, 2), (1000, 40, 1), (1000, 40, 2)):
        need = spaces * regions * envs
        verdict = "fits" if need <= capacity else f"does not fit: {need / capacity:.1f}x the pool"
        print(f"  {spaces} spaces x {regions} regions x {envs} env(s) = {need} blocks: {verdict} in one pool")


WIDE = """\
schema_version: 1
team: {team}
owners: [lead@example.com]
blueprint: standard@1
environments:
  dev: {{regions: [{regions}], protected: false}}
  prod: {{regions: [{regions}], protected: true}}
allocations:
{allocations}"""


def wide(spaces: int = 1000, per_env: int = 20) -> None:
    """1,000 spaces x 40 units (dev and prod in 20 regions): 40,000 blocks, with a pool per region."""
    from platform_cli.catalog import Catalog, builtin_blueprints
    from platform_cli.workspace import init_workspace

    catalog = Catalog(sources=[builtin_blueprints()])
    regions = [r.code for r in catalog.markets.regions if catalog.partition(r.code) == "aws"][:per_env]
    root = Path(tempfile.mkdtemp(prefix="wide-")) / "ws"
    init_workspace(root, org="acme")
    cfg = root / "platform.yaml"
    pools = "".join(f"  {r}: 10.0.0.0/8\n" for r in regions)
    cfg.write_text(cfg.read_text().replace("network_pools: {}\n", "network_pools:\n" + pools))
    blocks = list(ipaddress.IPv4Network("10.0.0.0/8").subnets(new_prefix=20))
    for i in range(spaces - 1):
        team = f"team{i:04d}"
        allocs = "".join(f"- {{env: {env}, region: {r}, cidr: {blocks[2 * i + k]}}}\n"
                         for k, env in enumerate(("dev", "prod")) for r in regions)
        (root / "spaces" / f"{team}.yaml").write_text(WIDE.format(team=team, regions=", ".join(regions),
                                                                  allocations=allocs))
    places = ",".join(regions)
    first, _ = run(root, "space", "create", "newcomer", "--blueprint", "standard@1", "--env", f"dev={places}",
                   "--env", f"prod={places}")  # parses every file and derives the names of every unit: nothing indexed
    took, mem = run(root, "space", "create", "second", "--blueprint", "standard@1", "--env", f"dev={places}",
                    "--env", f"prod={places}")
    from platform_cli.workspace import WorkspaceContext

    made = WorkspaceContext.open(root).space("second")
    listed, lmem = run(root, "space", "list", "--json")
    units = len(made.allocations)
    print(f"  with a pool per region (network_pools, each 10.0.0.0/8): {spaces} spaces x {units} units "
          f"({len(regions)} regions x 2 envs) = {spaces * units} blocks, {2 * spaces} per region pool of 4096: "
          f"space create of the {spaces}th {first:.2f} s (nothing indexed), of the {spaces + 1}th {took:.2f} s "
          f"({mem:.0f} MiB), its {units} blocks "
          f"{made.allocations[0].cidr} .. {made.allocations[-1].cidr}; space list {listed:.2f} s ({lmem:.0f} MiB)")


def _row(name: str, by_n: dict[int, list[tuple[float, float]]], sizes: list[int]) -> None:
    """One command's medians per size (time, then peak memory), each with its ratio to the first size."""
    med = {n: (statistics.median(t for t, _ in by_n[n]), statistics.median(m for _, m in by_n[n])) for n in sizes}
    base = med[sizes[0]]
    times = [f"{med[n][0]:5.2f}s {med[n][0] / base[0]:4.2f}x" for n in sizes]
    mems = [f"{med[n][1]:5.0f}MiB {med[n][1] / base[1]:4.2f}x" for n in sizes]
    runs = len(by_n[sizes[0]])
    target = " (target <= 2x)" if name in TARGETS else ""
    print(f"{name:22s} " + " ".join(f"{c:>16s}" for c in times) + f"{target}  [median of {runs}]")
    print(f"{'':22s} " + " ".join(f"{c:>16s}" for c in mems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each command per size (median printed)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    roots = {n: build(n) for n in sizes}
    warm = build(sizes[0])  # every command run once first: every module compiled into the run's own cache
    for name, args_of in {"space create (first)": lambda r: _create("newcomer"), **COMMANDS}.items():
        run(warm, *args_of(0), env=ENV.get(name))
    cold: dict[int, list[tuple[float, float]]] = {}
    for n in sizes:
        cold[n] = [run(roots[n], *_create("newcomer"))]  # nothing indexed: every file parsed
        run(roots[n], "fleet", "status", "--json")  # reads every space in full: fills the space index
    results: dict[str, dict[int, list[tuple[float, float]]]] = {name: {n: [] for n in sizes} for name in COMMANDS}
    for name, args_of in COMMANDS.items():
        rounds = args.rounds if "plan" not in name else max(1, min(args.rounds, 3))  # a plan renders: seconds each
        for r in range(rounds):
            for n in sizes:
                results[name][n].append(run(roots[n], *args_of(r), env=ENV.get(name)))
        print(f"{name:22s} " + "  ".join(f"{n}: {statistics.median(t for t, _ in results[name][n]):.2f} s"
                                        for n in sizes), file=sys.stderr)
    print(f"\n{'command':22s} " + " ".join(f"{n:>16d}" for n in sizes) + "   (time, peak memory; ratio to "
          f"{sizes[0]} spaces)")
    _row("space create (first)", cold, sizes)
    for name, by_n in results.items():
        _row(name, by_n, sizes)
    address_plan()
    wide()


if __name__ == "__main__":
    main()
