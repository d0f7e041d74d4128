"""Responses of the analysis questions: forest overlap, clearance, plan overlaps, checks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

AreaMethod = Literal["geodesic", "vn2000"]


class AnswerFormat(StrEnum):
    """How an analysis answer is encoded: ``format=`` over HTTP, ``--format`` in the CLI.

    These are response encodings of one answer; the vector *file* formats of uploads and
    downloads are :class:`spatial.io.formats.FileFormat`.
    """

    JSON = "json"
    CSV = "csv"
    GEOJSON = "geojson"


class ReportFormat(StrEnum):
    """The file a proposal check is filed as: ``format=`` of ``/analysis/check/report``."""

    PDF = "pdf"
    CSV = "csv"


class CheckReportRow(BaseModel):
    """One line of a filed proposal check as CSV: a finding, a fact or a VN-2000 vertex."""

    section: str = Field(examples=["forest", "vertex"])
    code: str
    label: str
    value: float | str | None = None
    unit: str = ""
    x_north_m: float | None = Field(None, description="VN-2000 TM-3 northing of a vertex.")
    y_east_m: float | None = Field(None, description="VN-2000 TM-3 easting of a vertex.")


class ForestDatasetRead(BaseModel):
    """A forest dataset the answer was computed from."""

    dataset: str
    synthetic: bool = Field(description="True: generated demo data, not real forest land.")


class CategoryOverlap(BaseModel):
    """Hectares on one forest category and origin."""

    category: str = Field(examples=["protection"])
    origin: str = Field(examples=["natural"])
    overlap_ha: float
    share_pct: float = Field(description="Overlap as % of the site's (or proposal's) area.")
    parcels: int


class ProtectedNearby(BaseModel):
    """A protected area known only by its point, inside or near a proposal: extent unknown."""

    code: str
    name: str
    distance_m: float = Field(description="Metres from the proposal to the point (0: inside).")
    contains: bool = Field(description="True when the proposal contains the area's point.")
    caveat: str = Field(
        description="Why this is reported: the area's true extent is not in the registry, so "
        "its overlap is unknown, not none."
    )


class ProtectedOverlap(BaseModel):
    """Hectares inside one protected area."""

    code: str
    name: str
    overlap_ha: float
    outline_indicative: bool = Field(
        description="True when the area's outline is only a bounding box or locator."
    )


class ForestTotals(BaseModel):
    """Forest hectares by category and origin, and in total."""

    special_use_ha: float = 0.0
    protection_ha: float = 0.0
    production_ha: float = 0.0
    natural_ha: float = 0.0
    planted_ha: float = 0.0
    forest_total_ha: float = 0.0


class RecordedAsOf(BaseModel):
    """The recorded time an answer reads the registry at (``as_of``)."""

    recorded_as_of: datetime | None = Field(
        default=None, description="The registry as recorded at this time (as_of); null: now."
    )


class SiteForestOverlap(RecordedAsOf, ForestTotals):
    """Forest land and protected areas inside one site."""

    site_code: str
    site_name: str
    kind: str
    communes: list[str]
    area_method: AreaMethod
    site_area_ha: float
    forest_share_pct: float
    by_category: list[CategoryOverlap]
    protected_areas: list[ProtectedOverlap]
    forest_datasets: list[ForestDatasetRead]
    notes: list[str]


class GroupForestOverlap(ForestTotals):
    """Forest totals of a group of sites (a kind or a commune list)."""

    group: str
    sites: int
    site_area_ha: float
    forest_share_pct: float


class ForestOverlapRow(ForestTotals):
    """One site in the province-wide report."""

    site_code: str
    site_name: str
    kind: str
    communes: str
    site_area_ha: float
    forest_share_pct: float
    protected_ha: float


class MisplacedSiteRead(BaseModel):
    """A site whose outline is outside its stated province or Vietnam: left out of totals."""

    code: str
    name: str
    province: str = Field(description="The province the site states.")
    area_ha: float = Field(description="Geodesic area of the outline (WGS 84, ha).")
    place: Literal["outside_vietnam", "outside_province"]


class ForestOverlapReport(RecordedAsOf):
    """Province-wide forest report: per site, per kind, per commune (as recorded on sites)."""

    area_method: AreaMethod
    sites: list[ForestOverlapRow]
    by_kind: list[GroupForestOverlap]
    by_commune: list[GroupForestOverlap]
    totals: GroupForestOverlap
    forest_datasets: list[ForestDatasetRead]
    notes: list[str]
    left_out: list[MisplacedSiteRead] = Field(
        default_factory=list,
        description="Sites whose outline lies outside their province or Vietnam: not in "
        "by_kind and totals until the outline is corrected (still listed per site).",
    )


class SiteClearance(BaseModel):
    """Clearance hectares of one site by status on the report date."""

    site_code: str
    site_name: str
    kind: str
    planned_area_ha: float | None
    not_started_ha: float = 0.0
    compensating_ha: float = 0.0
    cleared_ha: float = 0.0
    handed_over_ha: float = 0.0
    clean_land_ha: float = Field(0.0, description="cleared + handed over (mặt bằng sạch).")
    parcels: int = 0
    clean_land_pct_of_planned: float | None = None
    handed_over_pct_of_planned: float | None = None


class TargetProgress(BaseModel):
    """A plan target against the registry's figure."""

    code: str
    title_vi: str
    legal_source: str
    target_value: float
    unit: str
    deadline: date
    achieved: float
    progress_pct: float


