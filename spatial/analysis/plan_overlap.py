"""Overlaps between registered plans and sites that cross administrative boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from spatial.analysis._sql import recorded_params, statement


@dataclass(frozen=True)
class PlanOverlap:
    """Two sites sharing ground: hectares, shares of each, and the link that explains it.

    ``relation`` is 'phase' or 'part' (one is recorded as a phase or part of the other),
    'relocation' (a relocation record links them) or 'same_destination' (two relocation areas
    moving to one site); None means nothing explains the overlap: a conflict between plans.
    """

    site_a: str
    site_b: str
    kind_a: str
    kind_b: str
    overlap_ha: float
    share_a_pct: float | None
    share_b_pct: float | None
    related: bool
    geometry_json: str
    relation: str | None = None
    location_uncertain: bool = False

    @property
    def finding(self) -> str:
        """Return 'explained' (a link), 'location_uncertain' (a guessed outline) or 'conflict'."""
        if self.relation is not None:
            return "explained"
        return "location_uncertain" if self.location_uncertain else "conflict"


@dataclass(frozen=True)
class BoundaryCrossing:
    """A site split across several provinces or former districts, with hectares in each."""

    site_code: str
    level: str
    unit_names: list[str]
    unit_ha: list[float]


def run(conn: Connection, *, recorded_at: datetime | None = None) -> list[PlanOverlap]:
    """Return every overlapping pair of sites (geodesic WGS 84 hectares), largest first.

    With ``recorded_at``: the registry as it was recorded then.
    """
    query = statement("plan_overlap", recorded=recorded_at is not None)
    return [PlanOverlap(*row) for row in conn.execute(query, recorded_params({}, recorded_at))]


def crossings(conn: Connection, *, recorded_at: datetime | None = None) -> list[BoundaryCrossing]:
    """Return sites that cross a 2025 province or a former district boundary (as recorded then)."""
    query = statement("admin_crossings", recorded=recorded_at is not None)
    rows = conn.execute(query, recorded_params({}, recorded_at))
    return [BoundaryCrossing(*row) for row in rows]
