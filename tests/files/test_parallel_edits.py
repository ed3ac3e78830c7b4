"""Parallel commands on one workspace: no edit is lost and no CIDR block is handed out twice.

Each command runs in its own process (the real entry point), all started together, so they
race for the workspace lock exactly as people and CI jobs do.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys

import yaml

from platform_cli.service_repo import new_service

ENTRY = "import sys; from platform_cli.cli import main; main(sys.argv[1:])"


def _start(root, *args):
    return subprocess.Popen([sys.executable, "-c", ENTRY, "-w", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_parallel_create_add_region_and_bind_lose_nothing(payments, tmp_path):
    root = payments.root
    svc = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path
    regions = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1"]
    teams = ["alpha", "bravo", "charlie"]
    binds = [("queue", "standard", "jobs"), ("bucket", "standard", "files"), ("topic", "standard", "events"),
             ("cache", "small", "sessions")]
    procs = [_start(root, "space", "add-region", "payments", "--env", "prod", r) for r in regions]
    procs += [_start(root, "space", "create", t, "--blueprint", "standard@1", "--env", "dev=eu-south-1") for t in teams]
    procs += [_start(root, "service", "bind", str(svc), "--offering", o, "--plan", p, "--name", n) for o, p, n in binds]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, (p.args, out, err)
        assert "Traceback" not in err and "Exception ignored" not in err

    spaces = {t: yaml.safe_load((root / "spaces" / f"{t}.yaml").read_text()) for t in ["payments", *teams]}
    assert set(spaces["payments"]["environments"]["prod"]["regions"]) >= set(regions)
    for t in teams:
        assert spaces[t]["environments"]["dev"]["regions"] == ["eu-south-1"]
    blocks = [ipaddress.ip_network(a["cidr"]) for s in spaces.values() for a in s["allocations"]]
    assert len(blocks) == len(set(blocks)), "one block was handed out twice"
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
    prod = {a["region"] for a in spaces["payments"]["allocations"] if a["env"] == "prod"}
    assert prod >= set(regions), "every added region has its own block"

    service = yaml.safe_load((svc / "service.yaml").read_text())
    assert sorted(b["name"] for b in service["bindings"]) == sorted(n for _, _, n in binds)
    catalog = list(yaml.safe_load_all((svc / "catalog-info.yaml").read_text()))
    resources = sorted(d["metadata"]["name"] for d in catalog if d and d.get("kind") == "Resource")
    assert resources == sorted(f"orders-{n}" for _, _, n in binds)
    leftovers = [p.name for p in [*svc.iterdir(), *(root / "spaces").iterdir()] if p.name.endswith(".tmp")]
    assert leftovers == []
