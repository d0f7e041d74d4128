"""Site reads: filtered pages of sites (one site with its details is the OGC item)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Site
from app.models.enums import SiteKind, SiteStatus
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
