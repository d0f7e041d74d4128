"""Site reads shaped as the API answers them: a FeatureCollection page and one site."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.ogc.catalog import get_collection
from app.ogc.features import fetch
from app.ogc.features.query import RawQuery, build_query
from app.repositories import NotFound
from app.repositories import sites as repo
from app.schemas.site import SiteFeature, SiteSummary, SiteSummaryFeature


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
    session: Session,
    *,
    filters: repo.SiteFilters,
    limit: int,
    offset: int,
    as_of: datetime | None = None,
) -> tuple[int, list[SiteSummaryFeature]]:
    """Return the number of matching sites and one page of them as summary Features (EPSG:4326).

    With ``as_of``: the sites as the registry recorded them at that time.
    """
    matched, rows = repo.list_sites(
        session, filters=filters, limit=limit, offset=offset, as_of=as_of
    )
    return matched, [
        SiteSummaryFeature(
            id=row.site.code, geometry=json.loads(row.geometry_json), properties=_summary(row)
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SiteItem:
    """One site as the Feature text of OGC collection ``sites`` (CRS84), with its version."""

    text: str
    version: int

    def feature(self) -> SiteFeature:
        """Return the Feature as a model (dates parsed)."""
        return SiteFeature.model_validate_json(self.text)


def site_item(session: Session, code: str, *, as_of: datetime | None = None) -> SiteItem:
    """Return one site with every fact, the same Feature as ``/ogc/collections/sites/items``.

    With ``as_of``: the site as the registry recorded it at that time.

    Raises:
        NotFound: when no site has this code (had it at ``as_of``).
    """
    collection = get_collection("sites")
    query = build_query(collection, RawQuery(), {}, as_of=as_of)
    try:
        found = fetch.fetch_feature_in_session(session, query, code)
    except NotFound:
        raise NotFound("site", code) from None
    assert found.version is not None  # sites are versioned (migration 0021)
    return SiteItem(found.text, found.version)
