"""Sites: the registry as GeoJSON."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from app.deps import PageDep, SessionDep
from app.models.enums import SiteKind, SiteStatus
from app.ogc.features.query import parse_bbox as parse_ogc_bbox
from app.ogc.protocol import links
from app.repositories import sites as repo
from app.schemas.problem import problem_responses
from app.schemas.site import (
    LegalBasis,
    Link,
    MiningDetailsRead,
    RelocationDetailsRead,
    SiteFeature,
    SiteFeatureCollection,
    SiteProperties,
    SiteSummary,
    SiteSummaryFeature,
    ZoneDetailsRead,
)

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


def _difference_pct(area_ha: float, planned_area_ha: float | None) -> float | None:
    if not planned_area_ha:
        return None
    return round((area_ha - planned_area_ha) / planned_area_ha * 100, 2)


def _summary(row: repo.SiteRow) -> SiteSummary:
    site = row.site
    return SiteSummary(
        code=site.code,
        name=site.name,
        kind=site.kind,
        status=site.status,
        province=site.province,
        communes=list(site.communes),
        planned_area_ha=site.planned_area_ha,
        area_ha=round(row.area_ha, 4),
        area_difference_pct=_difference_pct(row.area_ha, site.planned_area_ha),
        geometry_source=site.geometry_source,
        version=site.version,
    )


def _details(session: Session, row: repo.SiteRow) -> dict[str, object]:
    site = row.site
    details: dict[str, object] = {}
    if site.zone_details is not None:
        details["zone_details"] = ZoneDetailsRead.model_validate(
            site.zone_details, from_attributes=True
        )
    if site.mining_details is not None:
        details["mining_details"] = MiningDetailsRead.model_validate(
            site.mining_details, from_attributes=True
        )
    if site.relocation_details is not None:
        codes = repo.relocation_codes(session, site.id)
        reloc = site.relocation_details
        details["relocation_details"] = RelocationDetailsRead(
            moved_from_code=codes.moved_from_code,
            moved_to_code=codes.moved_to_code,
            households_planned=reloc.households_planned,
            households_relocated=reloc.households_relocated,
            deadline=reloc.deadline,
        )
    return details


def _page_links(request: Request, matched: int, limit: int, offset: int) -> list[Link]:
    self_link = links.link(str(request.url), "self", links.GEOJSON, "This document")
    pages = links.page_links(request, matched, limit, offset)
    return [Link(**item) for item in (self_link, *pages)]


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
) -> SiteFeatureCollection:
    """Return registered sites filtered by kind, status, province, bbox and text, paged.

    Search ignores Vietnamese diacritics and case: `tang loong` finds *KCN Tằng Loỏng*.
    Every feature carries its computed geodesic area beside the legal `planned_area_ha`.
    """
    matched, rows = repo.list_sites(
        session,
        kind=kind,
        status=status,
        province=province,
        bbox=bbox,
        q=q,
        limit=page.limit,
        offset=page.offset,
    )
    features = [
        SiteSummaryFeature(
            id=row.site.code, geometry=json.loads(row.geometry_json), properties=_summary(row)
        )
        for row in rows
    ]
    return SiteFeatureCollection(
        features=features,
        numberMatched=matched,
        numberReturned=len(features),
        links=_page_links(request, matched, page.limit, page.offset),
    )


@router.get(
    "/{code}",
    response_model=SiteFeature,
    summary="One site as a GeoJSON Feature with every fact",
    responses={200: {"content": {GEOJSON: {}}}, **problem_responses(404)},
)
def get_site(code: str, session: SessionDep) -> SiteFeature:
    """Return one site: status, legal basis, planned vs computed area, details and provenance."""
    row = repo.get_site(session, code)
    site = row.site
    properties = SiteProperties(
        **_summary(row).model_dump(),
        managing_agency=site.managing_agency,
        legal_basis=LegalBasis(
            decision_number=site.legal_decision_number,
            decision_date=site.legal_decision_date,
            issuer=site.legal_issuer,
        ),
        provenance=site.provenance,
        source_quality=site.source_quality,
        qa_flags=site.qa_flags,
        created_at=site.created_at,
        updated_at=site.updated_at,
        **_details(session, row),
    )
    return SiteFeature(id=site.code, geometry=json.loads(row.geometry_json), properties=properties)
