"""`platform --help` and every `platform <noun> [verb] --help` start without heavy imports.

Each help runs in a fresh interpreter; an atexit hook prints the modules loaded by then.
The command table is read from the root group, so new nouns and verbs are covered as
they are added.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys

import click
import pytest

from platform_cli.cli import COMMANDS
from platform_cli.cli._lazy import LazyGroup

HEAVY = ("pulumi", "pulumi_aws", "boto3", "botocore", "moto", "cookiecutter")
ROOT_ONLY_CLICK = ("pydantic", "yaml", "ruamel", "rich", "jinja2")

WRAPPER = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nLOADED-MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
from platform_cli.cli import main
main(sys.argv[1:])
"""


def run_help(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *args, "--help"], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    marker = [line for line in proc.stderr.splitlines() if line.startswith("LOADED-MODULES ")]
    assert marker, f"no module report from `platform {' '.join(args)} --help`:\n{proc.stderr}"
    return proc, json.loads(marker[-1][len("LOADED-MODULES "):])


def heavy_in(modules: list[str], roots=HEAVY) -> list[str]:
    return sorted({m for m in modules if m.split(".")[0] in roots})


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def existing_nouns() -> list[str]:
    return [noun for noun, (module, _) in COMMANDS.items() if _module_exists(f"platform_cli.cli.{module}")]


def existing_verbs() -> list[tuple[str, str]]:
    out = []
    for noun in existing_nouns():
        try:
            group = importlib.import_module(f"platform_cli.cli.{COMMANDS[noun][0]}").command
        except Exception:  # noqa: BLE001 - the noun's own help test reports the failure
            continue
        if isinstance(group, LazyGroup):
            out += [(noun, verb) for verb, (module, _, _) in group.lazy.items() if _module_exists(module)]
        elif isinstance(group, click.Group):
            out += [(noun, verb) for verb in group.commands]
    return out


def test_root_help_imports_only_click_and_the_table():
    proc, modules = run_help()
    assert proc.returncode == 0, proc.stderr
    for noun in COMMANDS:
        assert noun in proc.stdout
    assert heavy_in(modules) == []
    assert heavy_in(modules, ROOT_ONLY_CLICK) == [], "the root group must not import specs or YAML to show --help"
    loaded_cli = sorted(m for m in modules if m.startswith("platform_cli.cli."))
    assert loaded_cli == ["platform_cli.cli._lazy"], loaded_cli


def test_the_command_table_has_the_foundation_nouns():
    assert {"init", "space", "blueprint", "marketplace", "market", "schema", "fleet"} <= set(existing_nouns())


@pytest.mark.parametrize("noun", existing_nouns())
def test_noun_help_has_no_heavy_imports(noun):
    proc, modules = run_help(noun)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: platform" in proc.stdout
    assert heavy_in(modules) == [], f"`platform {noun} --help` imports {heavy_in(modules)}"


@pytest.mark.parametrize("noun,verb", existing_verbs(), ids=lambda v: v)
def test_verb_help_has_no_heavy_imports(noun, verb):
    proc, modules = run_help(noun, verb)
    assert proc.returncode == 0, proc.stderr
    assert f"Usage: platform {noun} {verb}" in proc.stdout
    assert heavy_in(modules) == [], f"`platform {noun} {verb} --help` imports {heavy_in(modules)}"
