"""Sites: the registry as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from app.access import Caller, require_write
from app.deps import CallerDep, PageDep, SessionDep
from app.models.enums import Role, SiteKind, SiteStatus
from app.ogc.features.query import parse_bbox as parse_ogc_bbox
from app.ogc.protocol import caching, links
from app.ogc.protocol.crs import CRS84
from app.repositories import sites as repo
from app.repositories.as_of import AS_OF_HELP, parse_as_of
from app.schemas.problem import problem_responses
from app.schemas.site import Link, SiteFeature, SiteFeatureCollection
from app.services import change_preview, sites
from app.services.write_specs import FeatureIn

EDITING_ROLES = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})


def editing_caller(caller: CallerDep) -> Caller:
    """Return a caller who may edit something (401/403 otherwise), before the body is read."""
    if caller.role not in EDITING_ROLES:
        require_write(caller, layer="sites")
    return caller


EditorDep = Annotated[Caller, Depends(editing_caller)]

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])
GEOJSON = "application/geo+json"


async def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="min_lon,min_lat,max_lon,max_lat in EPSG:4326 degrees.",
            examples=["103.9,22.2,104.2,22.5"],
        ),
    ] = None,
) -> repo.BBox | None:
    """Parse and check the ``bbox`` query parameter with the OGC API's bbox rule (CRS84)."""
    return None if bbox is None else repo.BBox(*parse_ogc_bbox(bbox))


BBoxDep = Annotated[repo.BBox | None, Depends(parse_bbox)]
AsOfQuery = Annotated[str | None, Query(description=AS_OF_HELP, examples=["2026-01-01"])]


def _page_links(request: Request, matched: int, limit: int, offset: int) -> list[Link]:
    return [
        Link(**item) for item in links.listing_links(request, matched, limit, offset, links.GEOJSON)
    ]


@router.get(
    "",
    response_model=SiteFeatureCollection,
    summary="List sites as a GeoJSON FeatureCollection",
    responses={200: {"content": {GEOJSON: {}}}, **problem_responses(400)},
)
def list_sites(
    request: Request,
    session: SessionDep,
    page: PageDep,
    bbox: BBoxDep,
    kind: SiteKind | None = None,
    status: SiteStatus | None = None,
    province: Annotated[str | None, Query(examples=["Lào Cai"])] = None,
    q: Annotated[
        str | None,
        Query(description="Name or code, with or without diacritics.", examples=["tang loong"]),
    ] = None,
    as_of: AsOfQuery = None,
) -> SiteFeatureCollection:
    """Return registered sites filtered by kind, status, province, bbox and text, paged.

    Search ignores Vietnamese diacritics and case: `tang loong` finds *KCN Tằng Loỏng*.
    Every feature carries its computed geodesic area beside the legal `planned_area_ha`.
    `as_of` lists the sites as the registry recorded them at that time.
    """
    filters = repo.SiteFilters(kind=kind, status=status, province=province, bbox=bbox, q=q)
    matched, features = sites.list_features(
        session, filters=filters, limit=page.limit, offset=page.offset, as_of=parse_as_of(as_of)
    )
    return SiteFeatureCollection(
        features=features,
        numberMatched=matched,
        numberReturned=len(features),
        links=_page_links(request, matched, page.limit, page.offset),
    )


@router.get(
    "/{code}",
    response_model=SiteFeature,
    response_class=Response,
    summary="One site as a GeoJSON Feature with every fact",
    responses={
        200: {"content": {GEOJSON: {}}},
        304: {"description": "Not modified"},
        **problem_responses(400, 404),
    },
)
def get_site(request: Request, code: str, session: SessionDep, as_of: AsOfQuery = None) -> Response:
    """Return one site: status, legal basis, planned vs computed area, details and provenance.

    The same Feature as `/ogc/collections/sites/items/{code}`. The `ETag` is the site's
    registry `version`, so `If-None-Match` answers 304 until the site changes. `as_of` returns
    the site as the registry recorded it at that time (404 if it did not exist then).
    """
    at = parse_as_of(as_of)
    item = sites.site_item(session, code, as_of=at)
    etag = caching.version_etag(item.version)
    if at is not None:  # the site's version as of then, and the time (its details may differ)
        etag = caching.etag_of(etag, at.isoformat())
    if caching.matches(request, etag):
        return caching.not_modified(etag, caching.ITEMS_MAX_AGE_S)
    headers = {"ETag": etag, "Cache-Control": caching.cache_control(caching.ITEMS_MAX_AGE_S)}
    return Response(item.text, media_type=GEOJSON, headers=headers)


@router.post(
    "/{code}/preview",
    summary="What a new outline of the site would change (nothing is written)",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def preview_outline(
    session: SessionDep,
    _caller: EditorDep,
    code: Annotated[str, Path(max_length=64)],
    feature: Annotated[FeatureIn, Body(media_type=GEOJSON)],
    repair: bool = False,
) -> dict[str, Any]:
    """Return area gained and lost (geodesic ha, pieces as GeoJSON) and the conflict check.

    The body is a GeoJSON Feature in CRS84. For signed-in callers who may edit
    sites; the editor's page shows it before saving.
    """
    return change_preview.preview_outline(
        session, code, feature.geometry, CRS84, repair=repair
    ).as_json()
