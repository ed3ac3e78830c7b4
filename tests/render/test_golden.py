"""Golden graphs: the reference workspace renders to committed JSON.

A change that adds, removes, renames or reconfigures a resource shows in the diff of
tests/render/golden/*.json. Regenerate with PLATFORM_UPDATE_GOLDENS=1 and review the diff.
"""

from __future__ import annotations

from tests.render.conftest import golden_graphs


def test_render_matches_golden(rendered, golden_unit, golden_dir, update_goldens):
    expected, actual = golden_graphs(rendered[golden_unit], golden_unit, golden_dir, update_goldens)
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
