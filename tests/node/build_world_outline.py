"""Convert world-atlas's land-110m TopoJSON (Natural Earth 1:110m land, public domain) into the
SVG path the report's map draws, in an equirectangular projection of WIDTH x HEIGHT.

Run once when the pinned world-atlas changes (tests/node/package.json):

    python tests/node/build_world_outline.py > platform_cli/portal/report/world-land-110m.svgpath

tests/portal check that the shipped file is what this script makes from the pinned package.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "node_modules" / "world-atlas" / "land-110m.json"
WIDTH, HEIGHT = 1000, 500


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180.0) * WIDTH / 360.0, (90.0 - lat) * HEIGHT / 180.0


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Quantized, delta-encoded arcs -> lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def svg_path(topology: dict) -> str:
    arcs = decode_arcs(topology)
    parts = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for indexes in polygon:
                pts = unwrap([project(lon, lat) for lon, lat in ring(arcs, indexes)])
                out, last = [], None
                for x, y in pts:
                    p = (round(x, 1), round(y, 1))
                    if p != last:
                        out.append(p)
                        last = p
                if len(out) < 3:
                    continue
                xs = [x for x, _ in out]
                # a ring crossing the antimeridian is drawn again one world-width over; the view clips both
                for shift in [0.0] + ([-WIDTH] if max(xs) > WIDTH else []) + ([WIDTH] if min(xs) < 0 else []):
                    parts.append("M" + "L".join(f"{x + shift:g},{y:g}" for x, y in out) + "Z")
    return "".join(parts)


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep a ring continuous where it crosses the antimeridian (no stroke across the map)."""
    out: list[tuple[float, float]] = []
    offset = 0.0
    for x, y in points:
        if out:
            prev = out[-1][0] - offset
            if x - prev > WIDTH / 2:
                offset -= WIDTH
            elif prev - x > WIDTH / 2:
                offset += WIDTH
        out.append((x + offset, y))
    return out


def main() -> int:
    sys.stdout.write(svg_path(json.loads(SOURCE.read_text())) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
