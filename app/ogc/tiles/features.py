"""The tile statement of the features themselves: simplified, projected, clipped, encoded.

Why hand-written rather than tipg's generic tile query: measured faster on the 200 000-parcel
synthetic forest (``bench/interop.py``; round 2 in ``bench/README.md``, method in
``docs/interoperability.md``). The gain comes from what a generic query cannot know:
statements prepared once, an affine projection where it is exact enough, and no clipping of
features inside the tile.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.ogc.catalog import Collection
from app.ogc.tiles.mercator import (
    M_PER_DEG_X,
    MVT_BUFFER,
    MVT_EXTENT,
    X,
    Y,
    Z,
    bound,
    buffered_tile,
    mvt,
)
from spatial.crs import WEB_MERCATOR, WGS84


def tile_geometry(collection: Collection, *, detail: bool, affine: bool) -> Any:
    """Simplify in degrees first (fewer points to project), then clip to tile coordinates."""
    geometry = collection.geometry
    if not detail:
        geometry = sa.func.ST_Simplify(geometry, bound("tolerance_deg"), True)
    if affine:
        geometry = sa.func.ST_Affine(
            geometry, M_PER_DEG_X, 0.0, 0.0, bound("m_per_deg_y"), 0.0, bound("y_offset_m")
        )
    else:
        geometry = sa.func.ST_Transform(geometry, WEB_MERCATOR)
    envelope = sa.func.ST_TileEnvelope(Z, X, Y)
    # A feature whose bbox lies inside the tile and its buffer needs no clipping: same bytes,
    # ~20 % less time for a z12 forest tile of 400 parcels (bench/README.md). The box stops
    # MAX_AFFINE_ERROR_UNITS short of the buffer's edge, so the affine map cannot carry a vertex
    # past it. The box in lon/lat is an InitPlan, computed once per tile even under a generic
    # prepared plan.
    unclipped_box = sa.func.ST_Expand(envelope, bound("unclipped_margin_m"))
    inside = collection.geometry.op("@")(
        sa.select(sa.func.ST_Transform(unclipped_box, WGS84)).scalar_subquery()
    )
    unclipped: Any = sa.func.ST_AsMVTGeom(geometry, envelope, MVT_EXTENT, MVT_BUFFER, False)
    if detail and affine and collection.tile_clearance is not None:
        unclipped = sa.case(
            (collection.tile_clearance >= bound("snap_clearance_deg"), snapped(collection)),
            else_=unclipped,
        )
    return sa.case(
        (inside, unclipped),
        else_=sa.func.ST_AsMVTGeom(geometry, envelope, MVT_EXTENT, MVT_BUFFER, True),
    )


def snapped(collection: Collection) -> Any:
    """Return a polygon in tile units as ``ST_AsMVTGeom`` would, without its re-validation.

    Only for features inside the tile whose clearance survives the snap
    (``mercator.tile_units``): the affine to tile units, rounding to the integer grid, and the
    ring orientation that ``ST_AsMVTGeom`` gives (exterior counter-clockwise in PostGIS's sense,
    which is clockwise on the y-down tile). The same polygon up to the rings' start vertex and
    collinear vertices, about a fifth of the time (bench/README.md).
    """
    in_units = sa.func.ST_Affine(
        collection.geometry,
        bound("unit_x"),
        0.0,
        0.0,
        bound("unit_y"),
        bound("unit_x_offset"),
        bound("unit_y_offset"),
    )
    return sa.func.ST_ForcePolygonCCW(sa.func.ST_SnapToGrid(in_units, 1.0))


def _tile_conditions(collection: Collection, *, detail: bool) -> list[Any]:
    """Return the tile's bbox test (with the MVT buffer) and, below full detail, a size test."""
    conditions = [*collection.where, collection.geometry.op("&&")(buffered_tile())]
    if not detail and "Point" not in collection.geometry_type:
        # Below full detail, a feature smaller than one pixel (256 px tiles) would not show.
        pixel_deg, geometry = bound("pixel_deg"), collection.geometry
        conditions.append(
            sa.or_(
                sa.func.ST_XMax(geometry) - sa.func.ST_XMin(geometry) >= pixel_deg,
                sa.func.ST_YMax(geometry) - sa.func.ST_YMin(geometry) >= pixel_deg,
            )
        )
    return conditions


def feature_tile_statement(collection: Collection, *, detail: bool, affine: bool) -> Any:
    """Return the tile statement that encodes the features themselves (binds: see tile_plan)."""
    names = collection.tile_properties
    if detail:
        names += collection.tile_detail_properties
    columns = [collection.tile_id_expr.label("id")]
    columns += [collection.by_name[name].expr.label(name) for name in names]
    geometry = tile_geometry(collection, detail=detail, affine=affine)
    rows = (
        sa.select(*columns, geometry.label("geom"))
        .select_from(collection.source)
        .where(*_tile_conditions(collection, detail=detail))
        .order_by(collection.tile_id_expr)  # same bytes every time: stable ETags
        .subquery("mvt")
    )
    return mvt(rows, collection)
