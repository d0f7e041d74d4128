"""Areas from closed rings: coordinate tables' parcels and CAD drawings' closed polylines.

A surveyor's table lists rings (a parcel's outline, then any hole); a DXF or DGN holds closed
polylines with nothing saying which is a hole. Both are read by the even-odd rule: a ring that
lies inside another cuts a hole in it, as CAD hatching does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import shapely
from shapely.geometry import (
    GeometryCollection,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPolygon,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

Ring = Sequence[tuple[float, float]]


def area_of_rings(rings: Sequence[Ring]) -> BaseGeometry:
    """Return the area ``rings`` enclose by the even-odd rule (a ring inside another is a hole).

    Coordinates stay as given (x = easting, y = northing). Rings that are not valid on their
    own (a bow-tie) are returned as they are, as a MultiPolygon, for the validation to locate
    the fault instead of a topology error here.
    """
    shells = [Polygon(ring) for ring in rings]
    if len(shells) == 1:
        return shells[0]
    if not all(shell.is_valid for shell in shells):
        return MultiPolygon(shells)
    area: BaseGeometry = shells[0]
    try:
        for shell in shells[1:]:
            area = area.symmetric_difference(shell)
    except shapely.errors.GEOSException:  # rings that touch oddly: let validation say where
        return MultiPolygon(shells)
    return shapely.normalize(area)


def closed_rings(geometries: Iterable[BaseGeometry | None]) -> list[Ring]:
    """Return the closed lines among ``geometries`` (a CAD file's closed polylines) as rings."""
    rings: list[Ring] = []
    for geom in geometries:
        if isinstance(geom, LineString | LinearRing):
            lines: list[LineString] = [geom]
        elif isinstance(geom, MultiLineString):
            lines = list(geom.geoms)
        else:
            continue
        for line in lines:
            coords = [(float(x), float(y)) for x, y, *_ in line.coords]
            if len(coords) >= 4 and coords[0] == coords[-1]:
                rings.append(coords)
    return rings


def _flat(geometries: Iterable[BaseGeometry | None]) -> list[BaseGeometry]:
    """Return the members of collections (a DXF block inserted inline) beside the rest."""
    flat: list[BaseGeometry] = []
    for geom in geometries:
        if isinstance(geom, GeometryCollection):
            flat.extend(_flat(geom.geoms))
        elif geom is not None:
            flat.append(geom)
    return flat


def cad_areas(geometries: Sequence[BaseGeometry | None]) -> list[BaseGeometry]:
    """Return a drawing's areas: its polygons, then its closed polylines as one even-odd area.

    Open lines, points and text (dimensions, labels, grid ticks) are left out; the members of
    blocks count as the drawing's own.
    """
    geometries = _flat(geometries)
    areas: list[BaseGeometry] = [
        geom
        for geom in geometries
        if isinstance(geom, Polygon | MultiPolygon) and not geom.is_empty
    ]
    rings = closed_rings(geometries)
    if rings:
        areas.append(area_of_rings(rings))
    return areas
