"""Spatial questions: forest overlap, clearance progress, plan overlaps, proposal checks, nearby."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.db.admission import CLIENT_CLOSED_REQUEST, ClientGone, until_client_leaves
from app.deps import AnalysisSessionDep, AsOfDep, SettingsDep
from app.errors import InvalidParameter
from app.formats import csv_response, feature, geojson_response
from app.schemas.analysis import (
    AnswerFormat,
    AreaMethod,
    ClearanceReport,
    ForestOverlapReport,
    NearbyResult,
    PlanOverlapReport,
    ProposalCheck,
    SiteForestOverlap,
    UploadedBoundary,
)
from app.schemas.problem import problem_responses
from app.services import proposal_check, reports
from spatial.crs import province_zone
from spatial.errors import TooLarge, UnreadableFile, UnsupportedFormat
from spatial.text import nfc

router = APIRouter(prefix="/api/v1", tags=["analysis"])

AreaQuery = Annotated[
    AreaMethod,
    Query(
        description="geodesic = WGS 84 ellipsoid (default); vn2000 = planar hectares in the "
        "VN-2000 TM-3 zone of the site's province (official cadastral figures)."
    ),
]
ALL_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "application/geo+json": {}}}
}


def _only(fmt: AnswerFormat, *allowed: AnswerFormat) -> None:
    if fmt not in allowed:
        names = ", ".join(item.value for item in allowed)
        raise InvalidParameter("format", f"'{fmt.value}' is not available here; use {names}")


def _forest_pieces_response(code: str, found: reports.SiteForestPieces) -> Response:
    pieces = (
        feature(
            p.geometry_json,
            {
                "parcel_code": p.parcel_code,
                "category": p.category,
                "origin": p.origin,
                "overlap_ha": p.overlap_ha,
            },
        )
        for p in found.pieces
    )
    name = f"{code}-forest-overlap"
    return geojson_response(pieces, name, site_code=code, notes=found.notes)


@router.get(
    "/sites/{code}/forest-overlap",
    response_model=SiteForestOverlap,
    summary="Forest land and protected areas inside one site",
    responses={**ALL_FORMATS, **problem_responses(400, 404)},
)
def site_forest_overlap(
    code: str,
    session: AnalysisSessionDep,
    as_of: AsOfDep,
    area: AreaQuery = "geodesic",
    format: AnswerFormat = AnswerFormat.JSON,  # noqa: A002 (the API's parameter name)
) -> SiteForestOverlap | Response:
    """Return hectares and % of one site on forest land and in protected areas.

    Forest is split by category (special-use, protection, production) and origin (natural,
    planted).
    `format=geojson` returns the overlapping forest pieces; `format=csv` one row per category.
    `as_of` answers on the registry as it was recorded then.
    """
    if format is AnswerFormat.GEOJSON:
        pieces = reports.site_forest_pieces(session, code, as_of=as_of)
        return _forest_pieces_response(code, pieces)
    result = reports.site_forest_overlap(session, code, area=area, as_of=as_of)
    if format is AnswerFormat.CSV:
        synthetic = reports.from_synthetic_data(result.notes)
        return csv_response(result.by_category, f"{code}-forest-overlap", synthetic=synthetic)
    return result


@router.get(
    "/reports/forest-overlap",
    response_model=ForestOverlapReport,
    summary="Province-wide forest overlap: per site, per kind, per commune",
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(400)},
)
def forest_overlap_report(
    session: AnalysisSessionDep,
    as_of: AsOfDep,
    area: AreaQuery = "geodesic",
    format: AnswerFormat = AnswerFormat.JSON,  # noqa: A002 (the API's parameter name)
) -> ForestOverlapReport | Response:
    """Return every site's hectares on forest land, with sums per kind and per commune.

    By category and origin, for Sở Nông nghiệp và Môi trường. `format=csv`: one row per site.
    `as_of` answers on the registry as it was recorded then.
    """
    _only(format, AnswerFormat.JSON, AnswerFormat.CSV)
    report = reports.forest_overlap_report(session, area=area, as_of=as_of)
    if format is AnswerFormat.CSV:
        synthetic = reports.from_synthetic_data(report.notes)
        return csv_response(report.sites, "forest-overlap-report", synthetic=synthetic)
    return report


@router.get(
    "/reports/clearance",
    response_model=ClearanceReport,
    summary="Site clearance (giải phóng mặt bằng) by status, as of a date",
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(400)},
)
def clearance_report(
    session: AnalysisSessionDep,
    as_of: Annotated[date | None, Query(description="Report date (default: today).")] = None,
    format: AnswerFormat = AnswerFormat.JSON,  # noqa: A002 (the API's parameter name)
) -> ClearanceReport | Response:
    """Return clearance hectares per site and status on a date, and the 500 ha target.

    Statuses: not started, compensating, cleared, handed over; computed from the parcels'
    status history, so any past date can be asked for. Here `as_of` is that report date (the
    parcels' own status dates), not a recorded time: the statuses reach back before the
    registry recorded the parcels.
    """
    _only(format, AnswerFormat.JSON, AnswerFormat.CSV)
    report = reports.clearance_report(session, as_of=as_of or date.today())
    if format is AnswerFormat.CSV:
        rows = [*report.sites, report.totals]
        synthetic = reports.from_synthetic_data(report.notes)
        return csv_response(rows, f"clearance-{report.as_of}", synthetic=synthetic)
    return report


@router.get(
    "/reports/plan-overlaps",
    response_model=PlanOverlapReport,
    summary="Overlapping plans (chồng lấn quy hoạch) and boundary crossings",
    responses={**ALL_FORMATS, **problem_responses(400)},
)
def plan_overlaps(
    session: AnalysisSessionDep,
    as_of: AsOfDep,
    format: AnswerFormat = AnswerFormat.JSON,  # noqa: A002 (the API's parameter name)
) -> PlanOverlapReport | Response:
    """Return every pair of overlapping registered sites, and sites crossing boundaries.

    Shared hectares per pair; boundaries are 2025 provinces and former districts. `as_of`
    answers on the registry as it was recorded then.
    """
    if format is AnswerFormat.GEOJSON:
        return geojson_response(
            (
                feature(
                    o.geometry_json,
                    {
                        "site_a": o.site_a,
                        "site_b": o.site_b,
                        "overlap_ha": o.overlap_ha,
                        "related": o.related,
                        "relation": o.relation,
                        "finding": o.finding,
                    },
                )
                for o in reports.plan_overlap_pieces(session, as_of=as_of)
            ),
            "plan-overlaps",
        )
    report = reports.plan_overlap_report(session, as_of=as_of)
    if format is AnswerFormat.CSV:
        return csv_response(report.overlaps, "plan-overlaps")
    return report


ProvinceQuery = Annotated[
    str | None,
    Query(
        description="For a coordinate table or drawing with no CRS: the province, whose "
        "VN-2000 TM-3 zone it is in (Lào Cai 104°45′, Lai Châu 103°00′). `crs` wins.",
        examples=["Lào Cai"],
    ),
]
CrsQuery = Annotated[
    str | None,
    Query(
        description="CRS of the coordinates when the file declares none: EPSG:4326, EPSG:9208 "
        "(VN-2000 TM-3 104°45′, Lào Cai), EPSG:9205 (103°00′, Lai Châu), …",
        examples=["EPSG:9208"],
    ),
]


CHECK_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "GeoJSON, zipped Shapefile, GeoPackage, KML, a "
                            "VN-2000 coordinate table (CSV, XLSX) or a drawing (DXF, DGN v7)",
                        },
                        "crs": {
                            "type": "string",
                            "description": "As the crs query parameter (which wins when both "
                            "are sent)",
                        },
                        "province": {
                            "type": "string",
                            "description": "As the province query parameter",
                        },
                    },
                }
            },
            "application/geo+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
        "required": True,
    }
}


RAW_BODY_TYPES = frozenset({"application/geo+json", "application/json"})
"""Media types of a body read as GeoJSON as it is; any other file comes as multipart."""


@dataclass(frozen=True)
class Received:
    """An uploaded boundary: its bytes, a file name and the text fields sent beside it."""

    data: bytes
    file_name: str
    fields: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, query_value: str | None) -> str | None:
        """Return a parameter from the query, else from the form (blank counts as absent)."""
        value = query_value if query_value is not None else self.fields.get(name)
        return nfc(value.strip()) if value and value.strip() else None

    def crs(self, query_crs: str | None, query_province: str | None) -> str | None:
        """Return the CRS sent, else the TM-3 zone of the province sent (query or form)."""
        crs = self.text("crs", query_crs)
        province = self.text("province", query_province)
        if crs is not None or province is None:
            return crs
        return f"EPSG:{province_zone(province)}"


def vertices_estimate(data: bytes) -> int:
    """Return about how many vertices an upload holds, before it is read (for its admission).

    GeoJSON opens a bracket per position (and one per ring and part); other formats count at
    16 bytes a vertex, a Shapefile's point (text tables and KML spend more, so fewer).
    """
    if data.lstrip()[:1] == b"{":
        return data.count(b"[")
    return len(data) // 16


async def receive_upload(request: Request, max_bytes: int) -> Received:
    """Return the uploaded bytes, a file name and the form's text fields (multipart only).

    A multipart body may carry ``crs`` (and, for the report, ``name`` and ``lang``) as form
    fields beside ``file``, as an HTML form sends them.
    """
    declared = int(request.headers.get("content-length") or 0)
    if declared > max_bytes + 64 * 1024:
        raise TooLarge(
            f"upload of {declared / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit"
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form(max_part_size=max_bytes + 1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UnreadableFile("multipart body has no 'file' part")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return Received(await upload.read(max_bytes + 1), upload.filename or "upload", fields)
    if media_type not in RAW_BODY_TYPES:
        raise UnsupportedFormat(
            f"Content-Type {media_type or '(none)'} is not read here: send the file as "
            "multipart/form-data (part 'file'), or GeoJSON as application/geo+json"
        )
    return Received(await request.body(), "request-body.geojson")


@router.post(
    "/analysis/check",
    response_model=ProposalCheck,
    summary="Check a proposed boundary against forest, protected areas, sites and units",
    openapi_extra=CHECK_BODY,
    responses={
        200: {"content": {"application/geo+json": {}}},
        **problem_responses(400, 413, 415, 422),
    },
)
async def check_proposal(
    request: Request,
    settings: SettingsDep,
    as_of: AsOfDep,
    crs: Annotated[
        str | None,
        Query(
            description="CRS of the coordinates when the file declares none: EPSG:4326, EPSG:9208 "
            "(VN-2000 TM-3 104°45′, Lào Cai), EPSG:9205 (103°00′, Lai Châu), …",
            examples=["EPSG:9208"],
        ),
    ] = None,
    province: ProvinceQuery = None,
    format: AnswerFormat = AnswerFormat.JSON,  # noqa: A002 (the API's parameter name)
) -> ProposalCheck | Response:
    """Check an uploaded boundary: area, forest and protected land taken, sites, units.

    Send GeoJSON, a zipped Shapefile with .prj, a GeoPackage, KML, a VN-2000 coordinate table
    (CSV or XLSX: point, X = northing, Y = easting, optionally parcel and ring columns, as
    decisions' annexes print them; `table` in the answer names the columns read) or a drawing
    (DXF, DGN v7: polygons and closed polylines), in WGS 84 or VN-2000. A table or drawing
    states no CRS: send `crs`, or `province` for its TM-3 zone. Nothing is stored.
    `format=geojson` returns the overlap pieces, and the proposal itself in CRS84 as the
    collection's `proposal` member. `as_of` checks against the registry as it was recorded
    then. A proposal over `SITEREG_LIMITS__CHECK_MAX_*` (vertices, parts, hectares) is a 422.
    """
    _only(format, AnswerFormat.JSON, AnswerFormat.GEOJSON)
    max_bytes = int(settings.limits.upload_max_mb * 1_000_000)
    received = await receive_upload(request, max_bytes)
    # Awaited on the event loop: the asyncio read pool, no session, no BEGIN/ROLLBACK, and no
    # worker thread for a GeoJSON body (bench/README.md).
    try:
        # A client that leaves cancels the check's statements (app.db.admission).
        work = proposal_check.run_pooled(
            request.app.state.check_pool,
            request.app.state.check_lanes.lane(vertices_estimate(received.data)),
            received.data,
            received.file_name,
            crs=received.crs(crs, province),
            max_bytes=max_bytes,
            with_pieces=format is AnswerFormat.GEOJSON,
            client_gone=request.is_disconnected,
            as_of=as_of,
            zip_limits=settings.limits.zip_limits(),
            limits=settings.limits.proposal_limits(),
        )
        done = await until_client_leaves(request.receive, work)
    except ClientGone:  # left while the check waited for a slot: nobody reads the answer
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    checked = done.checked
    if done.pieces is not None:
        return geojson_response(
            (
                feature(
                    p.geometry_json,
                    {
                        "layer": p.layer,
                        "code": p.code,
                        "label": p.label,
                        "overlap_ha": p.overlap_ha,
                    },
                )
                for p in done.pieces
            ),
            "proposal-conflicts",
            area_ha=checked.report.area_ha,
            # The proposal itself in CRS84, whatever format it came in, for a map to draw.
            proposal=checked.geometry_geojson(),
        )
    # Serialised here: FastAPI would validate the model it was just built from, then serialise
    # it (0.2-0.8 ms of CPU per check in alternating runs, bench/README.md).
    return Response(checked.report.model_dump_json(by_alias=True), media_type="application/json")


@router.post(
    "/analysis/boundary",
    response_model=UploadedBoundary,
    summary="Read a boundary file into one CRS84 geometry",
    openapi_extra=CHECK_BODY,
    responses=problem_responses(400, 413, 415, 422),
)
async def read_boundary_file(
    request: Request, settings: SettingsDep, crs: CrsQuery = None, province: ProvinceQuery = None
) -> UploadedBoundary:
    """Read an uploaded boundary the way `/analysis/check` does and return it as a Feature.

    Send GeoJSON, a zipped Shapefile with .prj, a GeoPackage, KML, a VN-2000 coordinate table
    (CSV, XLSX) or a drawing (DXF, DGN v7), in WGS 84 or VN-2000. The answer's geometry is the
    union of the file's polygons in CRS84 (lon, lat), ready to send as the new boundary of a
    site; `table` in its properties names the columns read from a coordinate table. A table or
    drawing states no CRS: send `crs`, or `province` for its TM-3 zone. Nothing is stored.
    """
    max_bytes = int(settings.limits.upload_max_mb * 1_000_000)
    received = await receive_upload(request, max_bytes)
    return await proposal_check.read_upload(
        received.data,
        received.file_name,
        crs=received.crs(crs, province),
        max_bytes=max_bytes,
        zip_limits=settings.limits.zip_limits(),
    )


@router.get(
    "/analysis/nearby",
    response_model=NearbyResult,
    summary="Sites and reference features near a site or a point",
    responses=problem_responses(400, 404),
)
def nearby(
    session: AnalysisSessionDep,
    as_of: AsOfDep,
    distance_m: Annotated[float, Query(gt=0, le=50_000, description="Radius in metres.")],
    site: Annotated[str | None, Query(description="Site code to search around.")] = None,
    lon: Annotated[float | None, Query(ge=102.1, le=109.5)] = None,
    lat: Annotated[float | None, Query(ge=8.3, le=23.4)] = None,
) -> NearbyResult:
    """Return features within `distance_m` metres of a site or a point, nearest first.

    Sites, protected areas, commune points and forest parcels; give `site=` or `lon=`+`lat=`.
    `as_of` answers on the registry as it was recorded then.
    """
    if (site is None) == (lon is None or lat is None):
        raise InvalidParameter("site", "give either site= or both lon= and lat=")
    return reports.nearby_features(
        session, site_code=site, lon=lon, lat=lat, distance_m=distance_m, as_of=as_of
    )
