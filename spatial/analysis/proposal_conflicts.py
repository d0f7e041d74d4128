"""What a proposed boundary would take: forest, protected areas, sites, administrative units."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final

import psycopg
from psycopg_pool import AsyncConnectionPool
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from spatial.analysis._sql import driver_statement, ewkb_bind, recorded_params
from spatial.analysis.prepared import fetch_prepared

AsyncPool = AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]


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
    protected_points: list[Finding] = field(default_factory=list)
    """Protected areas known only by a point, near or inside the proposal; extra = metres."""
    sites: list[Finding] = field(default_factory=list)
    districts: list[Finding] = field(default_factory=list)
    provinces: list[Finding] = field(default_factory=list)
    datasets: list[Finding] = field(default_factory=list)
    """Forest datasets read; ``extra`` is 1.0 for a synthetic one."""


_SECTIONS = {
    "protected": "protected",
    "protected_point": "protected_points",
    "site": "sites",
    "district": "districts",
    "province": "provinces",
    "dataset": "datasets",
}


# The statement runs on the psycopg cursor, the proposal bound once as EWKB bytes in binary, the
# province -> TM-3 zone table written into its text (spatial.analysis._sql.driver_statement).
STATEMENT = "proposal_conflicts"


POINT_RADIUS_M = 5_000.0
"""How near a protected area known only by its point must lie to a proposal to be reported.

