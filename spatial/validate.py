"""Geometry checks that collect every problem with its location; nothing is repaired silently."""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from spatial.errors import Problem

# Vietnam's extent with a small margin (EPSG:4326 degrees): mainland, islands included.
VIETNAM_BBOX = (102.1, 8.3, 109.5, 23.4)
# Extent used to reject coordinates that are obviously projected metres, not degrees.
_DEGREE_LIMIT = 180.0

POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


def check_geometry(
    geom: BaseGeometry | None, where: str, *, allowed_types: Iterable[str] = POLYGONAL
) -> list[Problem]:
    """Return every problem of one geometry; ``where`` locates it (e.g. ``/features/3``)."""
    if geom is None or geom.is_empty:
        return [Problem(where, "geometry is missing or empty")]
    allowed = tuple(allowed_types)
    if geom.geom_type not in allowed:
        return [
            Problem(where, f"geometry type {geom.geom_type} is not one of {', '.join(allowed)}")
        ]
    problems: list[Problem] = []
    min_x, min_y, max_x, max_y = geom.bounds
    if max(abs(min_x), abs(max_x)) > _DEGREE_LIMIT or max(abs(min_y), abs(max_y)) > 90:
        problems.append(
            Problem(
                where,
                f"coordinates ({min_x:.1f}, {min_y:.1f}) are not degrees; they look like projected "
                "metres (VN-2000?): declare the CRS",
            )
        )
        return problems
    if not _inside_vietnam(min_x, min_y, max_x, max_y):
        problems.append(
            Problem(
                where,
                f"extent lon {min_x:.5f}..{max_x:.5f}, lat {min_y:.5f}..{max_y:.5f} lies outside "
                "Vietnam (lon 102.1..109.5, lat 8.3..23.4)",
            )
        )
    if not shapely.is_valid(geom):
        problems.append(Problem(where, f"invalid geometry: {explain_validity(geom)}"))
    return problems


def _inside_vietnam(min_x: float, min_y: float, max_x: float, max_y: float) -> bool:
    west, south, east, north = VIETNAM_BBOX
    return west <= min_x and max_x <= east and south <= min_y and max_y <= north