class ClearanceReport(BaseModel):
    """Site clearance (giải phóng mặt bằng) as of a date, with the province target."""

    as_of: date
    sites: list[SiteClearance]
    totals: SiteClearance
    target: TargetProgress | None
    notes: list[str]


class PlanOverlapRead(BaseModel):
    """Two registered sites sharing ground."""

    site_a: str
    site_b: str
    kind_a: str
    kind_b: str
    overlap_ha: float
    share_a_pct: float | None
    share_b_pct: float | None
    related: bool = Field(description="True when a recorded link explains the overlap.")
    relation: str | None = Field(
        default=None,
        description="What explains the overlap: 'phase' or 'part' (one site is recorded as a "
        "phase or part of the other), 'relocation' (a relocation record links them), "
        "'same_destination' (two relocation areas moving to one site); null: a conflict.",
    )
    finding: str = Field(
        default="conflict",
        description="'conflict' (two plans claim the same ground), 'explained' (a link says "
        "why; not a conflict, and totals count the ground once) or 'location_uncertain' (one "
        "outline is only placed at a point, a commune, a district or a placeholder: where it "
        "really lies is not known, so neither is the overlap).",
    )


class BoundaryCrossingRead(BaseModel):
    """A site split across several provinces or former districts."""

    site_code: str
    level: str
    units: list[str]
    unit_ha: list[float]


class PlanOverlapReport(RecordedAsOf):
    """Overlapping plans and sites that cross administrative boundaries."""

    overlaps: list[PlanOverlapRead]
    crossings: list[BoundaryCrossingRead]
    notes: list[str]


class SiteHit(BaseModel):
    """A registered site a proposal overlaps."""

    code: str
    name: str
    kind: str
    overlap_ha: float
    share_of_site_pct: float
    share_of_proposal_pct: float
    location_confidence: str = Field(
        default="unknown",
        description="How the site's outline is located: surveyed, digitized, site_point, "
        "commune, district or unknown.",
    )
    finding: str = Field(
        default="conflict",
        description="'conflict', or 'location_uncertain' when the site's outline is only "
        "placed (not surveyed or digitized): the overlap is a guess, not a finding.",
    )


class UnitHit(BaseModel):
    """An administrative unit a proposal touches."""

    code: str
    name: str
    overlap_ha: float


class ProposalForest(ForestTotals):
    """Forest land a proposal would take."""

    share_pct: float
    by_category: list[CategoryOverlap]


class CoordinateTableRead(BaseModel):
    """How an uploaded coordinate table was read: the columns found, for a person to confirm."""

    header_row: int = Field(description="1-based row of the column headings in the file.")
    x_north: str = Field(description="Heading of the X column, read as northing (m).")
    y_east: str = Field(description="Heading of the Y column, read as easting (m).")
    point: str | None = Field(description="Heading of the point number column, if any.")
    parcel: str | None = Field(description="Heading of the parcel (thửa) column, if any.")
    ring: str | None = Field(description="Heading of the ring column (0 = outline), if any.")
    points: int = Field(description="Coordinate rows read.")
    parcels: list[str] = Field(description="Parcels in the order the table lists them.")


class ProposalCheck(RecordedAsOf):
    """What a proposed boundary would take. Nothing is stored."""

    file_name: str
    source_crs: str = Field(examples=["EPSG:9208"])
    crs_from: str = Field(examples=["file", "parameter", "default (RFC 7946)"])
    features: int
    area_ha: float = Field(description="Geodesic hectares on the WGS 84 ellipsoid.")
    area_vn2000_ha: float | None = Field(description="Planar hectares in the VN-2000 TM-3 zone.")
    vn2000_zone: str | None = Field(examples=["EPSG:9208"])
    province: str | None
    forest: ProposalForest
    protected_areas: list[ProtectedOverlap]
    protected_areas_extent_unknown: list[ProtectedNearby] = Field(
        default_factory=list,
        description="Protected areas known only by a point that the proposal contains or that "
        "lie near it: reported with the caveat that their extent is unknown.",
    )
    sites: list[SiteHit]
    provinces: list[UnitHit]
    districts: list[UnitHit]
    forest_datasets: list[ForestDatasetRead]
    notes: list[str]
    table: CoordinateTableRead | None = Field(
        default=None, description="For a coordinate table (CSV, XLSX): the columns read."
    )


class NearbyFeatureRead(BaseModel):
    """A feature within the search distance."""

    layer: str
    code: str
    name: str
    kind: str | None
    distance_m: float


class NearbyResult(RecordedAsOf):
    """Features near a site or a point, nearest first."""

    origin: str
    distance_m: float
    features: list[NearbyFeatureRead]


class UploadedBoundaryFacts(BaseModel):
    """Where an uploaded boundary came from: file, source CRS and number of features."""

    file_name: str
    source_crs: str = Field(examples=["EPSG:9208"])
    crs_from: str = Field(examples=["file", "parameter", "default (RFC 7946)"])
    features: int
    table: CoordinateTableRead | None = Field(
        default=None, description="For a coordinate table (CSV, XLSX): the columns read."
    )


class UploadedBoundary(BaseModel):
    """An uploaded boundary as one GeoJSON Feature in CRS84, ready to send as a geometry."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] = Field(
        description="The union of the file's polygons, a (Multi)Polygon in CRS84 (lon, lat)."
    )
    properties: UploadedBoundaryFacts
