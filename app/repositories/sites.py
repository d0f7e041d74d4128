"""Site reads: filtered pages of sites (one site with its details is the OGC item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Site
from app.models.enums import SiteKind, SiteStatus
from app.repositories.as_of import AsOf, as_of_bind
from spatial.text import fold

sites = cast(sa.Table, Site.__table__)
SUMMARY_COLUMNS: Final = (
    "code",
    "name",
    "kind",
    "status",
    "province",
    "communes",
    "planned_area_ha",
    "geometry_source",
    "version",
)


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
    """A site's summary columns (``SUMMARY_COLUMNS``), geodesic area and GeoJSON geometry text."""

    site: Any
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
        conditions.append(sites.c.kind == kind)
    if status is not None:
        conditions.append(sites.c.status == status)
    if province:
        conditions.append(sa.func.sitereg_fold(sites.c.province) == fold(province))
    if bbox is not None:
        envelope = sa.func.ST_MakeEnvelope(
            bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat, 4326
        )
        conditions.append(sa.func.ST_Intersects(sites.c.geom, envelope))
    if q:
        for word in fold(q).split():
            conditions.append(sites.c.name_folded.contains(word, autoescape=True))
    return conditions


def list_sites(
    session: Session,
    *,
    filters: SiteFilters = SiteFilters(),  # noqa: B008 (frozen, so sharing it is safe)
    limit: int = 100,
    offset: int = 0,
    precision: int = 7,
    as_of: datetime | None = None,
) -> tuple[int, list[SiteRow]]:
    """Return the number of matching sites and one page of them, ordered by code.

    With ``as_of``, the same query reads the sites as they were recorded at that time.
    """
    conditions = _filters(filters)
    count = sa.select(sa.func.count()).select_from(sites).where(*conditions)
    query = (
        sa.select(
            *(sites.c[name] for name in SUMMARY_COLUMNS),
            sa.func.area_ha(sites.c.geom),
            geojson_expr(sites.c.geom, precision),
        )
        .where(*conditions)
        .order_by(sites.c.code)
        .limit(limit)
        .offset(offset)
    )
    if as_of is not None:
        adapter = AsOf(as_of_bind(as_of))
        count, query = adapter(count), adapter(query)
    matched = session.scalar(count)
    rows = [SiteRow(row, row[-2], row[-1]) for row in session.execute(query)]
    return int(matched or 0), rows


def find_site(session: Session, code: str, *columns: Any, as_of: datetime | None = None) -> Any:
    """Return ``columns`` (expressions on ``sites``) of the site ``code``, or None.

    With ``as_of``: of the site as the registry recorded it at that time.
    """
    query = sa.select(*columns).where(sites.c.code == code)
    if as_of is not None:
        query = AsOf(as_of_bind(as_of))(query)
    return session.execute(query).first()
