"""Factories of registry rows for tests: they take the session and keyword overrides."""

from __future__ import annotations

from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.models import ClearanceParcel, ClearanceStatusChange, ForestParcel, Site

# A quiet corner of southern Vietnam, far from every demo layer: hand-built cases go here.
ORIGIN = (106.50, 10.50)


def square(x0: float, y0: float, size: float) -> Polygon:
    """Return an axis-aligned square in degrees, counter-clockwise."""
    return box(x0, y0, x0 + size, y0 + size)


def _multi(geom: BaseGeometry) -> Any:
    multi = MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom
    return from_shape(multi, srid=4326)


def make_site(session: Session, code: str, geom: BaseGeometry, **overrides: Any) -> Site:
    """Insert a site (an industrial cluster in Lào Cai unless overridden)."""
    values: dict[str, Any] = {
        "code": code,
        "name": f"Test {code}",
        "kind": "industrial_cluster",
        "status": "planned",
        "province": "Lào Cai",
        "communes": ["Xã Thử"],
        "planned_area_ha": None,
        "geometry_source": "indicative",
        "provenance": "test fixture",
        **overrides,
    }
    site = Site(geom=_multi(geom), **values)
    session.add(site)
    session.flush()
    return site


def make_forest(
    session: Session,
    code: str,
    geom: BaseGeometry,
    *,
    category: str = "protection",
    origin: str = "natural",
) -> ForestParcel:
    """Insert a forest parcel of a test dataset."""
    parcel = ForestParcel(
        code=code,
        category=category,
        origin=origin,
        dataset="test",
        synthetic=True,
        licence="test",
        geometry_source="indicative",
        provenance="test fixture",
        geom=_multi(geom),
    )
    session.add(parcel)
    session.flush()
    return parcel


def make_parcel(
    session: Session,
    code: str,
    site: Site,
    geom: BaseGeometry,
    history: list[tuple[str, date]],
) -> ClearanceParcel:
    """Insert a clearance parcel whose current status is the last step of ``history``."""
    status, status_date = history[-1]
    parcel = ClearanceParcel(
        code=code,
        site_id=site.id,
        status=status,
        status_date=status_date,
        geometry_source="indicative",
        provenance="test fixture",
        geom=_multi(geom),
    )
    session.add(parcel)
    session.flush()
    for step, day in history:
        session.add(ClearanceStatusChange(parcel_id=parcel.id, status=step, status_date=day))
    session.flush()
    return parcel
