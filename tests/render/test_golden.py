"""Golden graphs: the reference workspace renders to committed JSON.

A change that adds, removes, renames or reconfigures a resource shows in the diff of
tests/render/golden/*.json. Regenerate with PLATFORM_UPDATE_GOLDENS=1 and review the diff.
"""

from __future__ import annotations

import json


def test_render_matches_golden(rendered, golden_unit, golden_dir, update_goldens):
    unit = golden_unit
    text = json.dumps(rendered[unit].to_data(), indent=1, sort_keys=True) + "\n"
    path = golden_dir / (unit.replace("/", "_") + ".json")
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with PLATFORM_UPDATE_GOLDENS=1 to create it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = json.loads(text)
    want = {(r["type"], r["name"]) for r in expected["resources"]}
    got = {(r["type"], r["name"]) for r in actual["resources"]}
    assert got - want == set(), "resources added (or renamed) versus the golden file"
    assert want - got == set(), "resources removed (or renamed) versus the golden file"
    assert actual == expected


def test_render_is_deterministic(reference_inputs, rendered):
    from platform_cli.render import render_unit

    unit = "space/lab/dev/eu-central-1"
    again = render_unit(reference_inputs[unit])
    assert again.to_data() == rendered[unit].to_data()
