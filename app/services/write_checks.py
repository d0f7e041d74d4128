"""Checks of a write that need PostGIS: geometry validity (and opt-in repair), place and area.

Blocking problems raise with the field they concern (``/geometry``, ``/properties/...``);
non-blocking findings come back as :class:`Finding` values, which the answer lists under
``warnings`` and the site page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy
import shapely
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.ogc.protocol.crs import OgcCrs
from spatial.errors import InvalidGeometry, OutsideVietnam, Problem
from spatial.validate import VIETNAM_BBOX


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-blocking finding of a write: a stable code and a sentence for people."""

    code: str
    detail: str

    def as_json(self) -> dict[str, str]:
        """Return the finding as the ``warnings`` member lists it."""
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class PreparedGeometry:
    """A geometry ready to store (EPSG:4326 EWKB, multi where the column is) and its findings."""

    ewkb: bytes
    geom_type: str
    area_ha: float | None
    findings: tuple[Finding, ...]
    # Compared with the stored geometry (``prepare_geometry(stored=…)``): the same within the
    # served precision; None when there was nothing to compare with.
    same_as_stored: bool | None = None


SERVED_PRECISION_DEG: Final = 1e-7
"""Coordinates are served with 7 decimals: a geometry within this of the stored one is it."""

_CHECK: Final = sa.text(
    """
    WITH raw AS (SELECT ST_Transform(ST_Force2D(ST_GeomFromEWKB(:ewkb)), 4326) AS g),
    checked AS (SELECT g, ST_IsValidDetail(g) AS d FROM raw),
    fixed AS (
        SELECT g, d, CASE WHEN (d).valid THEN g
                          ELSE ST_CollectionExtract(ST_MakeValid(g), :dimension) END AS f
        FROM checked
    )
    SELECT (d).valid, (d).reason, ST_X((d).location), ST_Y((d).location),
           ST_AsEWKB(m),
           ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g),
           CASE WHEN :dimension = 3 THEN area_ha(g) END,
           CASE WHEN :dimension = 3 AND NOT ST_IsEmpty(f) THEN area_ha(f) END,
           GeometryType(f), ST_IsEmpty(f),
           CASE WHEN CAST(:stored AS bytea) IS NOT NULL THEN coalesce(
               ST_Equals(ST_GeomFromEWKB(:stored), m)
               OR ST_HausdorffDistance(ST_GeomFromEWKB(:stored), m) < :precision, false) END
    FROM fixed, LATERAL (SELECT CASE WHEN GeometryType(f) = 'POINT' THEN f ELSE ST_Multi(f) END
                         AS m) AS stored_form
    """
)
_DIMENSION = {"Point": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 3, "MultiPolygon": 3}


def parse_geometry(geojson: Any, crs: OgcCrs, allowed: tuple[str, ...]) -> BaseGeometry:
    """Return the GeoJSON geometry of a request as shapely, in ``crs`` (axes as it declares).

    Raises:
        InvalidGeometry: when it is missing, malformed or of a type the collection does not hold.
    """
    if not isinstance(geojson, dict):
        raise InvalidGeometry(
            "the feature has no geometry object",
            [Problem("/geometry", "expected a GeoJSON geometry")],
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException) as exc:
        raise InvalidGeometry(
            "the geometry is not valid GeoJSON",
            [Problem("/geometry", str(exc) or type(exc).__name__)],
        ) from None
    if not bool(numpy.isfinite(shapely.get_coordinates(geom)).all()):
        detail = "coordinates must be finite numbers (NaN or Infinity found)"
        raise InvalidGeometry(detail, [Problem("/geometry/coordinates", detail)])
    if geom.is_empty or geom.geom_type not in allowed:
        kind = "empty geometry" if geom.is_empty else f"geometry type {geom.geom_type}"
        detail = f"{kind}; expected {', '.join(allowed)}"
        raise InvalidGeometry(detail, [Problem("/geometry/type", detail)])
    if crs.lat_lon:
        geom = shapely.ops.transform(lambda x, y, *_: (y, x), geom)
    return geom


