"""Site responses as RFC 7946 GeoJSON Features and FeatureCollections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.models.enums import (
    GeometrySource,
    LicenceStatus,
    SiteKind,
    SiteStatus,
    WastewaterStatus,
)
from app.schemas.analysis import SiteClearance, SiteForestOverlap


class SiteSummary(BaseModel):
    """Properties of a site in a list."""

    code: str = Field(examples=["KCN-TANG-LOONG"])
    name: str = Field(examples=["KCN Tằng Loỏng"])
    kind: SiteKind
    status: SiteStatus
    province: str = Field(examples=["Lào Cai"])
    communes: list[str] = Field(examples=[["Xã Tằng Loỏng"]])
    planned_area_ha: float | None = Field(description="Legal area from the founding decision.")
    area_ha: float = Field(description="Geodesic area of the stored geometry (WGS 84 ellipsoid).")
    area_difference_pct: float | None = Field(
        description="(area_ha − planned_area_ha) / planned_area_ha × 100."
    )
    geometry_source: GeometrySource
    version: int


class SiteProperties(SiteSummary):
    """Every fact of one site, flat, as the OGC item of collection ``sites`` publishes them.

    The details of the other kinds are null: zone facts for KCN/CCN, mining facts for mines,
    relocation facts for relocation areas.
    """

    managing_agency: str | None
    legal_decision_number: str | None = Field(examples=["298/QĐ-UBND"])
    legal_decision_date: date | None = Field(examples=["2025-02-20"])
    legal_issuer: str | None = Field(examples=["UBND tỉnh Lào Cai"])
    legal_decision_id: int | None = Field(
        default=None, description="The legal basis decision: `/api/v1/decisions/{id}`."
    )
    established_on: date | None = Field(
        default=None, description="Date of the establishment decision, when known."
    )
    established_before: date | None = Field(
        default=None,
        description="A date the site is known to have been established by, when the exact "
        "date is not known.",
    )
    established_basis: str | None = Field(
        default=None, description="The document that says when the site was established."
    )
    provenance: str
    location_confidence: str | None = Field(
        default=None,
        description="How the outline's location is known: surveyed, digitized, site_point, "
        "commune, district or unknown.",
    )
    source_quality: str | None
    qa_flags: str | None
    created_at: datetime
    updated_at: datetime
    occupancy_rate_pct: float | None = None
    wastewater_status: WastewaterStatus | None = None
    eco_industrial_programme: bool | None = None
    mineral: str | None = None
    licence_number: str | None = None
    licence_status: LicenceStatus | None = None
    licensed_capacity: str | None = None
    offtake_contract: bool | None = None
    offtake_contract_ref: str | None = None
    rehabilitation_deposit_bn_vnd: float | None = None
    moved_from_code: str | None = None
    moved_to_code: str | None = None
    households_planned: int | None = None
    households_relocated: int | None = None
    deadline: date | None = None


class SiteFeature(BaseModel):
    """One site as a GeoJSON Feature (lon/lat, counter-clockwise exterior rings)."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: SiteProperties


class SiteSummaryFeature(BaseModel):
    """A site in a FeatureCollection."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: SiteSummary


class Link(BaseModel):
    """A hypermedia link."""

    href: str
    rel: str
    type: str = "application/geo+json"
    title: str | None = None


class SiteFeatureCollection(BaseModel):
    """A page of sites as a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SiteSummaryFeature]
    numberMatched: int  # noqa: N815 (OGC API member name)
    numberReturned: int  # noqa: N815 (OGC API member name)
    links: list[Link]


class SiteFacts(BaseModel):
    """What the API says about one site, as the site page shows it."""

    site: SiteFeature
    forest: SiteForestOverlap
    clearance: SiteClearance | None
    as_of: datetime | None = Field(
        default=None, description="The registry as recorded at this time; null: now."
    )
