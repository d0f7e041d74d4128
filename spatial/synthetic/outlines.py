"""Indicative outlines: regular polygons of a stated geodesic area, at or next to a point.

An indicative outline is how a site with a known size but no published boundary is shown: an
indicative shape, never a survey. Polygons are built in metres in a local azimuthal-equidistant
projection (AEQD) centred on the point and returned in EPSG:4326 (lon/lat); areas are geodesic
on WGS 84, in hectares.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from spatial.synthetic.geodesy import (
    M2_PER_HA,
    aeqd_transformers,
    fwd_point,
    geodesic_area_ha,
    reproject,
)

AREA_TOLERANCE_REL: Final = 1e-6
"""Relative tolerance :func:`indicative_outline` iterates to (the contract is 1e-4, i.e. 0.01 %)."""

ADJACENT_BEARINGS_DEG: Final = (180.0, 225.0, 270.0, 315.0, 0.0, 45.0, 90.0, 135.0)
"""Compass bearings :func:`place_adjacent` tries, in order (ties go to the earlier one)."""

ADJACENT_STEP_M: Final = 100.0
"""Outward step of :func:`place_adjacent`'s search before it bisects, in metres."""

ADJACENT_MAX_OFFSET_M: Final = 10_000.0
"""Largest centre offset :func:`place_adjacent` tries on one bearing, in metres."""

ADJACENT_PRECISION_M: Final = 5.0
"""Bisection stops when the free offset is known to within this many metres."""


def _regular_polygon_m(radius_m: float, vertices: int) -> Polygon:
    """Return a regular polygon centred on (0, 0) in metres, first vertex due east, CCW."""
    angles = np.arange(vertices) * (2.0 * math.pi / vertices)
    return Polygon(np.column_stack((radius_m * np.cos(angles), radius_m * np.sin(angles))))


def indicative_outline(lon: float, lat: float, area_ha: float, *, vertices: int = 24) -> Polygon:
    """Return a regular polygon centred on (lon, lat) whose geodesic area is ``area_ha``.

    The polygon is built in a local azimuthal-equidistant projection centred on the point (so the
    vertices are equidistant from it on the ellipsoid), transformed to lon/lat, and its radius is
    rescaled until the geodesic area (``pyproj.Geod(ellps="WGS84").geometry_area_perimeter``)
    matches within 1e-6 (the contract is 0.01 %).

    Args:
        lon: Longitude of the centre, degrees (EPSG:4326).
        lat: Latitude of the centre, degrees (EPSG:4326).
        area_ha: Target geodesic area in hectares (> 0).
        vertices: Number of vertices of the regular polygon (≥ 3).

    Returns:
        A valid lon/lat Polygon with a counter-clockwise exterior ring.

    Raises:
        ValueError: If ``area_ha`` is not positive or ``vertices`` is below 3.
    """
    if area_ha <= 0 or not math.isfinite(area_ha):
        raise ValueError(f"area_ha must be a positive number, got {area_ha!r}")
    if vertices < 3:
        raise ValueError(f"vertices must be at least 3, got {vertices}")
    _forward, inverse = aeqd_transformers(lon, lat)
    target_m2 = area_ha * M2_PER_HA
    # Planar area of a regular n-gon of circumradius r is n/2 · r² · sin(2π/n).
    radius_m = math.sqrt(2.0 * target_m2 / (vertices * math.sin(2.0 * math.pi / vertices)))
    outline = Polygon()
    for _ in range(20):
        outline = orient(reproject(_regular_polygon_m(radius_m, vertices), inverse))
        actual_ha = geodesic_area_ha(outline)
        if abs(actual_ha - area_ha) <= AREA_TOLERANCE_REL * area_ha:
            return outline
        radius_m *= math.sqrt(area_ha / actual_ha)
    raise ArithmeticError(f"indicative_outline did not converge for {area_ha} ha at {lon},{lat}")


def _free_offset_m(
    centre: tuple[float, float],
    bearing_deg: float,
    area_ha: float,
    avoid: BaseGeometry,
    vertices: int,
) -> tuple[float, Polygon]:
    """Return the smallest offset (m, to 5 m) on a bearing whose outline clears ``avoid``."""

    def outline_at(dist_m: float) -> Polygon:
        lon, lat = fwd_point(centre[0], centre[1], bearing_deg, dist_m)
        return indicative_outline(lon, lat, area_ha, vertices=vertices)

    low_m, high_m = 0.0, ADJACENT_STEP_M
    while outline_at(high_m).intersects(avoid):
        low_m, high_m = high_m, high_m + ADJACENT_STEP_M
        if high_m > ADJACENT_MAX_OFFSET_M:
            break
    while high_m - low_m > ADJACENT_PRECISION_M:
        mid_m = (low_m + high_m) / 2.0
        low_m, high_m = (mid_m, high_m) if outline_at(mid_m).intersects(avoid) else (low_m, mid_m)
    return high_m, outline_at(high_m)


def place_adjacent(
    anchor: BaseGeometry, area_ha: float, avoid: BaseGeometry, *, vertices: int = 24
) -> tuple[Polygon, float, float]:
    """Place an indicative outline of ``area_ha`` next to ``anchor`` without overlapping ``avoid``.

    For each bearing of :data:`ADJACENT_BEARINGS_DEG` from the anchor's centroid, the centre is
    pushed outward until the outline is clear of ``avoid`` (to within 5 m); the bearing needing the
    smallest push wins (ties: the earlier bearing). All geometries are lon/lat (EPSG:4326).

    Returns:
        (outline, bearing_deg, offset_m): the lon/lat outline, the bearing and the distance in
        metres of its centre from the anchor's centroid.

    Raises:
        RuntimeError: If no bearing clears ``avoid`` within :data:`ADJACENT_MAX_OFFSET_M`.
    """
    centre = (anchor.centroid.x, anchor.centroid.y)
    best: tuple[float, float, Polygon] | None = None
    for bearing in ADJACENT_BEARINGS_DEG:
        offset_m, candidate = _free_offset_m(centre, bearing, area_ha, avoid, vertices)
        if not candidate.intersects(avoid) and (best is None or offset_m < best[1]):
            best = (bearing, offset_m, candidate)
    if best is None:
        raise RuntimeError("no free position found next to the anchor")
    return best[2], best[0], best[1]
