"""Mutation tests of wave planning and halting: each rule is broken in a copy of the code, at its boundary,
and the rule tests must fail against it. A mutant that survives is a rule no test guards.

Each mutant replaces one exact snippet of ``platform_cli/planning/waves.py`` or
``platform_cli/rollout/executor.py`` (the snippet must occur exactly once, so a refactoring that
moves it fails here loudly instead of testing nothing). The mutated module is loaded in place of
the real one in a fresh interpreter, which then runs the rule tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WAVES = "platform_cli/planning/waves.py"
EXECUTOR = "platform_cli/rollout/executor.py"
RULE_TESTS = {WAVES: ["tests/rollout/test_wave_rules.py"],
              EXECUTOR: ["tests/rollout/test_halting_rules.py"]}

MUTANTS = [
    # the canary: one region, alone, first; the one chosen, else the first declared
    ("canary-takes-two", WAVES, "waves = [Wave(1, (first,), (unit_of[first],), canary=True)]",
     "waves = [Wave(1, (first, *rest[:1]), (unit_of[first], *[unit_of[r] for r in rest[:1]]), canary=True)]; rest = rest[1:]"),
    ("canary-default-last", WAVES, "first = canary or regions[0]", "first = canary or regions[-1]"),
    ("canary-choice-ignored", WAVES, "first = canary or regions[0]", "first = regions[0]"),
    ("canary-not-flagged", WAVES, "(unit_of[first],), canary=True)", "(unit_of[first],), canary=False)"),
    ("canary-outside-accepted", WAVES, "    if first not in regions:\n", "    if False:\n"),
    # batches: full, at most batch_size, every region once
    ("batch-one-larger", WAVES, "batch = tuple(rest[i:i + batch_size])", "batch = tuple(rest[i:i + batch_size + 1])"),
    ("batch-one-smaller", WAVES, "for i in range(0, len(rest), batch_size):\n        batch = tuple(rest[i:i + batch_size])",
     "for i in range(0, len(rest), max(1, batch_size - 1)):\n        batch = tuple(rest[i:i + max(1, batch_size - 1)])"),
    ("region-dropped", WAVES, "rest = [r for r in regions if r != first]", "rest = [r for r in regions if r != first][:-1]"),
    ("batch-size-0-accepted", WAVES, "if batch_size < 1 or max_parallel < 1:", "if batch_size < 0 or max_parallel < 1:"),
    ("max-parallel-0-accepted", WAVES, "if batch_size < 1 or max_parallel < 1:", "if batch_size < 1 or max_parallel < 0:"),
    ("bake-0-refused", WAVES, "if bake_minutes < 0:", "if bake_minutes <= 0:"),
    ("bake-negative-accepted", WAVES, "if bake_minutes < 0:", "if bake_minutes < -1:"),
    ("repeats-accepted", WAVES, "if len(set(regions)) != len(regions):", "if False:"),
    # ordering and numbering
    ("order-sorted", WAVES, "rest = [r for r in regions if r != first]", "rest = sorted(r for r in regions if r != first)"),
    ("batch-reversed", WAVES, "batch = tuple(rest[i:i + batch_size])", "batch = tuple(reversed(rest[i:i + batch_size]))"),
    ("units-shifted", WAVES, "unit_of = dict(zip(regions, units))", "unit_of = dict(zip(regions, units[1:] + units[:1]))"),
    ("numbers-from-0", WAVES, "waves.append(Wave(len(waves) + 1, batch,", "waves.append(Wave(len(waves), batch,"),
    ("max-parallel-lost", WAVES, "max_parallel=max_parallel,\n                       bake_minutes=float(bake_minutes)",
     "max_parallel=batch_size,\n                       bake_minutes=float(bake_minutes)"),
    ("partitions-mixed", WAVES, "if len(parts) > 1:", "if len(parts) > 2:"),
    ("matrix-wave-0", WAVES, "if wave is not None and wave < 1:", "if wave is not None and wave < 0:"),
    ("matrix-later-waves", WAVES, "for w in self.waves if wave is None or w.number == wave", "for w in self.waves if wave is None or w.number >= wave"),
    ("reverse-keeps-wave-order", WAVES, "for w in reversed(plan.waves):", "for w in plan.waves:"),
    ("reverse-keeps-region-order", WAVES, "tuple(reversed(w.regions)), tuple(reversed(w.units))", "tuple(w.regions), tuple(w.units)"),
    ("countries-repeat", WAVES, "        if region not in regions:\n            regions.append(region)", "        regions.append(region)"),
    ("fallback-inverted", WAVES, "if r in allowed), market.region)", "if r not in allowed), market.region)"),
    # halting and parallelism in the executor
    ("failure-does-not-halt-wave", EXECUTOR, "            halt.set()\n            self.journal.append(\"unit.failed\"",
     "            self.journal.append(\"unit.failed\""),
    ("failure-does-not-halt-rollout", EXECUTOR, "                if failed:\n", "                if len(failed) > 1:\n"),
    ("max-parallel-ignored", EXECUTOR, "max_workers=min(self.max_parallel, len(units))", "max_workers=len(units)"),
    ("max-parallel-plus-one", EXECUTOR, "max_workers=min(self.max_parallel, len(units))", "max_workers=min(self.max_parallel + 1, len(units))"),
]

RUN = """
import importlib, importlib.util, sys
name, path, *tests = sys.argv[1:]
importlib.import_module(name.rsplit(".", 1)[0])
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
import pytest
sys.exit(pytest.main(["-q", "-x", "-p", "no:cacheprovider", "--no-header", *tests]))
"""


def _run(rel: str, source: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / Path(rel).name
    path.write_text(source)
    name = rel.removesuffix(".py").replace("/", ".")
    return subprocess.run([sys.executable, "-c", RUN, name, str(path), *RULE_TESTS[rel]], cwd=REPO,
                          capture_output=True, text=True, timeout=900)


def test_the_rule_tests_pass_on_the_code_as_it_is(tmp_path):
    for rel in (WAVES, EXECUTOR):  # the loader itself changes nothing
        r = _run(rel, (REPO / rel).read_text(), tmp_path)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize(("rel", "old", "new"), [pytest.param(m[1], m[2], m[3], id=m[0]) for m in MUTANTS])
def test_each_broken_rule_fails_a_test(tmp_path, rel, old, new):
    source = (REPO / rel).read_text()
    assert source.count(old) == 1, f"the snippet to break is not in {rel} exactly once: {old!r}"
    r = _run(rel, source.replace(old, new), tmp_path)
    assert r.returncode == 1, ("the mutant survived: no rule test failed" if r.returncode == 0 else
                               f"the tests did not run cleanly (exit {r.returncode})") + "\n" + r.stdout[-3000:] + r.stderr[-1500:]
