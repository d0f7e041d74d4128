"""Item and export queries, composed from catalogue objects by small builder functions.

Identifiers come only from :mod:`app.ogc.catalog`; every value is a bound parameter. Features
leave PostgreSQL as finished GeoJSON text (``ST_AsGeoJSON`` inside one ``concat``), so Python
only frames and streams bytes. Tile queries are in :mod:`app.ogc.tiles.sql`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.sql import util as sql_util

from app.db.stream import driver_statement
from app.ogc.catalog import Collection, Property, PropertyType
from app.ogc.features.query import FeatureQuery
from app.ogc.protocol.crs import OgcCrs
from app.repositories.as_of import AS_OF_BIND, AsOf, adapt_all, as_of_bind
from spatial.crs import WGS84

_DIALECT: Final = psycopg_dialect()  # type: ignore[no-untyped-call]  # (untyped in SQLAlchemy)
# Driver SQL and its constant values by part and query shape (see driver_sql): a few per
# collection, CRS and property set; bounded against odd clients.
_COMPILED: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
MAX_COMPILED: Final = 512
PAGE_LIMIT: Final = "page_limit"
PAGE_OFFSET: Final = "page_offset"
FEATURE_ID: Final = "feature_id"
COUNT_LIMIT: Final = "count_limit"
COUNT_CAP: Final = 10_000
"""Largest ``numberMatched`` given; past it the count is left out (it would read the layer)."""


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


def _adapter(query: FeatureQuery) -> AsOf | None:
    """Return the adapter to the registry at ``query.as_of`` (None: read the live tables)."""
    return None if query.as_of is None else AsOf(as_of_bind(query.as_of))


def _filtered(query: FeatureQuery, adapter: AsOf | None, *columns: Any) -> Any:
    source, *conditions = adapt_all(adapter, (query.collection.source, *query.conditions))
    return sa.select(*columns).select_from(source).where(*conditions)


def items_select(query: FeatureQuery) -> Any:
    """Return the Feature texts of ``query`` in its sort order (one page when it has a limit).

    A page picks its row ids first and encodes only those rows: PostgreSQL would otherwise
    compute the GeoJSON of every row that ``OFFSET`` skips. It asks for one row more than the
    limit (is there a next page?) and gives each row's sort key values as a JSON array, from
    which the ``next`` cursor is made (``cursor.encode``); after a cursor it starts with the
    keyset condition. With ``as_of``, every table reads from its ``<table>_as_of`` function
    (``app.repositories.as_of``).
    """
    adapter = _adapter(query)
    feature, key, source = adapt_all(
        adapter, (feature_text(query), query.collection.tile_id_expr, query.collection.source)
    )
    order = adapt_all(adapter, query.order_by)
    if query.limit is None:
        return _filtered(query, adapter, feature.label("feature")).order_by(*order)
    page = _filtered(query, adapter, key.label("page_id"))
    if query.after is not None:
        page = page.where(*adapt_all(adapter, (query.after,)))
    page = (
        page.order_by(*order)
        .limit(sa.bindparam(PAGE_LIMIT, query.limit + 1, sa.Integer))
        .offset(sa.bindparam(PAGE_OFFSET, query.offset, sa.Integer))
        .subquery("page")
    )
    keys = sa.func.json_build_array(*adapt_all(adapter, tuple(k.expr for k in query.sort_keys)))
    return (
        sa.select(feature.label("feature"), sa.cast(keys, sa.Text).label("sort_keys"))
        .select_from(source)
        .join(page, key == page.c.page_id)
        .order_by(*order)
    )


def _outer_joined_to(source: Any, base: Any) -> bool:
    """Tell whether ``source`` is ``base`` with only LEFT OUTER JOINs added to it."""
    while isinstance(source, sa.Join):
        if not source.isouter:
            return False
        source = source.left
    return source is base


def count_select(query: FeatureQuery) -> Any:
    """Return the number of features matching ``query``, counted up to ``COUNT_CAP`` + 1.

    ``numberMatched`` is optional in OGC API – Features; an exact count of a large layer reads
    all of it on every page. A count past the cap tells the caller to leave it out.

    As of a time, a count that filters only the collection's own table counts that table
    alone: each outer-joined table holds at most one row per feature, as on the live tables,
    where PostgreSQL drops such joins by itself; through the ``_as_of`` functions it cannot
    see that uniqueness, and would read every details table (bench/README.md, issue 15).
    """
    rows = _matching_rows(query).limit(sa.bindparam(COUNT_LIMIT, COUNT_CAP + 1, sa.Integer))
    return sa.select(sa.func.count()).select_from(rows.subquery("matching"))


def _matching_rows(query: FeatureQuery) -> Any:
    adapter = _adapter(query)
    one: Any = sa.literal_column("1")
    base = query.collection.tile_id_expr.table
    used = {table for c in query.conditions for table in sql_util.find_tables(c)}
    if adapter is None or not used <= {base}:
        return _filtered(query, adapter, one)
    if not _outer_joined_to(query.collection.source, base):
        return _filtered(query, adapter, one)
    source, *conditions = adapt_all(adapter, (base, *query.conditions))
    return sa.select(one).select_from(source).where(*conditions)


def feature_select(query: FeatureQuery, feature_id: Any) -> Any:
    """Return the Feature text and registry version of one feature by id (within its subset)."""
    adapter = _adapter(query)
    version = query.collection.version_expr
    version = sa.null() if version is None else version
    feature, id_expr, version = adapt_all(
        adapter, (feature_text(query), query.collection.id_expr, version)
    )
    return _filtered(query, adapter, feature, version).where(id_expr == feature_id)


def feature_driver_sql(query: FeatureQuery, feature_id: str) -> Any:
    """Return psycopg SQL and values of one feature by id (see ``driver_sql``)."""
    return driver_sql(query, "feature", {FEATURE_ID: feature_id})


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
    return _filtered(query, None, *columns, wkb).order_by(*query.order_by)


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


def driver_sql(query: FeatureQuery, part: str, extra: Mapping[str, Any] | None = None) -> Any:
    """Return psycopg SQL (``%(name)s`` binds) and values of ``part`` of ``query``.

    ``part`` names the builder: ``items``, ``count`` or ``feature``. A query whose SQL text is
    fixed by its ``shape`` (no CQL2, ``datetime`` or queryable filter: the small reads that
    portals send most) is built and compiled once per shape, and each request only places its
    named values (page, bbox corners, feature id) into it; building and compiling took more
    Python time than PostgreSQL needs to find one site (bench/README.md, issue 14). Any other
    query is compiled for the request. Public SQLAlchemy API only (``app.db.stream``).
    """
    values = {**_page_values(query), **query.binds, **(extra or {})}
    if query.as_of is not None:
        values[AS_OF_BIND] = query.as_of
    if query.shape is None:
        sql_text, params = driver_statement(_BUILDERS[part](query), _DIALECT)
        return sql_text, params
    key = (part, query.limit is None, query.as_of is not None, query.shape)
    cached = _COMPILED.get(key)
    if cached is None:
        if len(_COMPILED) >= MAX_COMPILED:
            _COMPILED.clear()
        cached = driver_statement(_BUILDERS[part](query), _DIALECT)
        _COMPILED[key] = cached
    sql_text, constants = cached
    return sql_text, {**constants, **values}


def _page_values(query: FeatureQuery) -> dict[str, int]:
    # Placed per request, so a cached statement follows COUNT_CAP.
    if query.limit is None:
        return {}
    return {PAGE_LIMIT: query.limit + 1, PAGE_OFFSET: query.offset, COUNT_LIMIT: COUNT_CAP + 1}


_BUILDERS: Final[dict[str, Callable[[FeatureQuery], Any]]] = {
    "items": lambda query: items_select(query),
    "count": lambda query: count_select(query),
    "feature": lambda query: feature_select(query, sa.bindparam(FEATURE_ID, "", sa.Text)),
}
