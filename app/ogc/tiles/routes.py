"""OGC API – Tiles: WebMercatorQuad Mapbox Vector Tiles of every collection, and TileJSON."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

import morecantile
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.db.admission import CLIENT_CLOSED_REQUEST, ClientGone
from app.deps import SessionDep
from app.ogc.catalog import Collection
from app.ogc.features import fetch
from app.ogc.features.params import CollectionDep
from app.ogc.features.query import check_known
from app.ogc.protocol import caching, links
from app.ogc.tiles.cache import DataVersionClock, TileCache
from app.ogc.tiles.fetch import fetch_tile
from app.repositories import NotFound
from app.schemas.problem import problem_responses

router = APIRouter(prefix="/ogc", tags=["OGC API – Tiles"])
TMS_ID = "WebMercatorQuad"
# The standard definition (OGC 17-083r4, TMS 2.0) as morecantile ships it: zooms 0–24.
WEB_MERCATOR_QUAD = morecantile.tms.get(TMS_ID)
TMS_URI = str(WEB_MERCATOR_QUAD.uri)
EPSG_3857_URI = str(WEB_MERCATOR_QUAD.crs.root)
MAX_ZOOM = WEB_MERCATOR_QUAD.maxzoom
TEMPLATE = "{tileMatrix}/{tileRow}/{tileCol}"
TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {links.MVT: {}}},
    204: {"description": "Empty tile"},
}


@lru_cache(maxsize=1)
def tile_matrix_set() -> dict[str, Any]:
    """Return the WebMercatorQuad definition (OGC TMS 2.0 JSON) from morecantile."""
    return WEB_MERCATOR_QUAD.model_dump(mode="json", exclude_none=True)


@router.get(
    "/tileMatrixSets",
    summary="Tiling schemes",
    response_class=Response,
    responses=problem_responses(400),
)
def list_tile_matrix_sets(request: Request) -> Response:
    """Return the tile matrix sets tiles are served in (WebMercatorQuad)."""
    check_known(request.query_params.keys(), {"f"})
    href = links.url(request, f"/ogc/tileMatrixSets/{TMS_ID}")
    item = {
        "id": TMS_ID,
        "title": WEB_MERCATOR_QUAD.title,
        "uri": TMS_URI,
        "links": [links.link(href, "self", links.JSON, TMS_ID)],
    }
    return JSONResponse({"tileMatrixSets": [item]})


@router.get(
    "/tileMatrixSets/{tileMatrixSetId}",
    summary="One tiling scheme",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_tile_matrix_set(
    request: Request, tms_id: Annotated[str, Path(alias="tileMatrixSetId")]
) -> Response:
    """Return the WebMercatorQuad definition."""
    check_known(request.query_params.keys(), {"f"})
    _check_tms(tms_id)
    return JSONResponse(tile_matrix_set())


def _check_tms(tms_id: str) -> None:
    if tms_id != TMS_ID:
        raise NotFound("tile matrix set", tms_id)


def _tileset(request: Request, collection: Collection) -> dict[str, Any]:
    base = f"/ogc/collections/{collection.id}/tiles/{TMS_ID}"
    tms_href = links.url(request, f"/ogc/tileMatrixSets/{TMS_ID}")
    template = links.url(request, base) + "/" + TEMPLATE
    return {
        "title": f"{collection.title} — vector tiles",
        "dataType": "vector",
        "crs": EPSG_3857_URI,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            links.link(links.url(request, base), "self", links.JSON, "This tileset"),
            links.link(tms_href, links.REL_TILING_SCHEME, links.JSON, TMS_ID),
            {**links.link(template, "item", links.MVT, "Tiles"), "templated": True},
            links.link(
                links.url(request, base + "/tilejson.json"), "describedby", links.JSON, "TileJSON"
            ),
        ],
        "layers": [
            {
                "id": collection.id,
                "dataType": "vector",
                "geometryDimension": 0 if collection.geometry_type == "Point" else 2,
            }
        ],
    }


@router.get(
    "/collections/{collectionId}/tiles",
    summary="Tilesets of a collection",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def list_tilesets(request: Request, collection: CollectionDep) -> Response:
    """Return the vector tilesets of a collection (one: WebMercatorQuad)."""
    check_known(request.query_params.keys(), {"f"})
    tileset = _tileset(request, collection)
    item = {key: tileset[key] for key in ("title", "dataType", "crs", "tileMatrixSetURI")}
    item["links"] = tileset["links"][:2]
    body = {"links": links.self_and_alternate(request, links.JSON)[:1], "tilesets": [item]}
    return JSONResponse(body)


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}",
    summary="One tileset",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_tileset(
    request: Request,
    collection: CollectionDep,
    tms_id: Annotated[str, Path(alias="tileMatrixSetId")],
) -> Response:
    """Return the tileset metadata with its tile URL template."""
    check_known(request.query_params.keys(), {"f"})
    _check_tms(tms_id)
    return JSONResponse(_tileset(request, collection))


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json",
    summary="TileJSON 3.0 of a collection",
    response_class=Response,
    responses=problem_responses(400, 404),
)
def get_tilejson(
    request: Request,
    session: SessionDep,
    collection: CollectionDep,
    tms_id: Annotated[str, Path(alias="tileMatrixSetId")],
) -> Response:
    """Return a TileJSON document for MapLibre, Leaflet and QGIS vector-tile layers."""
    check_known(request.query_params.keys(), set())
    _check_tms(tms_id)
    extent = fetch.fetch_extent(session, collection)
    bounds = list(extent.bbox) if extent.bbox else [-180.0, -85.0511, 180.0, 85.0511]
    base = links.url(request, f"/ogc/collections/{collection.id}/tiles/{TMS_ID}")
    names = collection.tile_properties + collection.tile_detail_properties
    fields = {name: collection.by_name[name].type.value for name in names}
    if collection.tile_grid is not None:
        fields["features"] = "number"  # count per cell of the generalised low-zoom grid
    body = {
        "tilejson": "3.0.0",
        "name": collection.id,
        "description": collection.title,
        "attribution": collection.licence,
        "scheme": "xyz",
        "tiles": [base + "/{z}/{y}/{x}"],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 8],
        "vector_layers": [
            {"id": collection.id, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}
        ],
    }
    return JSONResponse(body)


def _check_tile(z: int, y: int, x: int) -> None:
    if not (0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
        raise NotFound("tile", f"{TMS_ID}/{z}/{y}/{x}")


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    summary="One Mapbox Vector Tile",
    response_class=Response,
    responses={**TILE_RESPONSES, **problem_responses(400, 404)},
)
async def get_tile(
    request: Request,
    collection: CollectionDep,
    tms_id: Annotated[str, Path(alias="tileMatrixSetId")],
    z: Annotated[int, Path(alias="tileMatrix", description="Zoom level.")],
    y: Annotated[int, Path(alias="tileRow", description="Row, from the top.")],
    x: Annotated[int, Path(alias="tileCol", description="Column, from the left.")],
    f: Annotated[str | None, Query(description="mvt")] = None,
) -> Response:
    """Return the tile (layer named after the collection), or 204 when no feature touches it.

    Geometries are simplified to the tile's resolution below zoom 12, where features smaller
    than a pixel are left out. Up to zoom 9 a collection with a generalised grid (forest)
    serves square cells with their dominant category and a feature count instead, and from
    zoom 10 to 12 too where a tile would hold more than 2 500 features (at zoom 12, more than
    1 024: more than its 8-pixel cells).
    """
    check_known(request.query_params.keys(), {"f"})
    _check_tms(tms_id)
    _check_tile(z, y, x)
    links.wants_html(request, f, ("mvt",))
    cache: TileCache = request.app.state.tile_cache
    clock: DataVersionClock = request.app.state.data_version
    key = (collection.id, z, x, y, await clock.current(request.app.state.read_pool))
    tile = cache.get(key)
    if tile is None:
        try:
            # A map that pans away drops the tiles it no longer shows; one whose client left
            # while it waited for a slot is not made at all.
            async with request.app.state.tiles_in_flight.entered(request.is_disconnected):
                tile = await fetch_tile(request.app.state.tile_pool, collection, z, x, y)
        except ClientGone:
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        cache.put(key, tile)
    if not tile:
        return Response(
            status_code=204,
            headers={"Cache-Control": caching.cache_control(caching.TILES_MAX_AGE_S)},
        )
    return caching.cached(request, tile, links.MVT, max_age_s=caching.TILES_MAX_AGE_S)
