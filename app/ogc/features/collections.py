"""OGC API – Features: the collections, one collection's metadata and its queryables."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.deps import SessionDep
from app.ogc.catalog import CATALOG, Collection, Property, PropertyType
from app.ogc.features import fetch
from app.ogc.features.params import CollectionDep, ReadableCollectionDep
from app.ogc.features.query import check_known
from app.ogc.protocol import caching, html, links
from app.ogc.protocol.crs import CRS84_URI, crs_uris
from app.schemas.problem import problem_responses

router = APIRouter(prefix="/ogc/collections", tags=["OGC API – Features"])
F_QUERY = Query(description="json or html.")
GPKG = "application/geopackage+sqlite3"
QML = "application/xml"  # QGIS style; XML with no registered type of its own
SLD = "application/vnd.ogc.sld+xml"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


def _extent(session: Session, collection: Collection) -> dict[str, Any]:
    extent = fetch.fetch_extent(session, collection)
    out: dict[str, Any] = {}
    if extent.bbox is not None:
        out["spatial"] = {"bbox": [list(extent.bbox)], "crs": CRS84_URI}
    if extent.interval is not None:
        first, last = (value.isoformat() if value else None for value in extent.interval)
        out["temporal"] = {"interval": [[first, last]], "trs": GREGORIAN}
    return out


def _collection_links(request: Request, collection: Collection) -> list[dict[str, Any]]:
    # "describedBy": link relations compare case-insensitively (RFC 8288 §2.1.1), and GDAL's
    # OAPIF driver (3.6) matches this spelling only; it then types fields from the schema.
    base = f"/ogc/collections/{collection.id}"
    table = [
        (base, {}, "self", links.JSON, "This collection"),
        (base, {"f": "html"}, "alternate", links.HTML, "This collection as HTML"),
        (base + "/items", {}, "items", links.GEOJSON, "Features"),
        (base + "/items", {"f": "html"}, "items", links.HTML, "Features as HTML"),
        (base + "/schema", {}, "describedBy", links.SCHEMA_JSON, "Schema of the features"),
        (base + "/queryables", {}, links.REL_QUERYABLES, links.SCHEMA_JSON, "Queryables"),
        (base + "/tiles", {}, links.REL_TILESETS, links.JSON, "Vector tiles"),
        (f"/api/v1/export/{collection.id}.gpkg", {}, "enclosure", GPKG, "GeoPackage download"),
        (f"/api/v1/export/{collection.id}.qml", {}, "stylesheet", QML, "QGIS style (QML)"),
        (f"/api/v1/export/{collection.id}.sld", {}, "stylesheet", SLD, "SLD 1.0 style"),
    ]
    return [
        links.link(links.url(request, path, **params), rel, media_type, title)
        for path, params, rel, media_type, title in table
    ]


def collection_document(
    request: Request, session: Session, collection: Collection
) -> dict[str, Any]:
    """Return the metadata of one collection (extent, CRSs, links, licence)."""
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "keywords": list(collection.keywords),
        "attribution": collection.licence,
        "itemType": "feature",
        "crs": crs_uris(),
        "storageCrs": CRS84_URI,
        "extent": _extent(session, collection),
        "links": _collection_links(request, collection),
    }


@router.get(
    "",
    name="ogc_collections",
    summary="The published collections",
    response_class=Response,
    responses=problem_responses(400),
)
def list_collections(
    request: Request, session: SessionDep, f: Annotated[str | None, F_QUERY] = None
) -> Response:
    """Return every collection with its extent, CRSs and links."""
    check_known(request.query_params.keys(), {"f"})
    as_html = links.wants_html(request, f)
    documents = [collection_document(request, session, c) for c in CATALOG.values()]
    if as_html:
        for document in documents:
            document["href"] = document["links"][1]["href"]
        return html.render(request, "collections", collections=documents)
    own_links = links.self_and_alternate(request, links.JSON)
    body = {"links": own_links, "collections": documents, "crs": crs_uris()}
    return JSONResponse(body, headers=links.link_header(own_links))


@router.get(
    "/{collectionId}",
    name="ogc_collection",
    summary="One collection",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_collection(
    request: Request,
    session: SessionDep,
    collection: CollectionDep,
    f: Annotated[str | None, F_QUERY] = None,
) -> Response:
    """Return one collection's metadata."""
    check_known(request.query_params.keys(), {"f"})
    document = collection_document(request, session, collection)
    if links.wants_html(request, f):
        return html.render(request, "collection", collection=document, licence=collection.licence)
    return JSONResponse(document, headers=links.link_header(document["links"]))


def _property_schema(prop: Property) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": prop.title}
    if prop.type in (PropertyType.DATE, PropertyType.DATETIME):
        schema.update(type="string", format=prop.type.value)
    elif prop.type is PropertyType.ARRAY:
        schema.update(type="array", items={"type": "string"})
    else:
        schema["type"] = prop.type.value
    if prop.enum:
        schema["enum"] = list(prop.enum)
    return schema


def queryables_schema(request: Request, collection: Collection) -> dict[str, Any]:
    """Return the JSON Schema of the collection's queryables (Part 3)."""
    geometry = {"title": f"Geometry ({collection.geometry_type})", "format": "geometry-any"}
    properties = {"geometry": geometry}
    properties.update({prop.name: _property_schema(prop) for prop in collection.properties})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": links.url(request, f"/ogc/collections/{collection.id}/queryables"),
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }


def feature_schema(request: Request, collection: Collection) -> dict[str, Any]:
    """Return the JSON Schema of one GeoJSON Feature of the collection (fixes field types)."""
    properties = {prop.name: _property_schema(prop) for prop in collection.properties}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": links.url(request, f"/ogc/collections/{collection.id}/schema"),
        "title": collection.title,
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"title": collection.geometry_type, "format": "geometry-any"},
            "properties": {"type": "object", "properties": properties},
        },
    }


@router.get(
    "/{collectionId}/schema",
    name="ogc_schema",
    summary="Schema of the features",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_schema(request: Request, collection: ReadableCollectionDep) -> Response:
    """Return the JSON Schema of the collection's features (types of every property).

    Personal properties are listed to signed-in callers only, who also read them.
    """
    check_known(request.query_params.keys(), {"f"})
    return JSONResponse(
        feature_schema(request, collection),
        media_type=links.SCHEMA_JSON,
        headers=_reader_headers(collection),
    )


def _reader_headers(collection: Collection) -> dict[str, str]:
    personal = any(prop.personal for prop in collection.properties)
    return caching.reader_headers(personal=personal, varies=collection.has_personal)


@router.get(
    "/{collectionId}/queryables",
    name="ogc_queryables",
    summary="Queryable properties (JSON Schema)",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_queryables(
    request: Request, collection: ReadableCollectionDep, f: Annotated[str | None, F_QUERY] = None
) -> Response:
    """Return the properties a `filter` may use, with their types and allowed values.

    Personal properties (owners of clearance parcels) are queryable by signed-in callers only.
    """
    check_known(request.query_params.keys(), {"f"})
    schema = queryables_schema(request, collection)
    headers = _reader_headers(collection)
    if links.wants_html(request, f):
        page = html.render(request, "queryables", collection=collection, schema=schema)
        page.headers.update(headers)
        return page
    return JSONResponse(schema, media_type=links.SCHEMA_JSON, headers=headers)
