"""FastAPI dependencies of the OGC parameters, declared so the OpenAPI document lists them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.access import Caller
from app.deps import OffsetQuery, ReaderDep, SettingsDep
from app.errors import InvalidParameter
from app.ogc.catalog import Collection, get_collection
from app.ogc.features import query as q
from app.ogc.protocol.crs import CRS84_URI
from app.repositories.as_of import AS_OF_HELP, parse_as_of

CRS_HELP = f"CRS URI (default {CRS84_URI}); EPSG:4326, EPSG:3857 and VN-2000 TM-3 EPSG:9205–9218."


CollectionIdPath = Annotated[str, Path(alias="collectionId", description="Collection id.")]


async def collection_dep(collection_id: CollectionIdPath) -> Collection:
    """Return the public view of the collection named in the path (404 when unknown).

    For routes that serve the same to everyone (tiles): no personal property, whoever asks.
    ``async`` only so that FastAPI calls it on the event loop: a dictionary look-up is not worth
    the hop to a worker thread that a plain ``def`` dependency costs on every OGC request.
    """
    return get_collection(collection_id).public


CollectionDep = Annotated[Collection, Depends(collection_dep)]


async def readable_collection_dep(collection_id: CollectionIdPath, reader: ReaderDep) -> Collection:
    """Return the collection as this caller may read it: personal properties only signed in.

    Items, features, schema and queryables parse everything against what this returns, so a
    personal property is unknown (a 400) in an anonymous caller's filter, sort or selection.
    """
    return readable_collection(collection_id, reader)


def readable_collection(collection_id: str, reader: Caller) -> Collection:
    """Return the collection ``reader`` may read: with personal properties only if signed in.

    Raises:
        NotFound: when no collection has this id.
    """
    return get_collection(collection_id).for_reader(signed_in=reader.authenticated)


ReadableCollectionDep = Annotated[Collection, Depends(readable_collection_dep)]


OptionalText = str | None
BBoxParam = Annotated[
    OptionalText,
    Query(
        description="minx,miny,maxx,maxy (4 or 6 numbers) in bbox-crs.",
        examples=["104.0,22.3,104.2,22.5"],
    ),
]
BBoxCrsParam = Annotated[OptionalText, Query(alias="bbox-crs", description=CRS_HELP)]
DatetimeParam = Annotated[
    OptionalText,
    Query(
        description="Instant or interval (RFC 3339, '..' for open ends).",
        examples=["2020-01-01/.."],
    ),
]
FilterParam = Annotated[
    OptionalText,
    Query(
        description="CQL2 filter in filter-lang.",
        examples=["kind = 'industrial_zone' AND planned_area_ha > 100"],
    ),
]
FilterLangParam = Annotated[
    OptionalText,
    Query(
        alias="filter-lang",
        description="cql2-text (default) or cql2-json; cql-text (GDAL) reads as cql2-text.",
        json_schema_extra={"enum": ["cql2-text", "cql2-json", "cql-text"]},
    ),
]
FilterCrsParam = Annotated[
    OptionalText, Query(alias="filter-crs", description="CRS of the geometries in filter.")
]
CrsParam = Annotated[OptionalText, Query(description=CRS_HELP)]
PropertiesParam = Annotated[OptionalText, Query(description="Comma-separated properties.")]
AsOfParam = Annotated[
    OptionalText, Query(description=AS_OF_HELP, examples=["2026-01-01", "2026-12-07T08:00:00Z"])
]
CursorParam = Annotated[
    OptionalText,
    Query(
        description="Where the page starts: the opaque value of the previous page's next link "
        "(kept with the same filters and sortby)."
    ),
]
SortbyParam = Annotated[
    OptionalText, Query(description="Comma-separated properties; prefix - for descending.")
]


async def raw_query(
    bbox: BBoxParam = None,
    bbox_crs: BBoxCrsParam = None,
    datetime: DatetimeParam = None,
    filter: FilterParam = None,
    filter_lang: FilterLangParam = None,
    filter_crs: FilterCrsParam = None,
    properties: PropertiesParam = None,
    sortby: SortbyParam = None,
    crs: CrsParam = None,
) -> q.RawQuery:
    """Collect the filter parameters as sent (parsed later, against the collection)."""
    return q.RawQuery(
        bbox=bbox,
        bbox_crs=bbox_crs,
        datetime=datetime,
        filter=filter,
        filter_lang=filter_lang,
        filter_crs=filter_crs,
        properties=properties,
        sortby=sortby,
        crs=crs,
    )


RawQueryDep = Annotated[q.RawQuery, Depends(raw_query)]


async def items_query(
    request: Request,
    collection: ReadableCollectionDep,
    raw: RawQueryDep,
    settings: SettingsDep,
    limit: Annotated[
        int | None, Query(ge=1, description="Features per page (larger values are capped).")
    ] = None,
    offset: OffsetQuery = 0,
    cursor: CursorParam = None,
    as_of: AsOfParam = None,
) -> q.FeatureQuery:
    """Parse the items parameters; queryables also filter by equality (``?kind=...``)."""
    q.check_known(request.query_params.keys(), q.ITEMS_PARAMETERS, collection)
    if cursor is not None and "offset" in request.query_params:
        raise InvalidParameter("cursor", "send either cursor or offset, not both")
    size = min(limit or settings.limits.page_size_default, settings.limits.page_size_max)
    at = parse_as_of(as_of)
    return q.build_query(
        collection, raw, request.query_params, limit=size, offset=offset, cursor=cursor, as_of=at
    )


ItemsQueryDep = Annotated[q.FeatureQuery, Depends(items_query)]


async def feature_query(
    request: Request,
    collection: ReadableCollectionDep,
    crs: CrsParam = None,
    properties: PropertiesParam = None,
    as_of: AsOfParam = None,
) -> q.FeatureQuery:
    """Parse the parameters of one feature: output ``crs``, ``properties`` and ``as_of``."""
    q.check_known(request.query_params.keys(), {"crs", "properties", "f", "as_of"})
    raw = q.RawQuery(crs=crs, properties=properties)
    return q.build_query(collection, raw, {}, as_of=parse_as_of(as_of))


FeatureQueryDep = Annotated[q.FeatureQuery, Depends(feature_query)]


def export_query(request: Request, collection: Collection, raw: q.RawQuery) -> q.FeatureQuery:
    """Parse the filter parameters of a download (no paging: the whole result)."""
    q.check_known(request.query_params.keys(), q.FILTER_PARAMETERS, collection)
    return q.build_query(collection, raw, request.query_params)
