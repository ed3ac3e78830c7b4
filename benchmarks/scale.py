"""How the workspace commands scale with the number of team spaces (prints ratios; nothing is asserted).

Builds synthetic workspaces of 10, 100 and 1,000 spaces (4 units each: dev and prod in
eu-central-1 and eu-west-1, one /20 block per unit from the 10.0.0.0/8 pool), and runs each
command once per size in a fresh interpreter, as a user would, measuring wall time and peak
memory (the child's maximum resident set):

- `space create` of one more space (4 blocks allocated against every block of the workspace, its 4 units'
  names checked against every unit's): first right after the checkout, when the light index (beside the
  space index) holds nothing yet, then of a second space, as every later create runs,
- `space list --json`, `fleet status --json`,
- `fleet plan --to standard@2 --cohort 1 --json` (one cohort: 4 units rendered under both versions).

Each is printed with its ratio to the 10-space case (targets: `space create` and `space list`
<= 2x at 1,000 spaces). Then the address plan: how many blocks of the blueprint's size the pool
holds, what 1,000 spaces x 40 regions need, and a workspace of 1,000 spaces with 40 units each
(dev and prod in 20 regions, a pool per region) where one more space is created and listed.

Run: python benchmarks/scale.py [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
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
  dev: {{regions: [eu-central-1, eu-west-1], markets: [], protected: false}}
  prod: {{regions: [eu-central-1, eu-west-1], markets: [], protected: true}}
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


def run(root: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of `platform -w ROOT ARGS...` in a fresh interpreter."""
    cmd = [sys.executable, "-m", "platform_cli", "-w", str(root), *args]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed with exit {proc.returncode}:\n{err.read().decode()}")
    return took, usage.ru_maxrss / 1024


COMMANDS = {
    "space create (first)": lambda: ("space", "create", "newcomer", "--blueprint", "standard@1",
                                     "--env", "dev=eu-central-1,eu-west-1", "--env", "prod=eu-central-1,eu-west-1"),
    "space create": lambda: ("space", "create", "second", "--blueprint", "standard@1",
                             "--env", "dev=eu-central-1,eu-west-1", "--env", "prod=eu-central-1,eu-west-1"),
    "space list": lambda: ("space", "list", "--json"),
    "fleet status": lambda: ("fleet", "status", "--json"),
    "fleet plan (cohort 1)": lambda: ("fleet", "plan", "--to", "standard@2", "--cohort", "1", "--json"),
}


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
    run(root, "space", "list", "--json")  # builds the space index
    places = ",".join(regions)
    first, _ = run(root, "space", "create", "newcomer", "--blueprint", "standard@1", "--env", f"dev={places}",
                   "--env", f"prod={places}")  # derives the names of every unit: the light index is empty
    took, mem = run(root, "space", "create", "second", "--blueprint", "standard@1", "--env", f"dev={places}",
                    "--env", f"prod={places}")
    from platform_cli.workspace import WorkspaceContext

    made = WorkspaceContext.open(root).space("second")
    listed, lmem = run(root, "space", "list", "--json")
    units = len(made.allocations)
    print(f"  with a pool per region (network_pools, each 10.0.0.0/8): {spaces} spaces x {units} units "
          f"({len(regions)} regions x 2 envs) = {spaces * units} blocks, {2 * spaces} per region pool of 4096: "
          f"space create of the {spaces}th {first:.2f} s (the light index empty), of the {spaces + 1}th {took:.2f} s "
          f"({mem:.0f} MiB), its {units} blocks "
          f"{made.allocations[0].cidr} .. {made.allocations[-1].cidr}; space list {listed:.2f} s ({lmem:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, dict[int, tuple[float, float]]] = {name: {} for name in COMMANDS}
    for n in sizes:
        root = build(n)
        run(root, "space", "list", "--json")  # the first read of a checkout builds the space index
        for name, args_of in COMMANDS.items():
            results[name][n] = run(root, *args_of())
            print(f"{n:5d} spaces  {name:22s} {results[name][n][0]:7.2f} s  {results[name][n][1]:7.1f} MiB",
                  file=sys.stderr)
    base = sizes[0]
    print(f"\n{'command':22s} " + " ".join(f"{n:>16d}" for n in sizes) + "   (time, peak memory; ratio to "
          f"{base} spaces)")
    for name, by_n in results.items():
        cells = []
        for n in sizes:
            t, m = by_n[n]
            cells.append(f"{t:5.2f}s {t / by_n[base][0]:4.2f}x")
        mem = [f"{by_n[n][1]:5.0f}MiB {by_n[n][1] / by_n[base][1]:4.2f}x" for n in sizes]
        target = " (target <= 2x)" if name in ("space create", "space list") else ""
        print(f"{name:22s} " + " ".join(f"{c:>16s}" for c in cells) + target)
        print(f"{'':22s} " + " ".join(f"{c:>16s}" for c in mem))
    address_plan()
    wide()


if __name__ == "__main__":
    main()