def prepare_geometry(
    session: Session,
    geom: BaseGeometry,
    crs: OgcCrs,
    *,
    repair: bool,
    stored: bytes | None = None,
) -> PreparedGeometry:
    """Validate ``geom`` in PostGIS (its reason and location when invalid) and transform it.

    ``repair`` lets PostGIS repair an invalid geometry (``ST_MakeValid``); the finding says
    what changed. Without it, an invalid geometry is refused. ``stored`` (EWKB), when given, is
    compared in the same query: ``same_as_stored`` tells whether the new geometry is it within
    the served precision (``SERVED_PRECISION_DEG``).

    Raises:
        InvalidGeometry: invalid (without ``repair``), or empty once repaired.
        OutsideVietnam: the geometry reaches outside Vietnam's extent.
    """
    ewkb = shapely.to_wkb(shapely.set_srid(geom, crs.srid), include_srid=True)
    dimension = _DIMENSION[geom.geom_type]
    params = {
        "ewkb": ewkb,
        "dimension": dimension,
        "stored": stored,
        "precision": SERVED_PRECISION_DEG,
    }
    row = session.execute(_CHECK, params).one()
    valid, reason, x, y, fixed, *bounds, area_before, area_after, geom_type, empty, same = row
    _inside_vietnam(bounds)
    findings: list[Finding] = []
    if not valid:
        where = f" at ({x:.6f}, {y:.6f})" if x is not None else ""
        if not repair:
            detail = f"{reason}{where} (PostGIS ST_IsValidDetail); send repair=true to repair it"
            raise InvalidGeometry(f"invalid geometry: {detail}", [Problem("/geometry", detail)])
        if empty:
            detail = f"{reason}{where}: nothing of the geometry is left once repaired"
            raise InvalidGeometry(detail, [Problem("/geometry", detail)])
        findings.append(_repair_finding(reason, where, area_before, area_after))
    return PreparedGeometry(bytes(fixed), str(geom_type), area_after, tuple(findings), same)


def _repair_finding(reason: str, where: str, before: float | None, after: float | None) -> Finding:
    change = ""
    if before is not None and after is not None:
        change = f"; area {before:.4f} ha as sent, {after:.4f} ha repaired"
    return Finding(
        "geometry-repaired",
        f"PostGIS repaired the geometry (ST_MakeValid): {reason}{where}{change}",
    )


def _inside_vietnam(bounds: list[float]) -> None:
    min_x, min_y, max_x, max_y = bounds
    west, south, east, north = VIETNAM_BBOX
    if west <= min_x and max_x <= east and south <= min_y and max_y <= north:
        return
    detail = (
        f"extent lon {min_x:.5f}..{max_x:.5f}, lat {min_y:.5f}..{max_y:.5f} lies outside Vietnam "
        f"(lon {west}..{east}, lat {south}..{north}); check the CRS (Content-Crs header)"
    )
    raise OutsideVietnam(detail, [Problem("/geometry", detail)])


_IN_PROVINCE: Final = sa.text(
    """
    SELECT EXISTS (SELECT 1 FROM admin_units
                   WHERE level = 'province_2025' AND name = :province AND geom IS NOT NULL),
           (SELECT ST_CoveredBy(ST_GeomFromEWKB(:ewkb), ST_Union(p.geom))
            FROM admin_unit_pieces p JOIN admin_units a ON a.id = p.unit_id
            WHERE a.level = 'province_2025' AND a.name = :province
              AND p.geom && ST_GeomFromEWKB(:ewkb))
    """
)


def province_finding(session: Session, ewkb: bytes, province: str) -> Finding | None:
    """Return a finding when the geometry is not inside ``province`` (or cannot be checked).

    One query on the province's subdivided pieces (``admin_unit_pieces``) that the geometry's
    box touches.
    """
    known, covered = session.execute(_IN_PROVINCE, {"ewkb": ewkb, "province": province}).one()
    if not known:
        return Finding(
            "province-not-checked",
            f"the registry has no outline of {province}: the location was not checked",
        )
    if covered:
        return None
    return Finding(
        "outside-stated-province",
        f"the outline is not inside {province}, the province stated: accepted and flagged",
    )


def area_finding(area_ha: float | None, planned_ha: float | None, share: float) -> Finding | None:
    """Return a finding when the geodesic area is more than ``share`` away from the planned one."""
    if area_ha is None or not planned_ha:
        return None
    difference = (area_ha - planned_ha) / planned_ha
    if abs(difference) <= share:
        return None
    return Finding(
        "area-differs-from-planned",
        f"geodesic area {area_ha:.2f} ha is {difference:+.0%} from the planned "
        f"{planned_ha:.2f} ha (warning beyond ±{share:.0%})",
    )


_PROVINCE_AT: Final = sa.text(
    """
    SELECT a.name FROM admin_unit_pieces p JOIN admin_units a ON a.id = p.unit_id
    WHERE a.level = 'province_2025'
      AND ST_Intersects(p.geom, ST_PointOnSurface(ST_GeomFromEWKB(:ewkb)))
    LIMIT 1
    """
)


def province_at(session: Session, ewkb: bytes) -> str | None:
    """Return the province (2025) a geometry lies in (by a point on its surface), or None."""
    name = session.execute(_PROVINCE_AT, {"ewkb": ewkb}).scalar()
    return None if name is None else str(name)
