"""OGC API landing page, conformance declaration and OpenAPI 3.0 service description."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.ogc.features.query import check_known
from app.ogc.protocol import html, links
from app.ogc.service import openapi
from app.schemas.problem import problem_responses

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])
F_QUERY = Query(description="json or html.")

OGC = "http://www.opengis.net/spec"
# Each class is claimed because a test in tests/app/ogc/ covers it (see docs/interoperability.md).
CONFORMANCE = (
    f"{OGC}/ogcapi-features-1/1.0/conf/core",
    f"{OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{OGC}/ogcapi-features-1/1.0/conf/html",
    f"{OGC}/ogcapi-features-1/1.0/conf/oas30",
    f"{OGC}/ogcapi-features-2/1.0/conf/crs",
    f"{OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{OGC}/ogcapi-features-4/1.0/conf/create-replace-delete",
    f"{OGC}/ogcapi-features-4/1.0/conf/update",
    f"{OGC}/ogcapi-features-4/1.0/conf/features",
    f"{OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    f"{OGC}/cql2/1.0/conf/cql2-text",
    f"{OGC}/cql2/1.0/conf/cql2-json",
    f"{OGC}/cql2/1.0/conf/basic-cql2",
    f"{OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{OGC}/cql2/1.0/conf/case-insensitive-comparison",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{OGC}/cql2/1.0/conf/spatial-functions",
    f"{OGC}/cql2/1.0/conf/temporal-functions",
    f"{OGC}/cql2/1.0/conf/property-property",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/core",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/tileset",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/tilesets-list",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    f"{OGC}/ogcapi-tiles-1/1.0/conf/mvt",
    f"{OGC}/tms/2.0/conf/json-tilematrixset",
)
# Encoded once: the body never changes (JSONResponse's own encoding, so the bytes are the same).
CONFORMANCE_JSON = JSONResponse({"conformsTo": list(CONFORMANCE)}).body
TITLE = "sitereg — Sổ đăng ký KCN, CCN, mỏ, khu di dời (Lào Cai, Lai Châu)"
DESCRIPTION = (
    "OGC API – Features (Core, CRS, Filtering with CQL2) and OGC API – Tiles (Mapbox Vector "
    "Tiles) over the geospatial registry of industrial zones, industrial clusters, mining sites "
    "and relocation areas, with clearance parcels, infrastructure and reference layers."
)


def _landing_links(request: Request, media_type: str) -> list[dict[str, Any]]:
    return [
        *links.self_and_alternate(request, media_type),
        links.link(
            links.url(request, "/ogc/api"),
            "service-desc",
            links.OPENAPI_30,
            "OpenAPI 3.0 description",
        ),
        links.link(links.url(request, "/docs"), "service-doc", links.HTML, "API documentation"),
        links.link(
            links.url(request, "/ogc/conformance"), "conformance", links.JSON, "Conformance classes"
        ),
        links.link(links.url(request, "/ogc/collections"), "data", links.JSON, "Collections"),
        links.link(
            links.url(request, "/ogc/tileMatrixSets"),
            links.REL_TILING_SCHEMES,
            links.JSON,
            "Tile matrix sets",
        ),
    ]


@router.get("/", include_in_schema=False)  # {root}/ is the landing page too, not a 307 to it
@router.get(
    "",
    name="ogc_landing",
    summary="OGC API landing page",
    response_class=Response,
    responses=problem_responses(400),
)
async def landing(request: Request, f: Annotated[str | None, F_QUERY] = None) -> Response:
    """Return the landing page: links to the API description, conformance and collections."""
    check_known(request.query_params.keys(), {"f"})
    as_html = links.wants_html(request, f)
    own_links = _landing_links(request, links.HTML if as_html else links.JSON)
    body = {"title": TITLE, "description": DESCRIPTION, "links": own_links}
    if as_html:
        return html.render(request, "landing", landing=body)
    return JSONResponse(body, headers=links.link_header(own_links))


@router.get(
    "/conformance",
    name="ogc_conformance",
    summary="Conformance classes",
    response_class=Response,
    responses=problem_responses(400),
)
async def conformance(request: Request, f: Annotated[str | None, F_QUERY] = None) -> Response:
    """Return the conformance classes this server implements (each one covered by a test)."""
    check_known(request.query_params.keys(), {"f"})
    if links.wants_html(request, f):
        return html.render(request, "conformance", conforms_to=CONFORMANCE)
    return Response(CONFORMANCE_JSON, media_type=links.JSON)


@router.get(
    "/api",
    name="ogc_api",
    summary="OpenAPI 3.0 description of the OGC API",
    response_class=Response,
    responses=problem_responses(400),
)
def service_description(request: Request, f: Annotated[str | None, F_QUERY] = None) -> Response:
    """Return the OpenAPI 3.0 document of the `/ogc` paths (HTML: the interactive docs)."""
    check_known(request.query_params.keys(), {"f"})
    if links.wants_html(request, f):
        return Response(status_code=303, headers={"Location": links.url(request, "/docs")})
    document = openapi.ogc_openapi(request.app.openapi(), links.url(request, "/ogc"))
    return JSONResponse(document, media_type=links.OPENAPI_30)
