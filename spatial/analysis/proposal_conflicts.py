"""What a proposed boundary would take: forest, protected areas, sites, administrative units."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection
from sqlalchemy import types as sqltypes

from spatial.analysis._sql import GEOMETRY_4326, ZONE_TYPES, geometry_bind, statement, zone_binds


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


_SECTIONS = {
    "forest": "forest",
    "protected": "protected",
    "site": "sites",
    "district": "districts",
    "province": "provinces",
}


def run(conn: Connection, *, geom: BaseGeometry, zone_srid: int | None = None) -> ProposalConflicts:
    """Analyse a proposal given in EPSG:4326 in one round trip to PostGIS."""
    query = statement(
        "proposal_conflicts", geom=GEOMETRY_4326, zone_srid=sqltypes.Integer, **ZONE_TYPES
    )
    params = {"geom": geometry_bind(geom), "zone_srid": zone_srid, **zone_binds()}
    rows = conn.execute(query, params).all()
    head = next(row for row in rows if row.section == "proposal")
    result = ProposalConflicts(
        area_ha=head.overlap_ha, area_vn2000_ha=head.extra, province=head.name
    )
    for row in rows:
        if row.section in _SECTIONS:
            finding = Finding(row.key, row.detail, row.name, row.overlap_ha, row.extra)
            getattr(result, _SECTIONS[row.section]).append(finding)
    return result


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
