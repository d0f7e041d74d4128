"""Check a proposed boundary: read, reproject, validate, then ask PostGIS what it would take."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import anyio.to_thread
from shapely import orient_polygons, union_all
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from app.db.admission import InFlight
from app.map.i18n import Message
from app.schemas.analysis import (
    CategoryOverlap,
    CoordinateTableRead,
    ForestDatasetRead,
    ProposalCheck,
    ProposalForest,
    ProtectedNearby,
    ProtectedOverlap,
    SiteHit,
    UnitHit,
    UploadedBoundary,
    UploadedBoundaryFacts,
)
from app.services.reports import add_forest_totals, as_of_messages, forest_layer_messages, percent
from spatial.analysis import proposal_conflicts
from spatial.crs import PROVINCE_ZONES, TM3_ZONES
from spatial.io import proposal_cost
from spatial.io.archive import PROPOSAL_ZIP_LIMITS, ZipLimits
from spatial.io.formats import CAD_FORMATS
from spatial.io.read import ReadBoundary, read_boundary

INLINE_READ_BYTES: Final = 64 * 1024
"""A GeoJSON upload up to this size is read on the event loop (under a millisecond for a
proposal; a 2 000-vertex star is 55 KB); larger ones, and every other format (GDAL and temporary
files), in a worker thread. At 256 KB, a body of 85 000 empty features held the loop 1 s."""


CLIENT_GONE_AFTER_S: Final = 0.25
"""A check that waited this long for its slot first asks whether its client is still there.

Asking costs about 0.1 ms of the event loop, 5 % of a check's CPU under load (bench/README.md),
so a check admitted at once, or after the short waits of a busy but keeping-up server, does not
ask; one that queued behind a crowd, whose client may well have given up, does."""


@dataclass(frozen=True)
class CheckedProposal:
    """The report, the proposal geometry (EPSG:4326) it was computed for, and its notes.

    ``notes`` are the report's notes as labels of the table, for a document in either language;
    ``report.notes`` holds them in English, as the JSON API answers.
    """

    report: ProposalCheck
    geometry: BaseGeometry
    notes: list[Message]

    def add_notes(self, notes: list[Message]) -> None:
        """Add notes to both lists."""
        self.notes.extend(notes)
        self.report.notes.extend(note.text("en") for note in notes)

    def geometry_geojson(self) -> dict[str, Any]:
        """Return the proposal as a GeoJSON geometry in CRS84, rings counter-clockwise."""
        return dict(mapping(orient_polygons(self.geometry)))


def _forest(found: proposal_conflicts.ProposalConflicts) -> ProposalForest:
    forest = ProposalForest(share_pct=0.0, by_category=[])
    for item in found.forest:
        add_forest_totals(forest, item.key, item.detail, item.overlap_ha)
        forest.by_category.append(
            CategoryOverlap(
                category=item.key or "",
                origin=item.detail or "",
                overlap_ha=item.overlap_ha,
                share_pct=percent(item.overlap_ha, found.area_ha),
                parcels=int(item.extra or 0),
            )
        )
    forest.share_pct = percent(forest.forest_total_ha, found.area_ha)
    return forest


def _zone_srid(boundary: ReadBoundary) -> int | None:
    """Use the file's own TM-3 zone for the planar area; otherwise let the province decide."""
    return boundary.source_srid if boundary.source_srid in TM3_ZONES else None


def _zone_notes(zone: int | None, province: str | None) -> list[Message]:
    """Say why the VN-2000 planar area is missing, and how to get it."""
    if zone is not None:
        return []
    if province:
        return [Message("note.zone_unknown_province", (("province", province),))]
    return [Message("note.zone_outside")]


def _reading_notes(boundary: ReadBoundary) -> list[Message]:
    """Say how a coordinate table or drawing was read, for the person to confirm."""
    if boundary.file_format in CAD_FORMATS:
        return [Message("note.drawing_read", (("format", boundary.file_format.value.upper()),))]
    table = boundary.table
    if table is None:
        return []
    values = {
        "row": str(table.header_row),
        "x": table.x_north,
        "y": table.y_east,
        "point": table.point or "—",
        "parcel": table.parcel or "—",
        "ring": table.ring or "—",
        "points": str(table.points),
        "parcels": str(len(table.parcels)),
    }
    return [Message("note.table_read", tuple(values.items()))]


