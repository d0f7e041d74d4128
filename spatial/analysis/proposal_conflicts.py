"""What a proposed boundary would take: forest, protected areas, sites, administrative units."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine

from spatial.analysis._sql import (
    GEOMETRY_4326,
    ewkb_bind,
    fetch_driver,
    geometry_bind,
    statement,
    zone_binds,
)


@dataclass(frozen=True)
class Finding:
    """One overlap of the proposal with a feature of a layer."""

    key: str | None
    detail: str | None
    name: str | None
    overlap_ha: float
    extra: float | None


@dataclass
class ProposalConflicts:
    """The proposal's areas and everything it overlaps (hectares geodesic unless named vn2000)."""

    area_ha: float
    area_vn2000_ha: float | None
    province: str | None
    forest: list[Finding] = field(default_factory=list)
    protected: list[Finding] = field(default_factory=list)
    sites: list[Finding] = field(default_factory=list)
    districts: list[Finding] = field(default_factory=list)
    provinces: list[Finding] = field(default_factory=list)
    datasets: list[Finding] = field(default_factory=list)
    """Forest datasets read; ``extra`` is 1.0 for a synthetic one."""


_SECTIONS = {
    "protected": "protected",
    "site": "sites",
    "district": "districts",
    "province": "provinces",
    "dataset": "datasets",
}


# The statements run on the psycopg cursor, the proposal bound once as EWKB bytes
# (spatial.analysis._sql).
def _context_rows(conn: Connection, ewkb: bytes, zone_srid: int | None) -> list[tuple[Any, ...]]:
    params = {"geom": ewkb, "zone_srid": zone_srid, **zone_binds()}
    return fetch_driver(conn, "proposal_context", params)


def _forest_rows(
    conn: Connection, ewkb: bytes, *, parts: int = 1, part: int = 0
) -> list[tuple[Any, ...]]:
    return fetch_driver(conn, "proposal_forest", {"geom": ewkb, "parts": parts, "part": part})


def _forest(shares: Sequence[list[tuple[Any, ...]]]) -> list[Finding]:
    """Add up the (category, origin, hectares, parcels) rows of the shares of the parcels."""
    totals: dict[tuple[str, str], list[float]] = {}
    for rows in shares:
        for category, origin, overlap_ha, parcels in rows:
            total = totals.setdefault((category, origin), [0.0, 0.0])
            total[0] += overlap_ha
            total[1] += parcels
    return [
        Finding(category, origin, None, ha, parcels)
        for (category, origin), (ha, parcels) in sorted(totals.items())
    ]


def _assemble(context: Sequence[tuple[Any, ...]], forest: list[Finding]) -> ProposalConflicts:
    head = next(row for row in context if row[0] == "proposal")
    result = ProposalConflicts(
        area_ha=head[4], area_vn2000_ha=head[5], province=head[3], forest=forest
    )
    for section, key, detail, name, overlap_ha, extra in context:
        if section in _SECTIONS:
            finding = Finding(key, detail, name, overlap_ha, extra)
            getattr(result, _SECTIONS[section]).append(finding)
    return result


def run(conn: Connection, *, geom: BaseGeometry, zone_srid: int | None = None) -> ProposalConflicts:
    """Analyse a proposal given in EPSG:4326: the two statements, one after the other."""
    ewkb = ewkb_bind(geom)
    return _assemble(_context_rows(conn, ewkb, zone_srid), _forest([_forest_rows(conn, ewkb)]))


FOREST_SHARES = 2
"""Statements the forest half of a check running alone is split into (one per parcel share)."""


def run_concurrently(
    engine: Engine,
    executor: Executor,
    *,
    geom: BaseGeometry,
    zone_srid: int | None = None,
    forest_shares: int = FOREST_SHARES,
) -> ProposalConflicts:
    """Analyse a proposal with its statements running at once on separate connections.

    The forest half (about two thirds of the work, more with more parcels: bench/README.md) is
    split into ``forest_shares`` statements over disjoint shares of the parcels, run from
    ``executor`` while this thread runs the context statement, so PostgreSQL spreads one check
    over every core. Each statement holds one connection only while it runs and never waits
    for another while holding it, so a busy pool cannot deadlock. The statements read separate
    snapshots; nothing in a check is written.
    """
    ewkb = ewkb_bind(geom)

    def forest(part: int) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return _forest_rows(conn, ewkb, parts=forest_shares, part=part)

    pending = [executor.submit(forest, part) for part in range(forest_shares)]
    try:
        with engine.connect() as conn:
            context = _context_rows(conn, ewkb, zone_srid)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return _assemble(context, _forest([future.result() for future in pending]))


@dataclass(frozen=True)
class Piece:
    """Where the proposal meets one feature: layer, code, label, hectares, GeoJSON text."""

    layer: str
    code: str
    label: str
    overlap_ha: float
    geometry_json: str


def pieces(conn: Connection, *, geom: BaseGeometry) -> list[Piece]:
    """Return the overlap pieces of a proposal (EPSG:4326) with forest, protected areas, sites."""
    query = statement("proposal_pieces", geom=GEOMETRY_4326)
    return [Piece(*row) for row in conn.execute(query, {"geom": geometry_bind(geom)})]
