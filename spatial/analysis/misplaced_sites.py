"""Sites whose outline lies outside the province they state, or outside Vietnam."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from spatial.analysis._sql import recorded_params, statement


@dataclass(frozen=True)
class MisplacedSite:
    """A site left out of its province's totals until its outline is corrected.

    ``place`` is ``outside_vietnam`` (no part in any 2025 province) or ``outside_province``
    (some part outside the province stated); ``area_ha`` is geodesic (WGS 84).
    """

    code: str
    name: str
    province: str
    area_ha: float
    place: str


def run(conn: Connection, *, recorded_at: datetime | None = None) -> list[MisplacedSite]:
    """Return the sites whose outline is not inside their stated 2025 province, by code."""
    query = statement("misplaced_sites", recorded=recorded_at is not None)
    rows = conn.execute(query, recorded_params({}, recorded_at))
    return [MisplacedSite(*row) for row in rows]
