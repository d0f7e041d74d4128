"""Site reads: filtered pages and one site with its details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from app.models import RelocationDetails, Site
from app.models.enums import SiteKind, SiteStatus
from app.repositories import NotFound
from spatial.text import fold


@dataclass(frozen=True)
class BBox:
    """A lon/lat box in EPSG:4326 degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class SiteFilters:
    """The list filters of sites: kind, status, province, lon/lat box and folded text."""

    kind: SiteKind | None = None
    status: SiteStatus | None = None
    province: str | None = None
    bbox: BBox | None = None
    q: str | None = None


@dataclass(frozen=True)
class SiteRow:
    """A site with its computed geodesic area and GeoJSON geometry text."""

    site: Site
    area_ha: float
    geometry_json: str


@dataclass(frozen=True)
class RelocationCodes:
    """Codes of the sites a relocation moves from and to."""

    moved_from_code: str | None
    moved_to_code: str | None


def geojson_expr(geom: Any, precision: int) -> Any:
    """Return the SQL expression encoding ``geom`` as RFC 7946 GeoJSON (CCW exterior rings)."""
    return sa.func.ST_AsGeoJSON(sa.func.ST_ForcePolygonCCW(geom), precision)


def _filters(filters: SiteFilters) -> list[Any]:
    conditions: list[Any] = []
    kind, status, province, bbox, q = (
        filters.kind,
        filters.status,
        filters.province,
        filters.bbox,
        filters.q,
    )
    if kind is not None:
        conditions.append(Site.kind == kind)
    if status is not None:
        conditions.append(Site.status == status)
    if province:
        conditions.append(sa.func.sitereg_fold(Site.province) == fold(province))
    if bbox is not None:
        envelope = sa.func.ST_MakeEnvelope(
            bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat, 4326
        )
        conditions.append(sa.func.ST_Intersects(Site.geom, envelope))
    if q:
        for word in fold(q).split():
            conditions.append(Site.name_folded.contains(word, autoescape=True))
    return conditions


def list_sites(
    session: Session,
    *,
    filters: SiteFilters = SiteFilters(),  # noqa: B008 (frozen, so sharing it is safe)
    limit: int = 100,
    offset: int = 0,
    precision: int = 7,
) -> tuple[int, list[SiteRow]]:
    """Return the number of matching sites and one page of them, ordered by code."""
    conditions = _filters(filters)
    matched = session.scalar(sa.select(sa.func.count()).select_from(Site).where(*conditions))
    query = (
        sa.select(Site, sa.func.area_ha(Site.geom), geojson_expr(Site.geom, precision))
        .where(*conditions)
        .order_by(Site.code)
        .limit(limit)
        .offset(offset)
    )
    rows = [SiteRow(site, area, geometry) for site, area, geometry in session.execute(query)]
    return int(matched or 0), rows


def get_site(session: Session, code: str, *, precision: int = 7) -> SiteRow:
    """Return one site with its details loaded.

    Raises:
        NotFound: when no site has this code.
    """
    query = (
        sa.select(Site, sa.func.area_ha(Site.geom), geojson_expr(Site.geom, precision))
        .where(Site.code == code)
        .options(
            selectinload(Site.zone_details),
            selectinload(Site.mining_details),
            selectinload(Site.relocation_details),
        )
    )
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound("site", code)
    site, area, geometry = row
    return SiteRow(site, area, geometry)


def relocation_codes(session: Session, site_id: int) -> RelocationCodes:
    """Return the codes of the sites a relocation area moves from and to."""
    moved_from, moved_to = aliased(Site), aliased(Site)
    query = (
        sa.select(moved_from.code, moved_to.code)
        .select_from(RelocationDetails)
        .outerjoin(moved_from, moved_from.id == RelocationDetails.moved_from_site_id)
        .outerjoin(moved_to, moved_to.id == RelocationDetails.moved_to_site_id)
        .where(RelocationDetails.site_id == site_id)
    )
    row = session.execute(query).one_or_none()
    return RelocationCodes(*(row if row else (None, None)))
