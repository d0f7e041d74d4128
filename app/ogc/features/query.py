"""Query parameters parsed, checked against the collection and compiled to SQL conditions.

Items, downloads and tiles share these parsers. Every failure is an ``InvalidParameter`` that
names the parameter (400 problem+json), and OGC routes reject parameters they do not know.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.errors import InvalidParameter
from app.ogc import cql2
from app.ogc.catalog import Collection, Property, PropertyType
from app.ogc.cql2 import temporal as cql2_temporal
from app.ogc.features import cursor as keyset
from app.ogc.features.cursor import SortKey
from app.ogc.protocol import caching
from app.ogc.protocol.crs import CRS84, OgcCrs, parse_ogc_crs
from spatial.crs import WGS84

# Parameters every items-like endpoint understands (queryable names come on top).
FILTER_PARAMETERS = frozenset(
    {
        "bbox",
        "bbox-crs",
        "datetime",
        "filter",
        "filter-lang",
        "filter-crs",
        "properties",
        "sortby",
        "crs",
    }
)
ITEMS_PARAMETERS = FILTER_PARAMETERS | {"limit", "offset", "cursor", "f", "as_of"}


@dataclass(frozen=True)
class RawQuery:
    """The filter parameters as sent, before any parsing."""

    bbox: str | None = None
    bbox_crs: str | None = None
    datetime: str | None = None
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: str | None = None
    properties: str | None = None
    sortby: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class FeatureQuery:
    """A parsed query on one collection: SQL conditions, order, selected properties, CRS."""

    collection: Collection
    conditions: tuple[Any, ...]
    sort_keys: tuple[SortKey, ...]
    properties: tuple[Property, ...]
    crs: OgcCrs
    limit: int | None = None
    offset: int = 0
    sortby: str | None = None
    after: Any = None
    """The keyset condition of a ``cursor`` (features after the previous page), or None."""
    position: int = 0
    """How many features come before this page (its ``offset``, or its cursor's count)."""
    shape: tuple[Any, ...] | None = None
    """What fixes the SQL text apart from the named binds below, or None when the conditions
    carry values of their own (``filter``, ``datetime``, queryables): see ``sql.driver_sql``."""
    binds: Mapping[str, Any] = field(default_factory=dict)
    """Values of the named binds of the conditions (the bbox corners)."""
    as_of: datetime | None = None
    """The recorded time to read the registry at (``as_of``), or None for now."""

    @property
    def order_by(self) -> tuple[Any, ...]:
        """Return the ORDER BY clauses of the sort keys."""
        return tuple(key.clause() for key in self.sort_keys)

    @property
    def personal(self) -> bool:
        """Return whether the selected properties include personal ones (signed-in readers)."""
        return any(prop.personal for prop in self.properties)

    def reader_headers(self) -> dict[str, str]:
        """Return Vary and Cache-Control for who may see this query's representation."""
        return caching.reader_headers(personal=self.personal, varies=self.collection.has_personal)


def check_known(
    names: Iterable[str], allowed: Iterable[str], collection: Collection | None = None
) -> None:
    """Reject query parameters that are neither ``allowed`` nor queryables of ``collection``.

    Raises:
        InvalidParameter: naming the first unknown parameter.
    """
    known = set(allowed) | set(collection.by_name if collection else ())
    for name in names:
        if name not in known:
            if collection is not None and name in collection.withheld:
                raise InvalidParameter(name, collection.unknown(name))
            choices = ", ".join(sorted(known)) or "none"
            raise InvalidParameter(name, f"unknown parameter; allowed: {choices}")


def _numbers(text: str, parameter: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidParameter(parameter, "expected numbers separated by commas") from None
    if not all(math.isfinite(value) for value in values):
        raise InvalidParameter(parameter, "numbers must be finite")
    return values


def parse_bbox(text: str, bbox_crs: OgcCrs = CRS84) -> tuple[float, float, float, float]:
    """Return a 4- or 6-number ``bbox`` as (min x, min y, max x, max y) in ``bbox_crs``'s x/y.

    The one bbox rule of the API: lat/lon CRSs (EPSG:4326) are swapped to x/y = lon/lat, the
    lower corner comes first, and lon/lat boxes stay inside [-180, 180] × [-90, 90].

    Raises:
        InvalidParameter: for a malformed box (names ``bbox``).
    """
    values = _numbers(text, "bbox")
    if len(values) not in (4, 6):
        raise InvalidParameter("bbox", f"expected 4 or 6 numbers, got {len(values)}")
    half = len(values) // 2
    x1, y1, x2, y2 = values[0], values[1], values[half], values[half + 1]
    if bbox_crs.lat_lon:
        x1, y1, x2, y2 = y1, x1, y2, x2
    if x1 > x2 or y1 > y2:
        raise InvalidParameter("bbox", "the lower corner must come first (min ≤ max on both axes)")
    if bbox_crs.srid == WGS84 and not (x1 >= -180 and x2 <= 180 and y1 >= -90 and y2 <= 90):
        raise InvalidParameter("bbox", "longitudes must lie in [-180, 180], latitudes in [-90, 90]")
    return x1, y1, x2, y2


BBOX_BINDS = ("bbox_min_x", "bbox_min_y", "bbox_max_x", "bbox_max_y")


def bbox_binds(text: str, bbox_crs: OgcCrs) -> dict[str, float]:
    """Return the corners of ``bbox`` by the names of their binds in ``bbox_condition``."""
    return dict(zip(BBOX_BINDS, parse_bbox(text, bbox_crs), strict=True))


def bbox_condition(text: str, bbox_crs: OgcCrs, collection: Collection) -> Any:
    """Return ``ST_Intersects(geometry, box)`` for a ``bbox`` in ``bbox_crs`` (see parse_bbox).

    Raises:
        InvalidParameter: for a malformed box (names ``bbox``).
    """
    corners = (
        sa.bindparam(name, value, sa.Float) for name, value in bbox_binds(text, bbox_crs).items()
    )
    envelope = sa.func.ST_MakeEnvelope(*corners, bbox_crs.srid)
    if bbox_crs.srid != WGS84:
        envelope = sa.func.ST_Transform(envelope, WGS84)
    return sa.func.ST_Intersects(collection.geometry, envelope)


def _instant_or_open(text: str) -> str | date | datetime:
    if text in ("", ".."):
        return ".."
    try:
        return cql2_temporal.parse_instant(text)
    except InvalidParameter:
        raise InvalidParameter("datetime", f"'{text}' is not an RFC 3339 date or time") from None


def datetime_condition(text: str, collection: Collection) -> Any:
    """Return the condition of ``datetime`` (instant or ``start/end`` with ``..`` open ends).

    Raises:
        InvalidParameter: for a malformed value or a collection without time (names ``datetime``).
    """
    if collection.temporal is None:
        raise InvalidParameter("datetime", f"collection '{collection.id}' has no temporal property")
    parts = [_instant_or_open(part) for part in text.split("/")]
    if len(parts) > 2 or parts == [".."] or parts == ["..", ".."]:
        raise InvalidParameter("datetime", "expected an instant or an interval start/end")
    ends = [part if isinstance(part, str) else part.isoformat() for part in parts]
    interval = {"interval": ends if len(ends) == 2 else ends * 2}
    node = {"op": "t_intersects", "args": [{"property": collection.temporal}, interval]}
    return cql2.compile_filter(node, collection, CRS84)


def select_properties(text: str | None, collection: Collection) -> tuple[Property, ...]:
    """Return the properties named in ``properties`` (all when absent).

    Raises:
        InvalidParameter: for an unknown property name.
    """
    if text is None:
        return collection.properties
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if collection.property(name) is None]
    if unknown:
        reasons = "; ".join(collection.unknown(name) for name in unknown)
        raise InvalidParameter("properties", f"{reasons}; known: {', '.join(collection.by_name)}")
    return tuple(prop for prop in collection.properties if prop.name in names)


_VALUE_TYPES: dict[PropertyType, Any] = {
    PropertyType.STRING: sa.Text(),
    PropertyType.NUMBER: sa.Float(),
    PropertyType.INTEGER: sa.BigInteger(),
    PropertyType.BOOLEAN: sa.Boolean(),
    PropertyType.DATE: sa.Date(),
    PropertyType.DATETIME: sa.DateTime(timezone=True),
}


def sort_keys(
    text: str | None, collection: Collection, *, paged: bool = True
) -> tuple[SortKey, ...]:
    """Return the sort keys of ``sortby`` (``name``, ``+name``, ``-name``).

    Pages end with the id so that paging is stable; a whole download without ``sortby`` has no
    order at all (a sort of a large layer would spill to disk before the first byte is sent).

    Raises:
        InvalidParameter: for an unknown or unsortable property.
    """
    keys: list[SortKey] = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name = item.lstrip("+-").strip()
        prop = collection.property(name)
        if prop is None:
            raise InvalidParameter("sortby", f"cannot sort by {collection.unknown(name)}")
        if prop.type is PropertyType.ARRAY:
            raise InvalidParameter("sortby", f"cannot sort by '{name}'")
        keys.append(SortKey(name, prop.expr, item.startswith("-"), _VALUE_TYPES[prop.type]))
    if paged:
        keys.append(SortKey("id", collection.id_expr, False, sa.Text(), nullable=False))
    return tuple(keys)


def _typed_value(prop: Property, text: str) -> Any:
    try:
        if prop.type is PropertyType.INTEGER:
            value = int(text)  # "0.5" is not an integer: 400, as the OpenAPI document says
            if not -(2**63) <= value < 2**63:  # PostgreSQL's bigint would refuse it
                raise ValueError(text)
            return value
        if prop.type is PropertyType.NUMBER:
            return float(text)
        if prop.type is PropertyType.BOOLEAN:
            return {"true": True, "false": False}[text.lower()]
        if prop.type in (PropertyType.DATE, PropertyType.DATETIME):
            return cql2_temporal.parse_instant(text)
    except (ValueError, KeyError, InvalidParameter):
        raise InvalidParameter(prop.name, f"'{text}' is not a {prop.type.value}") from None
    if prop.enum is not None and text not in prop.enum:
        # Checked here, not by the database: the column's Enum type refuses the bind while the
        # statement is built, which for a download is after its 200 has gone out.
        raise InvalidParameter(prop.name, f"'{text}' is not one of {', '.join(prop.enum)}")
    return text


def equality_conditions(params: Mapping[str, str], collection: Collection) -> list[Any]:
    """Return ``property = value`` for each queryable sent as a query parameter.

    Raises:
        InvalidParameter: when a value does not fit the property's type, or for arrays.
    """
    conditions = []
    for name, text in params.items():
        prop = collection.property(name)
        if prop is None:
            continue
        if prop.type is PropertyType.ARRAY:
            conditions.append(sa.literal(text, sa.Text) == sa.any_(prop.expr))
            continue
        value = _typed_value(prop, text)
        if prop.type is PropertyType.INTEGER:
            # As bigint: an integer column's own type would overflow on a large value (a 500).
            value = sa.literal(value, sa.BigInteger)
        conditions.append(prop.expr == value)
    return conditions


def filter_conditions(raw: RawQuery, collection: Collection) -> list[Any]:
    """Return the conditions of ``bbox``, ``datetime`` and ``filter`` (in that order)."""
    conditions: list[Any] = list(collection.where)
    if raw.bbox is not None:
        bbox_crs = parse_ogc_crs(raw.bbox_crs, "bbox-crs")
        conditions.append(bbox_condition(raw.bbox, bbox_crs, collection))
    if raw.datetime is not None:
        conditions.append(datetime_condition(raw.datetime, collection))
    # Checked with or without a filter: the OpenAPI document declares its values.
    if raw.filter_lang not in (None, *cql2.FILTER_LANGS, "cql-text"):
        raise InvalidParameter("filter-lang", "use cql2-text or cql2-json")
    if raw.filter is not None:
        node = cql2.parse_filter(raw.filter, raw.filter_lang)
        filter_crs = parse_ogc_crs(raw.filter_crs, "filter-crs")
        conditions.append(cql2.compile_filter(node, collection, filter_crs))
    return conditions


def build_query(
    collection: Collection,
    raw: RawQuery,
    params: Mapping[str, str],
    *,
    limit: int | None = None,
    offset: int = 0,
    cursor: str | None = None,
    as_of: datetime | None = None,
) -> FeatureQuery:
    """Parse every filter parameter of a request into a :class:`FeatureQuery`."""
    equalities = equality_conditions(params, collection)
    crs = parse_ogc_crs(raw.crs, "crs")
    properties = select_properties(raw.properties, collection)
    keys = sort_keys(raw.sortby, collection, paged=limit is not None)
    binds: dict[str, Any] = {}
    if raw.bbox:
        binds = {**bbox_binds(raw.bbox, parse_ogc_crs(raw.bbox_crs, "bbox-crs"))}
    shape = _shape(collection, raw, crs, properties, plain=not equalities)
    after, position = None, offset
    if cursor is not None:
        after, position, shape = _after_cursor(cursor, raw.sortby, keys, shape, binds)
    return FeatureQuery(
        collection=collection,
        conditions=tuple(filter_conditions(raw, collection) + equalities),
        sort_keys=keys,
        properties=properties,
        crs=crs,
        limit=limit,
        offset=offset,
        sortby=raw.sortby,
        after=after,
        position=position,
        shape=shape,
        binds=binds,
        as_of=as_of,
    )


def _after_cursor(
    text: str,
    sortby: str | None,
    keys: tuple[SortKey, ...],
    shape: tuple[Any, ...] | None,
    binds: dict[str, Any],
) -> tuple[Any, int, tuple[Any, ...] | None]:
    """Return the keyset condition, position and shape of a ``cursor``; add its values to binds.

    Raises:
        InvalidParameter: naming ``cursor`` when it is not a cursor of this query.
    """
    decoded = keyset.decode(text, sortby, keys)
    binds.update(keyset.after_binds(decoded.values))
    # NULL values change the condition's text (IS NULL), so they are part of its shape.
    if shape is not None:
        shape = (*shape, tuple(value is None for value in decoded.values))
    return keyset.after_condition(keys, decoded.values), decoded.position, shape


def _shape(
    collection: Collection,
    raw: RawQuery,
    crs: OgcCrs,
    properties: tuple[Property, ...],
    *,
    plain: bool,
) -> tuple[Any, ...] | None:
    """Return what fixes a query's SQL text when only bbox, paging and the id vary, else None."""
    if not plain or raw.filter is not None or raw.datetime is not None:
        return None
    bbox_crs = parse_ogc_crs(raw.bbox_crs, "bbox-crs").uri if raw.bbox is not None else None
    names = tuple(prop.name for prop in properties)
    return (collection.id, crs.uri, names, raw.sortby, bbox_crs, None)
