"""Geodesic measures and local metric projections shared by the synthetic generators.

Inputs and outputs are EPSG:4326 (lon/lat, degrees) unless a name says metres; areas and lengths
are geodesic on the WGS 84 ellipsoid.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

GEOD: Final = Geod(ellps="WGS84")
"""The WGS 84 ellipsoid used for every area and length here."""

M2_PER_HA: Final = 10_000.0


@lru_cache(maxsize=4096)
def aeqd_transformers(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """Return (lon/lat → local AEQD metres, AEQD metres → lon/lat) centred on the point."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inverse = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return forward, inverse


def reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """Return ``geom`` with every coordinate passed through ``transformer`` (2D)."""

    def _apply(xy: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((xs, ys))

    return shapely.transform(geom, _apply)


def geodesic_area_ha(geom: BaseGeometry) -> float:
    """Return the geodesic area of a lon/lat (Multi)Polygon on WGS 84, in hectares (unsigned)."""
    area_m2, _perimeter_m = GEOD.geometry_area_perimeter(geom)
    return abs(area_m2) / M2_PER_HA


def geodesic_length_km(geom: BaseGeometry) -> float:
    """Return the geodesic length of a lon/lat (Multi)LineString on WGS 84, in kilometres."""
    return float(GEOD.geometry_length(geom)) / 1000.0


def fwd_point(lon: float, lat: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """Return the lon/lat point ``distance_m`` metres from (lon, lat) along a geodesic bearing."""
    lon2, lat2, _back = GEOD.fwd(lon, lat, bearing_deg, distance_m)
    return float(lon2), float(lat2)


def oriented(geom: BaseGeometry) -> BaseGeometry:
    """Return ``geom`` with counter-clockwise exterior and clockwise interior rings (RFC 7946)."""
    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in geom.geoms])
    return geom
