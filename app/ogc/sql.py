"""Item, export and tile queries, composed from catalogue objects by small builder functions.

Identifiers come only from :mod:`app.ogc.catalog`; every value is a bound parameter. Features
leave PostgreSQL as finished GeoJSON text (``ST_AsGeoJSON`` inside one ``concat``), so Python
only frames and streams bytes; tiles leave it as finished Mapbox Vector Tiles (``ST_AsMVT``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from app.ogc.catalog import Collection, Property, PropertyType
from app.ogc.catalog_types import TileGrid
from app.ogc.crs import OgcCrs
from app.ogc.query import FeatureQuery
from spatial.crs import WEB_MERCATOR, WGS84

MVT_EXTENT = 4096
MVT_BUFFER = 64
WEB_MERCATOR_WIDTH_M = 40075016.685578488
FULL_DETAIL_ZOOM = 12


def _text(value: str) -> Any:
    return sa.literal(value, sa.Text)


def geometry_out(geometry: Any, crs: OgcCrs) -> Any:
    """Return ``geometry`` (EPSG:4326 storage) transformed and axis-ordered for ``crs``."""
    if crs.srid != WGS84:
        geometry = sa.func.ST_Transform(geometry, crs.srid)
    if crs.lat_lon:
        geometry = sa.func.ST_FlipCoordinates(geometry)
    return geometry


def geojson_geometry(geometry: Any, crs: OgcCrs) -> Any:
    """Return the GeoJSON text of a geometry (CCW exterior rings in CRS84, RFC 7946)."""
    out = geometry_out(geometry, crs)
    if crs.is_crs84:
        out = sa.func.ST_ForcePolygonCCW(out)
    # Option 0: no "crs" or "bbox" member; Part 2 announces the CRS in Content-Crs instead.
    return sa.func.coalesce(sa.func.ST_AsGeoJSON(out, crs.precision, 0), _text("null"))


def properties_json(properties: tuple[Property, ...]) -> Any:
    """Return ``json_build_object(name, expr, ...)`` for the selected properties."""
    pairs: list[Any] = []
    for prop in properties:
        pairs.extend((_text(prop.name), prop.expr))
    return sa.cast(sa.func.json_build_object(*pairs), sa.Text)


def feature_text(query: FeatureQuery) -> Any:
    """Return the expression of one whole GeoJSON Feature as text."""
    collection = query.collection
    return sa.func.concat(
        _text('{"type":"Feature","id":'),
        sa.cast(sa.func.to_json(collection.id_expr), sa.Text),
        _text(',"geometry":'),
        geojson_geometry(collection.geometry, query.crs),
        _text(',"properties":'),
        properties_json(query.properties),
        _text("}"),
    )


def _filtered(query: FeatureQuery, *columns: Any) -> Any:
    return sa.select(*columns).select_from(query.collection.source).where(*query.conditions)


def items_select(query: FeatureQuery) -> Any:
    """Return the Feature texts of ``query`` in its sort order (one page when it has a limit).

    A page picks its row ids first and encodes only those rows: PostgreSQL would otherwise
    compute the GeoJSON of every row that ``OFFSET`` skips.
    """
    feature = feature_text(query).label("feature")
    if query.limit is None:
        return _filtered(query, feature).order_by(*query.order_by)
    key = query.collection.tile_id_expr
    page = (
        _filtered(query, key.label("page_id"))
        .order_by(*query.order_by)
        .limit(query.limit)
        .offset(query.offset)
        .subquery("page")
    )
    return (
        sa.select(feature)
        .select_from(query.collection.source)
        .join(page, key == page.c.page_id)
        .order_by(*query.order_by)
    )


def count_select(query: FeatureQuery) -> Any:
    """Return the number of features matching ``query`` (``numberMatched``)."""
    return _filtered(query, sa.func.count())


def feature_select(query: FeatureQuery, feature_id: str) -> Any:
    """Return the Feature text of one feature by id (within the collection's subset)."""
    return _filtered(query, feature_text(query)).where(query.collection.id_expr == feature_id)


def _export_column(prop: Property) -> Any:
    # File formats have no arrays: communes become "a; b; c".
    if prop.type is PropertyType.ARRAY:
        return sa.func.array_to_string(prop.expr, _text("; ")).label(prop.name)
    return prop.expr.label(prop.name)


def export_select(query: FeatureQuery) -> Any:
    """Return typed property columns plus the WKB geometry in the requested CRS."""
    geometry = geometry_out(query.collection.geometry, query.crs)
    columns = [_export_column(prop) for prop in query.properties]
    wkb = sa.func.ST_AsBinary(geometry).label("geometry_wkb")
    return _filtered(query, *columns, wkb).order_by(*query.order_by)


def extent_select(collection: Collection) -> Any:
    """Return the lon/lat bounding box of a collection (``extent.spatial``)."""
    box = sa.func.ST_Extent(collection.geometry)
    return (
        sa.select(
            sa.func.ST_XMin(box), sa.func.ST_YMin(box), sa.func.ST_XMax(box), sa.func.ST_YMax(box)
        )
        .select_from(collection.source)
        .where(*collection.where)
    )


def temporal_extent_select(collection: Collection) -> Any:
    """Return the first and last value of the collection's temporal property."""
    prop = collection.by_name[collection.temporal or ""]
    return (
        sa.select(sa.func.min(prop.expr), sa.func.max(prop.expr))
        .select_from(collection.source)
        .where(*collection.where)
    )


def _tile_size_deg(z: int) -> float:
    return 360.0 / (1 << z)


def _tile_geometry(collection: Collection, z: int, envelope: Any) -> Any:
    """Simplify in degrees first (fewer points to transform), then clip to tile coordinates."""
    geometry = collection.geometry
    if z < FULL_DETAIL_ZOOM:
        tolerance_deg = _tile_size_deg(z) / MVT_EXTENT
        geometry = sa.func.ST_Simplify(geometry, tolerance_deg, True)
    return sa.func.ST_AsMVTGeom(
        sa.func.ST_Transform(geometry, WEB_MERCATOR), envelope, MVT_EXTENT, MVT_BUFFER, True
    )


def _tile_conditions(
    collection: Collection, z: int, envelope: Any, envelope_z: int | None = None
) -> list[Any]:
    """Return the tile's bbox test (with the MVT buffer) and, below full detail, a size test.

    ``envelope_z`` is the zoom of ``envelope`` when it differs from the detail level ``z``.
    """
    margin_m = WEB_MERCATOR_WIDTH_M / (1 << (envelope_z or z)) * MVT_BUFFER / MVT_EXTENT
    buffered = sa.func.ST_Transform(sa.func.ST_Expand(envelope, margin_m), WGS84)
    conditions = [*collection.where, collection.geometry.op("&&")(buffered)]
    if z < FULL_DETAIL_ZOOM and "Point" not in collection.geometry_type:
        # Below full detail, a feature smaller than one pixel (256 px tiles) would not show.
        pixel_deg = _tile_size_deg(z) / 256
        geometry = collection.geometry
        conditions.append(
            sa.or_(
                sa.func.ST_XMax(geometry) - sa.func.ST_XMin(geometry) >= pixel_deg,
                sa.func.ST_YMax(geometry) - sa.func.ST_YMin(geometry) >= pixel_deg,
            )
        )
    return conditions


def _mvt(rows: Any, collection: Collection) -> Any:
    layer = _text(collection.id)
    return sa.select(
        sa.func.ST_AsMVT(rows.table_valued(), layer, MVT_EXTENT, _text("geom"), _text("id"))
    ).select_from(rows)


def tile_select(collection: Collection, z: int, x: int, y: int) -> Any:
    """Return the Mapbox Vector Tile (bytea) of one WebMercatorQuad tile of ``collection``."""
    grid = collection.tile_grid
    if grid is not None and z <= grid.max_zoom:
        return grid_tile_select(collection, grid, z, x, y)
    envelope = sa.func.ST_TileEnvelope(z, x, y)
    names = collection.tile_properties
    if z >= FULL_DETAIL_ZOOM:
        names += collection.tile_detail_properties
    columns = [collection.tile_id_expr.label("id")]
    columns += [collection.by_name[name].expr.label(name) for name in names]
    rows = (
        sa.select(*columns, _tile_geometry(collection, z, envelope).label("geom"))
        .select_from(collection.source)
        .where(*_tile_conditions(collection, z, envelope))
        .order_by(collection.tile_id_expr)  # same bytes every time: stable ETags
        .subquery("mvt")
    )
    return _mvt(rows, collection)


def grid_tile_select(collection: Collection, grid: TileGrid, z: int, x: int, y: int) -> Any:
    """Return a generalised tile: square cells with the dominant value of ``grid.by``.

    Each feature is counted in the cell of its south-west bbox corner (no geometry is
    transformed or clipped per feature, which keeps a z8 tile of 60 000 parcels fast).
    """
    envelope = sa.func.ST_TileEnvelope(z, x, y)
    cell_deg = _tile_size_deg(z) / 256 * grid.cell_px
    geometry, value = collection.geometry, collection.by_name[grid.by].expr
    i, j = (
        sa.func.floor(sa.func.ST_XMin(geometry) / cell_deg),
        sa.func.floor(sa.func.ST_YMin(geometry) / cell_deg),
    )
    cells = (
        sa.select(i.label("i"), j.label("j"), value.label("value"), sa.func.count().label("n"))
        .select_from(collection.source)
        .where(*_tile_conditions(collection, FULL_DETAIL_ZOOM, envelope, z))
        .group_by(i, j, value)
        .subquery("cells")
    )
    dominant = (
        sa.select(cells)
        .ext(distinct_on(cells.c.i, cells.c.j))
        .order_by(cells.c.i, cells.c.j, cells.c.n.desc(), cells.c.value)
        .subquery("dominant")
    )
    square = sa.func.ST_MakeEnvelope(
        dominant.c.i * cell_deg, dominant.c.j * cell_deg,
        (dominant.c.i + 1) * cell_deg, (dominant.c.j + 1) * cell_deg, WGS84,
    )  # fmt: skip
    geom = sa.func.ST_AsMVTGeom(
        sa.func.ST_Transform(square, WEB_MERCATOR), envelope, MVT_EXTENT, MVT_BUFFER, True
    )
    rows = sa.select(
        sa.func.row_number().over(order_by=(dominant.c.i, dominant.c.j)).label("id"),
        dominant.c.value.label(grid.by),
        dominant.c.n.label("features"),
        geom.label("geom"),
    ).subquery("mvt")
    return _mvt(rows, collection)
