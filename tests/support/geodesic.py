"""Independent area computation for tests: shapely + pyproj Geod, no PostGIS."""

from __future__ import annotations

import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")


def geodesic_ha(geom: BaseGeometry) -> float:
    """Return the geodesic area of an EPSG:4326 geometry in hectares (WGS 84 ellipsoid)."""
    if geom.is_empty:
        return 0.0
    # pyproj sums signed ring areas: exterior counter-clockwise and holes clockwise, or holes add.
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    return abs(GEOD.geometry_area_perimeter(oriented)[0]) / 10_000


def close(measured: float, expected: float, tolerance: float = 0.001) -> bool:
    """Tell whether two areas agree within a relative tolerance (0.1 % by default)."""
    if expected == 0:
        return abs(measured) < 1e-9
    return abs(measured - expected) / expected <= tolerance
