"""Overlaps between registered plans and sites that cross administrative boundaries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from spatial.analysis._sql import statement


@dataclass(frozen=True)
class PlanOverlap:
    """Two sites sharing ground: hectares, shares of each, and whether a relocation links them."""

    site_a: str
    site_b: str
    kind_a: str
    kind_b: str
    overlap_ha: float
    share_a_pct: float | None
    share_b_pct: float | None
    related: bool
    geometry_json: str


@dataclass(frozen=True)
class BoundaryCrossing:
    """A site split across several provinces or former districts, with hectares in each."""

    site_code: str
    level: str
    unit_names: list[str]
    unit_ha: list[float]


def run(conn: Connection) -> list[PlanOverlap]:
    """Return every overlapping pair of sites (geodesic WGS 84 hectares), largest first."""
    return [PlanOverlap(*row) for row in conn.execute(statement("plan_overlap"))]


def crossings(conn: Connection) -> list[BoundaryCrossing]:
    """Return sites that cross a 2025 province or a former district boundary."""
    return [BoundaryCrossing(*row) for row in conn.execute(statement("admin_crossings"))]
