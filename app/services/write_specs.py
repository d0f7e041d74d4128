"""What each editable collection accepts: its properties (typed), its table and its scope.

One :class:`WriteSpec` per layer that agencies keep: sites (and the kind collections, which fix
the kind), clearance parcels, infrastructure, forest land and protected areas. Properties are
pydantic models that forbid unknown names, so a misspelt property is a 400 naming it; the
properties a client read but may not write (computed areas, versions, timestamps, the founding
decision's copied number) are dropped before validation, because QGIS sends every property of
the feature back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app import models
from app.models.enums import (
    ClearanceStatus,
    ForestCategory,
    ForestOrigin,
    GeometrySource,
    InfrastructureKind,
    InfrastructureStatus,
    LicenceStatus,
    SiteKind,
    SiteStatus,
    WastewaterStatus,
)
from spatial.crs import PROVINCE_ZONES

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


def _known_province(name: str) -> str:
    if name not in PROVINCE_ZONES:
        raise ValueError(f"unknown province; one of: {', '.join(sorted(PROVINCE_ZONES))}")
    return name


Province = Annotated[str, AfterValidator(_known_province)]
NonNegative = Annotated[float, Field(ge=0)]
Households = Annotated[int, Field(ge=0, le=1_000_000)]

READ_ONLY = frozenset(
    {
        "area_ha",
        "area_difference_pct",
        "version",
        "created_at",
        "updated_at",
        "recorded_from",
        "legal_decision_number",
        "legal_decision_date",
        "legal_issuer",
    }
)
"""Properties a feature shows but a write never sets; ``version`` is read as the precondition."""


class FeatureIn(BaseModel):
    """A GeoJSON Feature as a write sends it; other members (``id``, ``links``) are ignored."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class ChangeFields(BaseModel):
    """The change's own reasons: the legal decision it follows and a free-text reason."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    change_decision_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    change_reason: Text | None = None


class SiteProperties(ChangeFields):
    """A site's writable properties, with the details of every kind (null where not its kind)."""

    code: Code
    name: Text
    kind: SiteKind
    status: SiteStatus
    province: Province
    communes: list[Text] = Field(default_factory=list, max_length=64)
    managing_agency: Text | None = None
    legal_decision_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    planned_area_ha: Annotated[float, Field(gt=0, lt=1_000_000)] | None = None
    geometry_source: GeometrySource
    provenance: Text
    source_quality: Text | None = None
    qa_flags: Text | None = None
    part_of_code: Code | None = None
    part_relation: Literal["phase", "part"] | None = None
    # When the site was established: the decision's date, or a date it is known to predate,
    # with the document that says so (seeded from data/curated/site_establishment.csv).
    established_on: date | None = None
    established_before: date | None = None
    established_basis: Text | None = None
    # How the outline's location is known: follows geometry_source for surveyed and digitized
    # outlines; for indicative ones how they were placed. Null keeps the stored value.
    location_confidence: (
        Literal["surveyed", "digitized", "site_point", "commune", "district", "unknown"] | None
    ) = None
    occupancy_rate_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    wastewater_status: WastewaterStatus | None = None
    eco_industrial_programme: bool | None = None
    mineral: Text | None = None
    licence_number: Text | None = None
    licence_status: LicenceStatus | None = None
    licensed_capacity: Text | None = None
    offtake_contract: bool | None = None
    offtake_contract_ref: Text | None = None
    rehabilitation_deposit_bn_vnd: NonNegative | None = None
    moved_from_code: Code | None = None
    moved_to_code: Code | None = None
    households_planned: Households | None = None
    households_relocated: Households | None = None
    deadline: date | None = None


class ParcelProperties(ChangeFields):
    """A clearance parcel: the site it belongs to, its status and the date of that status."""

    code: Code
    site_code: Code
    status: ClearanceStatus
    status_date: date
    synthetic: bool = False
    geometry_source: GeometrySource
    provenance: Text
    # Personal data (Decree 13/2023/NĐ-CP): written by the agency, read by signed-in users only.
    owner_name: Text | None = None
    owner_id_number: Annotated[str, StringConstraints(max_length=32)] | None = None
    compensation_vnd: Annotated[int, Field(ge=0, le=10**17)] | None = None


class InfrastructureProperties(ChangeFields):
    """A road, technical network or wastewater plant, tied to a site or not."""

    code: Code
    site_code: Code | None = None
    name: Text
    kind: InfrastructureKind
    status: InfrastructureStatus
    stated_length_km: NonNegative | None = None
    capital_state_budget_bn_vnd: NonNegative | None = None
    capital_enterprise_bn_vnd: NonNegative | None = None
    legal_basis: Text | None = None
    note: Text | None = None
    geometry_source: GeometrySource
    provenance: Text


class ForestProperties(ChangeFields):
    """A forest-land parcel of a forest inventory dataset."""

    code: Code
    category: ForestCategory
    origin: ForestOrigin
    dataset: Text
    synthetic: bool = False
    licence: Text
    geometry_source: GeometrySource
    provenance: Text


class ProtectedAreaProperties(ChangeFields):
    """A national park or nature reserve: an outline, or only a locator point."""

    code: Code
    name: Text
    designation: Text | None = None
    stated_area: Text | None = None
    legal_basis: Text | None = None
    use_for_overlap_analysis: bool = False
    licence: Text
    geometry_source: GeometrySource
    provenance: Text


@dataclass(frozen=True)
class WriteSpec:
    """How one collection is written: its layer (scope), table, properties and geometry."""

    collection_id: str
    layer: str
    table: Any  # an ORM model's Table
    properties: type[ChangeFields]
    geometry_types: tuple[str, ...]
    kind: SiteKind | None = None
    geometry_column: str = "geom"
    # A protected area may be known only by a locator point (``locator``), never an outline.
    point_column: str | None = None


POLYGONS = ("Polygon", "MultiPolygon")
SITE_KIND_COLLECTIONS = {
    "industrial_zones": SiteKind.INDUSTRIAL_ZONE,
    "industrial_clusters": SiteKind.INDUSTRIAL_CLUSTER,
    "mining_sites": SiteKind.MINING_SITE,
    "relocation_areas": SiteKind.RELOCATION_AREA,
}


def _specs() -> dict[str, WriteSpec]:
    sites = models.Site.__table__
    specs = [
        WriteSpec("sites", "sites", sites, SiteProperties, POLYGONS),
        *(
            WriteSpec(cid, "sites", sites, SiteProperties, POLYGONS, kind=kind)
            for cid, kind in SITE_KIND_COLLECTIONS.items()
        ),
        WriteSpec(
            "clearance_parcels",
            "clearance_parcels",
            models.ClearanceParcel.__table__,
            ParcelProperties,
            POLYGONS,
        ),
        WriteSpec(
            "infrastructure",
            "infrastructure",
            models.Infrastructure.__table__,
            InfrastructureProperties,
            ("LineString", "MultiLineString", *POLYGONS),
        ),
        WriteSpec("forest", "forest", models.ForestParcel.__table__, ForestProperties, POLYGONS),
        WriteSpec(
            "protected_areas",
            "protected_areas",
            models.ProtectedArea.__table__,
            ProtectedAreaProperties,
            (*POLYGONS, "Point"),
            point_column="locator",
        ),
    ]
    return {spec.collection_id: spec for spec in specs}


WRITE_SPECS: dict[str, WriteSpec] = _specs()


def writable_input(properties: dict[str, Any]) -> dict[str, Any]:
    """Return the properties a write validates: read-only ones dropped."""
    return {key: value for key, value in properties.items() if key not in READ_ONLY}
