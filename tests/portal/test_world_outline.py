"""The map's land outline shipped with the report is the one the pinned world-atlas makes."""

from __future__ import annotations


def test_shipped_world_outline_is_what_the_pinned_world_atlas_makes(backstage_check):
    """platform_cli/portal/report/world-land-110m.svgpath is generated from tests/node's pinned
    world-atlas by tests/node/build_world_outline.py (the validators fixture installs the modules)."""
    import importlib.util

    from platform_cli.portal.report import geo

    from .conftest import NODE_DIR

    spec = importlib.util.spec_from_file_location("build_world_outline", NODE_DIR / "build_world_outline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import json

    made = module.svg_path(json.loads(module.SOURCE.read_text()))
    assert geo.land_path() == made
    assert (module.WIDTH, module.HEIGHT) == (geo.WIDTH, geo.HEIGHT)
