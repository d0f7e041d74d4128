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


# The two statements run on the psycopg cursor with EWKB binds (spatial.analysis._sql).
def _context_rows(
    conn: Connection, geom: BaseGeometry, zone_srid: int | None
) -> list[tuple[Any, ...]]:
    params = {"geom": ewkb_bind(geom), "zone_srid": zone_srid, **zone_binds()}
    return fetch_driver(conn, "proposal_context", params)


def _forest_rows(conn: Connection, geom: BaseGeometry) -> list[Finding]:
    rows = fetch_driver(conn, "proposal_forest", {"geom": ewkb_bind(geom)})
    return [
        Finding(category, origin, None, overlap_ha, float(parcels))
        for category, origin, overlap_ha, parcels in rows
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
    return _assemble(_context_rows(conn, geom, zone_srid), _forest_rows(conn, geom))


def run_concurrently(
    engine: Engine,
    executor: Executor,
    *,
    geom: BaseGeometry,
    zone_srid: int | None = None,
) -> ProposalConflicts:
    """Analyse a proposal with the forest and the context statements running at once.

    The forest statement (about two thirds of the work, bench/README.md) runs on a second pooled
    connection from ``executor`` while this thread runs the context statement, so PostgreSQL
    uses two cores for one check. Each side holds one connection only while its statement runs
    and never waits for the other while holding it, so a busy pool cannot deadlock. The two
    statements read separate snapshots; nothing in a check is written.
    """

    def forest() -> list[Finding]:
        with engine.connect() as conn:
            return _forest_rows(conn, geom)

    pending = executor.submit(forest)
    try:
        with engine.connect() as conn:
            context = _context_rows(conn, geom, zone_srid)
    except BaseException:
        pending.cancel()
        raise
    return _assemble(context, pending.result())


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
