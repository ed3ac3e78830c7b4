"""Where the regions are, for the report's map: coordinates of each AWS region's metro area,
and the shipped land outline (see world-land-110m.LICENSE)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

WIDTH, HEIGHT = 1000, 500  # of the outline's equirectangular projection
OUTLINE = Path(__file__).resolve().parent / "world-land-110m.svgpath"

REGION_COORDS: dict[str, tuple[float, float]] = {  # region -> (latitude, longitude) of its metro area
    "us-east-1": (38.9, -77.4), "us-east-2": (40.0, -83.0), "us-west-1": (37.4, -121.9), "us-west-2": (45.8, -119.7),
    "ca-central-1": (45.5, -73.6), "ca-west-1": (51.0, -114.1), "mx-central-1": (20.6, -100.4),
    "sa-east-1": (-23.5, -46.6), "eu-central-1": (50.1, 8.7), "eu-central-2": (47.4, 8.5),
    "eu-west-1": (53.3, -6.3), "eu-west-2": (51.5, -0.1), "eu-west-3": (48.9, 2.4), "eu-north-1": (59.3, 18.1),
    "eu-south-1": (45.5, 9.2), "eu-south-2": (41.6, -0.9), "me-central-1": (24.5, 54.4), "me-south-1": (26.1, 50.6),
    "il-central-1": (32.1, 34.8), "af-south-1": (-33.9, 18.4), "ap-south-1": (19.1, 72.9), "ap-south-2": (17.4, 78.5),
    "ap-southeast-1": (1.35, 103.8), "ap-southeast-2": (-33.9, 151.2), "ap-southeast-3": (-6.2, 106.8),
    "ap-southeast-4": (-37.8, 145.0), "ap-southeast-5": (3.1, 101.7), "ap-east-1": (22.3, 114.2),
    "ap-northeast-1": (35.7, 139.7), "ap-northeast-2": (37.6, 127.0), "ap-northeast-3": (34.7, 135.5),
    "cn-north-1": (39.9, 116.4), "cn-northwest-1": (37.5, 105.2),
    "us-gov-west-1": (45.6, -121.2), "us-gov-east-1": (40.0, -83.0),
}


def project(lat: float, lon: float) -> tuple[float, float]:
    """(latitude, longitude) -> (x, y) on the outline."""
    return round((lon + 180.0) * WIDTH / 360.0, 1), round((90.0 - lat) * HEIGHT / 180.0, 1)


def region_xy(region: str) -> tuple[float, float] | None:
    coords = REGION_COORDS.get(region)
    return project(*coords) if coords else None


@cache
def land_path() -> str:
    return OUTLINE.read_text(encoding="ascii").strip()
