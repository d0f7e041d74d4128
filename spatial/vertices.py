"""The vertex table of a boundary in a VN-2000 TM-3 zone, as decisions' annexes print it."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from spatial.crs import WGS84, transform_geometry


@dataclass(frozen=True)
class Vertex:
    """One boundary point: polygon and ring (0 = exterior), point order, metres in the zone."""

    polygon: int
    ring: int
    point: int
    x_north_m: float
    y_east_m: float


def polygons(geom: BaseGeometry) -> list[Polygon]:
    """Return the polygons of a (multi)polygon or collection, in order."""
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [part for g in getattr(geom, "geoms", []) for part in polygons(g)]


def vertex_table(geom_4326: BaseGeometry, zone_srid: int) -> list[Vertex]:
    """Return every vertex of ``geom_4326`` (EPSG:4326) in the VN-2000 zone ``zone_srid``.

    X is the northing and Y the easting in metres, as Vietnamese coordinate tables write them
    (the reverse of the x = east convention of GIS). Points are numbered from 1 along each ring,
    in the ring's own order; the closing point, equal to the first, is not repeated.
    """
    rows: list[Vertex] = []
    for p_index, polygon in enumerate(polygons(transform_geometry(geom_4326, WGS84, zone_srid))):
        for r_index, ring in enumerate([polygon.exterior, *polygon.interiors]):
            coords = list(ring.coords)[:-1]
            rows.extend(
                Vertex(p_index + 1, r_index, n, round(y, 3), round(x, 3))
                for n, (x, y) in enumerate(coords, start=1)
            )
    return rows
