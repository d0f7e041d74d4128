"""Indicative roads: straight geodesic lines of a stated length leaving a site on a bearing.

Inputs and outputs are EPSG:4326 (lon/lat); lengths are geodesic on WGS 84. The bearing is a
placeholder chosen by the caller, never a real alignment.
"""

from __future__ import annotations

from typing import Final

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from spatial.synthetic.geodesy import GEOD, fwd_point

EXIT_STEP_M: Final = 50.0
"""Outward step of the search for the site's edge before it bisects, in metres."""

EXIT_PRECISION_M: Final = 0.05
"""The edge is located to within this many metres."""

ROAD_INNER_VERTICES: Final = 9
"""Vertices inserted along every road, so the drawn line follows the geodesic."""


def exit_point(site: BaseGeometry, bearing_deg: float) -> tuple[float, float]:
    """Return the lon/lat point where a geodesic from the site's centroid leaves its outline."""
    centre = site.centroid

    def inside(dist_m: float) -> bool:
        return bool(site.contains(Point(fwd_point(centre.x, centre.y, bearing_deg, dist_m))))

    low_m, high_m = 0.0, EXIT_STEP_M
    while inside(high_m):
        low_m, high_m = high_m, high_m + EXIT_STEP_M
    while high_m - low_m > EXIT_PRECISION_M:
        mid_m = (low_m + high_m) / 2.0
        low_m, high_m = (mid_m, high_m) if inside(mid_m) else (low_m, mid_m)
    return fwd_point(centre.x, centre.y, bearing_deg, high_m)


def road_line(site: BaseGeometry, bearing_deg: float, length_km: float) -> LineString:
    """Return a lon/lat geodesic line of ``length_km`` km leaving the site's edge on a bearing."""
    lon, lat = exit_point(site, bearing_deg)
    end_lon, end_lat = fwd_point(lon, lat, bearing_deg, length_km * 1000.0)
    middle = GEOD.npts(lon, lat, end_lon, end_lat, ROAD_INNER_VERTICES)
    return LineString([(lon, lat), *middle, (end_lon, end_lat)])
