"""How fast `platform --help` starts, against the floor of importing click alone.

    python benchmarks/startup.py [--runs N]

Runs each command N times in fresh interpreters (after one warm-up run each, so the
file cache is warm for both), and prints the medians and their ratio. The project's
target is a ratio of at most 1.5: the root group imports click and the command table
only; every command's module loads when that command runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 1.5


def median_seconds(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args()
    baseline_cmd = [sys.executable, "-c", "import click"]
    platform_cmd = [sys.executable, "-m", "platform_cli", "--help"]
    # interleave the two so that machine noise hits both alike
    base, plat = [], []
    for _ in range(3):
        base.append(median_seconds(baseline_cmd, max(args.runs // 3, 1)))
        plat.append(median_seconds(platform_cmd, max(args.runs // 3, 1)))
    baseline, platform = statistics.median(base), statistics.median(plat)
    ratio = platform / baseline
    print(f"python -c 'import click'   median {baseline * 1000:7.1f} ms")
    print(f"platform --help            median {platform * 1000:7.1f} ms")
    print(f"ratio                      {ratio:7.2f}x (target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
