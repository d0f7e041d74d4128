"""What a proposed outline would change: area gained and lost, and the conflict check on it.

Shown before an editor saves and to the approver of a draft. Nothing is written. Areas are
geodesic hectares (the ``area_ha()`` SQL function); the conflicts are the proposal check's
answer for the new outline, without the site's own outline among the sites it overlaps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import models
from app.ogc.protocol.crs import OgcCrs
from app.repositories import NotFound, history
from app.services import proposal_check
from app.services.row_writers import AREA_WARNING_SHARE
from app.services.write_checks import (
    Finding,
    area_finding,
    parse_geometry,
    prepare_geometry,
    province_finding,
)
from app.services.write_specs import POLYGONS
from spatial.io.formats import FileFormat
from spatial.io.read import ReadBoundary


@dataclass(frozen=True)
class ChangePreview:
    """The change of one site's outline, and what the new outline would conflict with."""

    area_before_ha: float
    area_after_ha: float
    gained_ha: float
    lost_ha: float
    gained: dict[str, Any] | None
    lost: dict[str, Any] | None
    conflicts: dict[str, Any]
    warnings: list[dict[str, str]]

    def as_json(self) -> dict[str, Any]:
        """Return the preview as the API answers it."""
        return dict(self.__dict__)


def _piece(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    piece: dict[str, Any] = json.loads(text)
    return piece


def preview_outline(
    session: Session, code: str, geometry: Any, crs: OgcCrs, *, repair: bool = False
) -> ChangePreview:
    """Return what replacing the outline of site ``code`` with ``geometry`` would change.

    Raises:
        NotFound: no site has this code.
        InvalidGeometry, OutsideVietnam: the proposed outline is not usable.
    """
    shape = parse_geometry(geometry, crs, POLYGONS)
    prepared = prepare_geometry(session, shape, crs, repair=repair)
    sites = models.Site.__table__
    row = session.execute(
        sa.select(sa.func.area_ha(sites.c.geom), sites.c.planned_area_ha, sites.c.province).where(
            sites.c.code == code
        )
    ).one_or_none()
    if row is None:
        raise NotFound("site", code)
    before, planned, province = row
    stored = sa.select(sites.c.geom).where(sites.c.code == code).scalar_subquery()
    diff = history.difference_of(session, stored, sa.func.ST_GeomFromEWKB(prepared.ewkb))
    findings: list[Finding | None] = [
        *prepared.findings,
        area_finding(prepared.area_ha, planned, AREA_WARNING_SHARE),
        province_finding(session, prepared.ewkb, province),
    ]
    new_outline = shapely.from_wkb(prepared.ewkb)
    boundary = ReadBoundary([new_outline], 4326, FileFormat.GEOJSON, "parameter")
    checked = proposal_check.build_report(session.connection(), boundary, f"{code} (proposed)")
    report = checked.report.model_copy(
        update={"sites": [hit for hit in checked.report.sites if hit.code != code]}
    )
    return ChangePreview(
        area_before_ha=before,
        area_after_ha=prepared.area_ha or 0.0,
        gained_ha=diff.gained_ha,
        lost_ha=diff.lost_ha,
        gained=_piece(diff.gained),
        lost=_piece(diff.lost),
        conflicts=report.model_dump(mode="json"),
        warnings=[finding.as_json() for finding in findings if finding is not None],
    )
