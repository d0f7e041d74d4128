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


class LegalBasis(BaseModel):
    """The founding decision of a site."""

    decision_number: str | None = Field(examples=["298/QĐ-UBND"])
    decision_date: date | None = Field(examples=["2025-02-20"])
    issuer: str | None = Field(examples=["UBND tỉnh Lào Cai"])


class ZoneDetailsRead(BaseModel):
    """Industrial zone / cluster facts."""

    occupancy_rate_pct: float | None
    wastewater_status: WastewaterStatus | None
    eco_industrial_programme: bool


class MiningDetailsRead(BaseModel):
    """Mining site facts."""

    mineral: str
    licence_number: str | None
    licence_status: LicenceStatus
    licensed_capacity: str | None
    offtake_contract: bool
    offtake_contract_ref: str | None
    rehabilitation_deposit_bn_vnd: float | None


class RelocationDetailsRead(BaseModel):
    """Relocation facts: codes of the sites moved from and to, households, deadline."""

    moved_from_code: str | None
    moved_to_code: str | None
    households_planned: int | None
    households_relocated: int | None
    deadline: date | None


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
    """Every fact of one site."""

    managing_agency: str | None
    legal_basis: LegalBasis
    provenance: str
    source_quality: str | None
    qa_flags: str | None
    zone_details: ZoneDetailsRead | None = None
    mining_details: MiningDetailsRead | None = None
    relocation_details: RelocationDetailsRead | None = None
    created_at: datetime
    updated_at: datetime


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
