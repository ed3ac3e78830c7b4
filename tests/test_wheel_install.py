"""A plain (not editable) install of the wheel finds the shipped blueprints and templates.

The wheel is built from the checkout and installed with --no-deps into a new venv. Its
dependencies come from the environment running the tests: a .pth file appends that
environment's site-packages after the venv's own, so the installed wheel (not the
checkout) provides platform_cli while pydantic, click and friends are reused instead of
being downloaded again.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)])
    wheels = list(dist.glob("platform_cli-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = [p for p in dict.fromkeys(site.getsitepackages() + [sysconfig.get_paths()["purelib"]]) if Path(p).is_dir()]
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n")
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheels[0])])
    outside = base / "elsewhere"
    outside.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(base / "home"), "LANG": "C.UTF-8"}
    return {"venv": venv, "python": py, "platform": venv / "bin" / "platform", "cwd": outside, "env": env,
            "purelib": purelib}


def test_installed_package_comes_from_the_wheel_not_the_checkout(installed):
    out = _run([str(installed["python"]), "-c",
                "import platform_cli, platform_cli.catalog as c; print(platform_cli.__file__); "
                "print(c.data_root('blueprints')); print(c.data_root('service_templates'))"],
               cwd=installed["cwd"], env=installed["env"]).stdout.splitlines()
    purelib = installed["purelib"].resolve()
    for line in out:
        path = Path(line).resolve()
        assert path.is_relative_to(purelib), f"{path} is not inside the new venv's {purelib}"
        assert not path.is_relative_to(REPO)
    assert Path(out[1], "standard", "2.yaml").is_file()
    assert Path(out[2]).is_dir()


def test_installed_cli_lists_the_shipped_blueprints(installed):
    r = _run([str(installed["platform"]), "blueprint", "list", "--json"], cwd=installed["cwd"], env=installed["env"])
    data = json.loads(r.stdout)
    refs = {b["ref"] for b in data["blueprints"]}
    assert {"standard@1", "standard@2", "minimal@1"} <= refs
    assert data["errors"] == []
    r = _run([str(installed["platform"]), "marketplace", "list", "--json"], cwd=installed["cwd"], env=installed["env"])
    assert {o["name"] for o in json.loads(r.stdout)["offerings"]} >= {"postgres", "queue", "bucket"}


def test_installed_cli_creates_a_workspace_and_a_space(installed):
    env, cwd, platform = installed["env"], installed["cwd"], str(installed["platform"])
    _run([platform, "init", "ws"], cwd=cwd, env=env)
    ws = cwd / "ws"
    assert (ws / "platform.yaml").is_file()
    r = _run([platform, "-w", str(ws), "space", "create", "payments", "--blueprint", "standard@1",
              "--env", "dev=DE", "--env", "prod=DE,FR,US", "--json"], cwd=cwd, env=env)
    units = json.loads(r.stdout)["units"]
    assert [(u["env"], u["region"]) for u in units] == [
        ("dev", "eu-central-1"), ("prod", "eu-central-1"), ("prod", "eu-west-3"), ("prod", "us-east-1")]
    assert (ws / "spaces" / "payments.yaml").read_text().startswith("# yaml-language-server: $schema=")
    r = subprocess.run([platform, "-w", str(ws), "space", "show", "nobody"], capture_output=True, text=True,
                       cwd=cwd, env=env, timeout=60)
    assert r.returncode == 4 and "Traceback" not in r.stderr
    assert os.stat(ws / ".platform" / "passphrase").st_mode & 0o077 == 0