def _table(boundary: ReadBoundary) -> CoordinateTableRead | None:
    if boundary.table is None:
        return None
    return CoordinateTableRead.model_validate(boundary.table, from_attributes=True)


def build_report(conn: Connection, boundary: ReadBoundary, file_name: str) -> CheckedProposal:
    """Run the conflict analysis on an already-read boundary, on one connection."""
    geom = union_all(boundary.geometries)
    found = proposal_conflicts.run(conn, geom=geom, zone_srid=_zone_srid(boundary))
    return _report(found, boundary, file_name, geom)


LOCATED: Final = frozenset({"surveyed", "digitized"})
"""Outlines whose location is known; an overlap with any other is a guess ("location uncertain")."""


def _nearby(found: proposal_conflicts.Finding) -> ProtectedNearby:
    distance = round(found.extra or 0.0, 1)
    where = "inside the proposal" if distance == 0 else f"{distance:.0f} m from the proposal"
    return ProtectedNearby(
        code=found.key or "",
        name=found.name or "",
        distance_m=distance,
        contains=distance == 0,
        caveat=f"known only by its point, {where}: its true extent is not in the registry, so "
        "its overlap with the proposal is unknown, not none",
    )


def _site_hit(found: proposal_conflicts.Finding, proposal_ha: float) -> SiteHit:
    kind, _, confidence = (found.detail or "").partition("/")
    return SiteHit(
        code=found.key or "",
        name=found.name or "",
        kind=kind,
        overlap_ha=found.overlap_ha,
        share_of_site_pct=round(found.extra or 0.0, 2),
        share_of_proposal_pct=percent(found.overlap_ha, proposal_ha),
        location_confidence=confidence or "unknown",
        finding="conflict" if confidence in LOCATED else "location_uncertain",
    )


def _report(
    found: proposal_conflicts.ProposalConflicts,
    boundary: ReadBoundary,
    file_name: str,
    geom: BaseGeometry,
) -> CheckedProposal:
    zone = _zone_srid(boundary) or PROVINCE_ZONES.get(found.province or "")
    datasets = [
        ForestDatasetRead(dataset=d.key or "", synthetic=bool(d.extra)) for d in found.datasets
    ]
    report = ProposalCheck(
        file_name=file_name,
        source_crs=f"EPSG:{boundary.source_srid}",
        crs_from=boundary.crs_from,
        features=len(boundary.geometries),
        area_ha=found.area_ha,
        area_vn2000_ha=found.area_vn2000_ha,
        vn2000_zone=f"EPSG:{zone}" if zone else None,
        province=found.province,
        forest=_forest(found),
        protected_areas=[
            ProtectedOverlap(
                code=p.key or "",
                name=p.name or "",
                overlap_ha=p.overlap_ha,
                outline_indicative=not p.extra,
            )
            for p in found.protected
        ],
        protected_areas_extent_unknown=[_nearby(p) for p in found.protected_points],
        sites=[_site_hit(s, found.area_ha) for s in found.sites],
        provinces=[
            UnitHit(code=u.key or "", name=u.name or "", overlap_ha=u.overlap_ha)
            for u in found.provinces
        ],
        districts=[
            UnitHit(code=u.key or "", name=u.name or "", overlap_ha=u.overlap_ha)
            for u in found.districts
        ],
        forest_datasets=datasets,
        notes=[],
        table=_table(boundary),
    )
    checked = CheckedProposal(report=report, geometry=geom, notes=[])
    checked.add_notes(
        [
            *_reading_notes(boundary),
            *forest_layer_messages(datasets),
            *_zone_notes(zone, found.province),
        ]
    )
    return checked


def run(
    conn: Connection, data: bytes, file_name: str, *, crs: str | None, max_bytes: int
) -> CheckedProposal:
    """Read an uploaded boundary file and report what it would take. Nothing is stored.

    Raises:
        SpatialError subclasses: for unreadable, unsupported, mis-referenced or invalid input.
    """
    boundary = read_boundary(data, file_name, crs=crs, max_bytes=max_bytes)
    return build_report(conn, boundary, file_name)


@dataclass(frozen=True)
class CheckRun:
    """A checked proposal and, when asked for, its overlap pieces."""

    checked: CheckedProposal
    pieces: list[proposal_conflicts.Piece] | None


