"""Site reads shaped as the API answers them: a FeatureCollection page and one site."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.repositories import sites as repo
from app.schemas.site import (
    LegalBasis,
    MiningDetailsRead,
    RelocationDetailsRead,
    SiteFeature,
    SiteProperties,
    SiteSummary,
    SiteSummaryFeature,
    ZoneDetailsRead,
)


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


def list_features(
    session: Session, *, filters: repo.SiteFilters, limit: int, offset: int
) -> tuple[int, list[SiteSummaryFeature]]:
    """Return the number of matching sites and one page of them as summary Features (EPSG:4326)."""
    matched, rows = repo.list_sites(session, filters=filters, limit=limit, offset=offset)
    return matched, [
        SiteSummaryFeature(
            id=row.site.code, geometry=json.loads(row.geometry_json), properties=_summary(row)
        )
        for row in rows
    ]


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


def site_feature(session: Session, code: str) -> SiteFeature:
    """Return one site with every fact: legal basis, areas, details and provenance.

    Raises:
        NotFound: when no site has this code.
    """
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
