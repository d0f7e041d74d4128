"""Forest land and protected areas inside registered sites (hectares by category and origin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from spatial.analysis._sql import TEXT_ARRAY, recorded_params, statement


@dataclass(frozen=True)
class ForestOverlapRow:
    """Hectares of one site on one forest category/origin (category None: no forest at all)."""

    site_code: str
    site_area_ha: float | None
    category: str | None
    origin: str | None
    overlap_ha: float
    parcels: int


@dataclass(frozen=True)
class GroundRow:
    """Forest on the ground of a group of sites ('total' or a kind), shared ground once."""

    group_name: str
    sites: int
    ground_ha: float
    category: str | None
    origin: str | None
    overlap_ha: float


@dataclass(frozen=True)
class ForestPiece:
    """One piece of a forest parcel inside a site, with its GeoJSON geometry text (EPSG:4326)."""

    parcel_code: str
    category: str
    origin: str
    overlap_ha: float
    geometry_json: str


@dataclass(frozen=True)
class ProtectedOverlapRow:
    """Hectares of one site inside one protected area."""

    site_code: str
    area_code: str
    area_name: str
    overlap_ha: float
    use_for_overlap_analysis: bool


def run(
    conn: Connection,
    *,
    site_codes: Sequence[str] | None = None,
    vn2000: bool = False,
    recorded_at: datetime | None = None,
) -> list[ForestOverlapRow]:
    """Return forest overlap rows per site, category and origin.

    Areas are geodesic WGS 84 hectares, or planar hectares in the VN-2000 TM-3 zone of each
    site's province when ``vn2000`` is true. With ``recorded_at``: the registry as recorded then.
    """
    recorded = recorded_at is not None
    query = statement("forest_overlap", recorded=recorded, site_codes=TEXT_ARRAY, vn2000=sa.Boolean)
    params = {
        "site_codes": list(site_codes) if site_codes is not None else None,
        "vn2000": vn2000,
    }
    rows = conn.execute(query, recorded_params(params, recorded_at))
    return [ForestOverlapRow(*row) for row in rows]


@dataclass(frozen=True)
class ReportRows:
    """The province report's forest: every site's rows and every group's ground rows."""

    sites: list[ForestOverlapRow]
    ground: list[GroundRow]


def report(
    conn: Connection,
    *,
    vn2000: bool = False,
    recorded_at: datetime | None = None,
    left_out: Sequence[str] = (),
) -> ReportRows:
    """Return the forest of every site and of each group's ground, in one statement.

    ``sites`` are ``run``'s rows for every site; ``ground`` the forest on each group's ground
    ('total' and each kind: its sites' union, shared ground once), without the sites named in
    ``left_out`` (outlines outside their province). Each forest piece under a site is cut once
    and counted for the site and for the groups whose ground it is alone on
    (``forest_overlap_report.sql``).
    """
    query = statement(
        "forest_overlap_report",
        recorded=recorded_at is not None,
        vn2000=sa.Boolean,
        left_out=TEXT_ARRAY,
    )
    params = {"vn2000": vn2000, "left_out": list(left_out)}
    found = ReportRows([], [])
    for section, name, sites, area_ha, category, origin, overlap_ha, parcels in conn.execute(
        query, recorded_params(params, recorded_at)
    ):
        if section == "site":
            found.sites.append(
                ForestOverlapRow(name, area_ha, category, origin, overlap_ha, parcels)
            )
        else:
            found.ground.append(GroundRow(name, sites, area_ha, category, origin, overlap_ha))
    return found


def ground(
    conn: Connection,
    *,
    vn2000: bool = False,
    recorded_at: datetime | None = None,
    left_out: Sequence[str] = (),
) -> list[GroundRow]:
    """Return the forest on each group's ground (its sites' union), per category and origin.

    Totals built from these count the ground two sites share once (a phase inside its zone).
    The sites named in ``left_out`` (outlines outside their province) are not part of it.
    """
    return report(conn, vn2000=vn2000, recorded_at=recorded_at, left_out=left_out).ground


def pieces(
    conn: Connection, *, site_code: str, recorded_at: datetime | None = None
) -> list[ForestPiece]:
    """Return the forest pieces inside one site (geodesic WGS 84 hectares), as recorded then."""
    query = statement("forest_overlap_pieces", recorded=recorded_at is not None)
    rows = conn.execute(query, recorded_params({"site_code": site_code}, recorded_at))
    return [ForestPiece(*row) for row in rows]


def protected(
    conn: Connection,
    *,
    site_codes: Sequence[str] | None = None,
    recorded_at: datetime | None = None,
) -> list[ProtectedOverlapRow]:
    """Return protected-area overlaps per site (geodesic WGS 84 hectares), as recorded then."""
    query = statement("protected_overlap", recorded=recorded_at is not None, site_codes=TEXT_ARRAY)
    params = {"site_codes": list(site_codes) if site_codes is not None else None}
    rows = conn.execute(query, recorded_params(params, recorded_at))
    return [ProtectedOverlapRow(*row) for row in rows]


@dataclass(frozen=True)
class ForestDataset:
    """One loaded forest dataset and whether it is synthetic."""

    dataset: str
    synthetic: bool


def datasets(conn: Connection) -> list[ForestDataset]:
    """Return the forest datasets in the registry."""
    return [ForestDataset(*row) for row in conn.execute(statement("forest_layer"))]
