"""CQL2 geometry literals (WKT, GeoJSON, BBOX) and the S_* functions in PostGIS.

A literal is checked with shapely, reordered when ``filter-crs`` is lat/lon (EPSG:4326), and
bound as WKB; PostGIS transforms it to the storage CRS once, so the GiST index still serves
the predicate.
"""

from __future__ import annotations

from typing import Any

import shapely
import sqlalchemy as sa
from shapely.errors import ShapelyError
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from app.ogc.cql2.types import GEOMETRY, Node, ScalarCompiler, Typed, error
from app.ogc.protocol.crs import OgcCrs
from spatial.crs import WGS84

FUNCTIONS = {
    "s_intersects": sa.func.ST_Intersects,
    "s_equals": sa.func.ST_Equals,
    "s_disjoint": sa.func.ST_Disjoint,
    "s_touches": sa.func.ST_Touches,
    "s_within": sa.func.ST_Within,
    "s_overlaps": sa.func.ST_Overlaps,
    "s_crosses": sa.func.ST_Crosses,
    "s_contains": sa.func.ST_Contains,
}


def _shape(node: dict[str, Any]) -> BaseGeometry:
    if "bbox" in node:
        values = node["bbox"]
        if not isinstance(values, list) or len(values) not in (4, 6):
            raise error("BBOX takes 4 (or 6) numbers")
        if not all(isinstance(value, int | float) for value in values):
            raise error("BBOX takes numbers only")
        half = len(values) // 2
        return box(values[0], values[1], values[half], values[half + 1])
    try:
        return shape(node)
    except (ShapelyError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise error(f"invalid geometry literal: {exc}") from None


def literal(node: dict[str, Any], filter_crs: OgcCrs) -> Typed:
    """Compile a geometry literal in ``filter_crs`` to a bound EPSG:4326 geometry."""
    geometry = _shape(node)
    if geometry.is_empty:
        raise error("the geometry literal is empty")
    if filter_crs.lat_lon:
        geometry = shapely.transform(geometry, lambda coords: coords[:, ::-1])
    expr = sa.func.ST_GeomFromWKB(
        sa.literal(shapely.to_wkb(geometry), sa.LargeBinary), filter_crs.srid
    )
    if filter_crs.srid != WGS84:
        expr = sa.func.ST_Transform(expr, WGS84)
    return Typed(expr, GEOMETRY, geometry.geom_type.upper())


def relate(compiler: ScalarCompiler, op: str, args: list[Node]) -> Any:
    """Compile ``S_xxx(a, b)`` between the geometry property and a literal (or two of either)."""
    function = FUNCTIONS.get(op)
    if function is None:
        raise error(f"unknown spatial function '{op}'")
    compiler.arity(op, args, 2)
    left, right = (compiler.scalar(arg) for arg in args)
    for operand in (left, right):
        if operand.family != GEOMETRY:
            raise error(f"'{op}' needs geometries, not {operand.label}")
    return function(left.expr, right.expr)