The layer's points are the published locators of national parks and reserves of thousands of
hectares (Hoàng Liên: 28 500 ha); 5 km is about the radius of a 8 000 ha circle.
"""


_BIND: Final = re.compile(r"%\((\w+)\)s|%%")


@dataclass(frozen=True)
class RawStatement:
    """A statement with PostgreSQL's own ``$n`` binds, and the parameter name of each ``$n``."""

    sql: str
    names: tuple[str, ...]

    def values(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """Return the values of ``params`` in bind order."""
        return tuple(params[name] for name in self.names)


@cache
def raw_statement(name: str, recorded: bool = False) -> RawStatement:
    """Return ``<name>.sql`` (``driver_statement``) with ``$n`` binds, rewritten once.

    psycopg rewrites ``%(name)s`` binds on every execution, and caches the rewriting only for
    statements of at most 4 096 characters: the check's (4 500) cost 130-160 µs of the API's
    CPU per execution (bench/README.md). A raw cursor sends ``$n`` binds as they are.
    """
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[0] == "%%":
            return "%"
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    sql = _BIND.sub(number, driver_statement(name, recorded=recorded))
    return RawStatement(sql, tuple(names))


async def fetch_raw(
    pool: AsyncPool, statement: RawStatement, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Run ``statement`` prepared on a connection of ``pool``, held only while it runs.

    The connection is taken and given back without ``pool.connection()``'s ``async with conn``,
    whose commit (nothing to commit: the pool's connections autocommit) takes the connection's
    lock and runs a psycopg generator for nothing, once per statement (bench/README.md). A
    connection that broke during the statement is discarded by the pool when it is returned.
    """
    conn = await pool.getconn()
    try:
        cursor = psycopg.AsyncRawCursor(conn)
        await cursor.execute(statement.sql, statement.values(params), prepare=True)
        return await cursor.fetchall()
    finally:
        await pool.putconn(conn)


def _params(ewkb: bytes, zone_srid: int | None, *, parts: int = 1, part: int = 0) -> dict[str, Any]:
    """Return the binds of share ``part`` of ``parts``.

    The first share also asks for the proposal's areas and units, the last for the other
    layers; a single share asks for everything.
    """
    return {
        "geom": ewkb,
        "zone_srid": zone_srid,
        "with_context": part == 0,
        "with_layers": part == parts - 1,
        "parts": parts,
        "part": part,
        "point_radius_m": POINT_RADIUS_M,
    }


def _assemble(shares: Sequence[Sequence[tuple[Any, ...]]]) -> ProposalConflicts:
    """Build the result from the rows of every statement; forest rows of the shares add up."""
    rows = [row for share in shares for row in share]
    head = next(row for row in rows if row[0] == "proposal")
    result = ProposalConflicts(area_ha=head[4], area_vn2000_ha=head[5], province=head[3])
    forest: dict[tuple[str, str], list[float]] = {}
    for section, key, detail, name, overlap_ha, extra in rows:
        if section == "forest":
            total = forest.setdefault((key, detail), [0.0, 0.0])
            total[0] += overlap_ha
            total[1] += extra
        elif section in _SECTIONS:
            finding = Finding(key, detail, name, overlap_ha, extra)
            getattr(result, _SECTIONS[section]).append(finding)
    result.forest = [
        Finding(category, origin, None, ha, parcels)
        for (category, origin), (ha, parcels) in sorted(forest.items())
    ]
    return result


def run(
    conn: Connection,
    *,
    geom: BaseGeometry,
    zone_srid: int | None = None,
    recorded_at: datetime | None = None,
) -> ProposalConflicts:
    """Analyse a proposal given in EPSG:4326: one statement (the registry as recorded then)."""
    sql = driver_statement(STATEMENT, recorded=recorded_at is not None)
    params = recorded_params(_params(ewkb_bind(geom), zone_srid), recorded_at)
    return _assemble([fetch_prepared(conn, sql, params)])


FOREST_SHARES = 2
"""Statements a check running alone is split into, one per share of the forest parcels."""


async def run_pooled(
    pool: AsyncPool,
    *,
    geom: BaseGeometry,
    zone_srid: int | None = None,
    forest_shares: int = 1,
    recorded_at: datetime | None = None,
) -> ProposalConflicts:
    """Analyse a proposal on connections of an asyncio pool, awaiting PostgreSQL.

    With ``forest_shares`` 1, one statement answers the whole check on one connection: the
    least CPU per check, for when other checks keep every core busy anyway. With more, that
    many statements run at once on separate connections, each over a disjoint share of the
    forest parcels (about two thirds of the work, more with more parcels: bench/README.md), the
    first also answering the proposal's areas and units, the last the other layers (sites,
    protected areas, datasets), so PostgreSQL spreads one check over every core. Each
    statement holds one connection only while it runs and never waits for another while holding
    it, so a busy pool cannot deadlock. The statements read separate snapshots; nothing in a
    check is written. With ``recorded_at``: the registry as it was recorded then.
    """
    ewkb = ewkb_bind(geom)
    statement = raw_statement(STATEMENT, recorded=recorded_at is not None)

    async def rows(params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return await fetch_raw(pool, statement, recorded_params(params, recorded_at))

    if forest_shares <= 1:
        return _assemble([await rows(_params(ewkb, zone_srid))])
    shares = await asyncio.gather(
        *(
            rows(_params(ewkb, zone_srid, parts=forest_shares, part=part))
            for part in range(forest_shares)
        )
    )
    return _assemble(shares)


@dataclass(frozen=True)
class Piece:
    """Where the proposal meets one feature: layer, code, label, hectares, GeoJSON text."""

    layer: str
    code: str
    label: str
    overlap_ha: float
    geometry_json: str


async def pieces_pooled(
    pool: AsyncPool, *, geom: BaseGeometry, recorded_at: datetime | None = None
) -> list[Piece]:
    """Return the pieces of a proposal (EPSG:4326) on forest, protected areas and sites.

    One statement on a connection of an asyncio pool, the proposal bound as EWKB bytes; with
    ``recorded_at``, on the registry as it was recorded then.
    """
    statement = raw_statement("proposal_pieces", recorded=recorded_at is not None)
    params = recorded_params({"geom": ewkb_bind(geom)}, recorded_at)
    return [Piece(*row) for row in await fetch_raw(pool, statement, params)]