async def _read(
    data: bytes,
    file_name: str,
    *,
    crs: str | None,
    max_bytes: int,
    zip_limits: ZipLimits,
    limits: proposal_cost.ProposalLimits | None = None,
) -> tuple[ReadBoundary, BaseGeometry]:
    """Read the upload, refuse it when over ``limits``, and unite its polygons.

    All three where the file was read, in a worker thread when it is large: a large upload's
    vertices are counted, its area measured when needed (1-2 µs a vertex) and its parts
    united off the event loop.
    """

    def read() -> tuple[ReadBoundary, BaseGeometry]:
        boundary = read_boundary(
            data, file_name, crs=crs, max_bytes=max_bytes, zip_limits=zip_limits
        )
        if limits is not None:
            proposal_cost.check(boundary.geometries, limits)
        return boundary, union_all(boundary.geometries)

    if len(data) <= INLINE_READ_BYTES and data.lstrip()[:1] == b"{":
        return read()
    return await anyio.to_thread.run_sync(read)


async def run_pooled(
    pool: proposal_conflicts.AsyncPool,
    in_flight: InFlight,
    data: bytes,
    file_name: str,
    *,
    crs: str | None,
    max_bytes: int,
    with_pieces: bool = False,
    client_gone: Callable[[], Awaitable[bool]] | None = None,
    as_of: datetime | None = None,
    zip_limits: ZipLimits = PROPOSAL_ZIP_LIMITS,
    limits: proposal_cost.ProposalLimits | None = None,
) -> CheckRun:
    """Read the upload first, then await pooled connections only for the statements.

    A bad upload never touches the database. A good one waits for a slot of ``in_flight``
    (admission control, ``app.db.admission``); when ``client_gone`` says its client has left
    meanwhile, ``ClientGone`` is raised and nothing is asked of PostgreSQL. A check that runs
    alone then sends two statements at once on two connections of ``pool`` (the asyncio read
    pool), each over a share of the forest parcels, so PostgreSQL uses every core for it.
    When other checks are running, the cores are busy anyway, so one statement answers it on
    one connection, which costs less CPU per check (bench/README.md). The overlap pieces, when
    asked for, are one more statement on ``pool``, after the slot is given back. Nothing is
    written. ``as_of`` checks against the registry as it was recorded then. A .zip may hold
    no more than ``zip_limits``, and a proposal no more than ``limits`` (checked before any
    database work; ``proposal_cost.ProposalTooCostly`` names the limits it is over).
    """
    boundary, geom = await _read(
        data, file_name, crs=crs, max_bytes=max_bytes, zip_limits=zip_limits, limits=limits
    )
    async with in_flight.entered(client_gone, ask_after_s=CLIENT_GONE_AFTER_S) as running:
        found = await proposal_conflicts.run_pooled(
            pool,
            geom=geom,
            zone_srid=_zone_srid(boundary),
            forest_shares=proposal_conflicts.FOREST_SHARES if running == 1 else 1,
            recorded_at=as_of,
        )
    checked = _report(found, boundary, file_name, geom)
    checked.report.recorded_as_of = as_of
    checked.add_notes(as_of_messages(as_of))
    if not with_pieces:
        return CheckRun(checked, None)
    pieces = await proposal_conflicts.pieces_pooled(pool, geom=geom, recorded_at=as_of)
    return CheckRun(checked, pieces)


async def read_upload(
    data: bytes,
    file_name: str,
    *,
    crs: str | None,
    max_bytes: int,
    zip_limits: ZipLimits = PROPOSAL_ZIP_LIMITS,
) -> UploadedBoundary:
    """Read an uploaded boundary file as the proposal check does, and return it in CRS84.

    The file's polygons are reprojected to EPSG:4326 (lon, lat), validated, united and
    oriented counter-clockwise (RFC 7946); nothing touches the database and nothing is stored.

    Raises:
        SpatialError subclasses: for unreadable, unsupported, mis-referenced or invalid input.
    """
    boundary, united = await _read(
        data, file_name, crs=crs, max_bytes=max_bytes, zip_limits=zip_limits
    )
    geom = orient_polygons(united)
    facts = UploadedBoundaryFacts(
        file_name=file_name,
        source_crs=f"EPSG:{boundary.source_srid}",
        crs_from=boundary.crs_from,
        features=len(boundary.geometries),
        table=_table(boundary),
    )
    return UploadedBoundary(geometry=dict(mapping(geom)), properties=facts)
