"""Catalogue of the site collections: ``sites`` and its subsets by kind, with their details."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import models
from app.models.enums import (
    GeometrySource,
    LicenceStatus,
    SiteKind,
    SiteStatus,
    WastewaterStatus,
)
from app.ogc.catalog.types import DT, INT, A, B, Collection, D, N, Property, S, prop

sites = models.Site.__table__
zones = models.ZoneDetails.__table__
mines = models.MiningDetails.__table__
relocations = models.RelocationDetails.__table__
moved_from = sites.alias("moved_from")
moved_to = sites.alias("moved_to")
part_of = sites.alias("part_of")
GEOMETRY_SOURCE_TITLE = "Geometry source (surveyed / digitized / indicative)"


def provenance(table: Any) -> tuple[Property, ...]:
    """Return the ``geometry_source`` and ``provenance`` properties every layer has."""
    return (
        prop("geometry_source", table.c.geometry_source, S, GEOMETRY_SOURCE_TITLE, GeometrySource),
        prop("provenance", table.c.provenance, S, "Provenance of the geometry and facts"),
    )


def _area_difference_pct() -> Any:
    """Return how far the geodesic area is from the legal planned area, in % to 2 decimals."""
    planned = sa.func.nullif(sites.c.planned_area_ha, 0)
    ratio = (sa.func.area_ha(sites.c.geom) - planned) / planned * 100
    return sa.cast(sa.func.round(sa.cast(ratio, sa.Numeric), 2), sa.Float)


def _site_properties() -> tuple[Property, ...]:
    return (
        prop("code", sites.c.code, S, "Site code"),
        prop("name", sites.c.name, S, "Name (Vietnamese)"),
        prop("kind", sites.c.kind, S, "Kind", SiteKind),
        prop("status", sites.c.status, S, "Status", SiteStatus),
        prop("province", sites.c.province, S, "Province (2025)"),
        prop("communes", sites.c.communes, A, "Communes / wards (2025)"),
        prop("managing_agency", sites.c.managing_agency, S, "Managing agency"),
        prop(
            "legal_decision_number",
            sites.c.legal_decision_number,
            S,
            "Legal basis: decision number (the latest, e.g. a plan adjustment)",
        ),
        prop("legal_decision_date", sites.c.legal_decision_date, D, "Legal basis: decision date"),
        prop("legal_issuer", sites.c.legal_issuer, S, "Issuer of the legal basis"),
        prop("established_on", sites.c.established_on, D, "Date of the establishment decision"),
        prop(
            "established_before",
            sites.c.established_before,
            D,
            "Known to be established by this date (exact date unknown)",
        ),
        prop("established_basis", sites.c.established_basis, S, "Document saying when"),
        prop(
            "legal_decision_id",
            sites.c.legal_decision_id,
            INT,
            "Id of the founding decision: /api/v1/decisions/{id}",
        ),
        prop("planned_area_ha", sites.c.planned_area_ha, N, "Legal planned area (ha)"),
        prop("area_ha", sa.func.area_ha(sites.c.geom), N, "Geodesic area, WGS 84 ellipsoid (ha)"),
        prop("area_difference_pct", _area_difference_pct(), N, "Geodesic vs planned area (%)"),
        *provenance(sites),
        prop("part_of_code", _part_of_code(), S, "Code of the site this one is a phase or part of"),
        prop("part_relation", sites.c.part_relation, S, "Phase or part (of part_of_code)"),
        prop(
            "location_confidence",
            sites.c.location_confidence,
            S,
            "How the location is known: surveyed, digitized, site_point, commune, district, "
            "unknown",
        ),
        prop("source_quality", sites.c.source_quality, S, "Source quality flag"),
        prop("qa_flags", sites.c.qa_flags, S, "Quality notes"),
        prop("version", sites.c.version, INT, "Registry version of the site"),
        prop("created_at", sites.c.created_at, DT, "First registered"),
        prop("updated_at", sites.c.updated_at, DT, "Last update in the registry"),
    )


def _zone_properties() -> tuple[Property, ...]:
    return (
        prop("occupancy_rate_pct", zones.c.occupancy_rate_pct, N, "Occupancy rate (%)"),
        prop(
            "wastewater_status",
            zones.c.wastewater_status,
            S,
            "Central wastewater treatment",
            WastewaterStatus,
        ),
        prop(
            "eco_industrial_programme",
            zones.c.eco_industrial_programme,
            B,
            "In the eco-industrial park programme",
        ),
    )


def _mine_properties() -> tuple[Property, ...]:
    return (
        prop("mineral", mines.c.mineral, S, "Mineral"),
        prop("licence_number", mines.c.licence_number, S, "Mining licence number"),
        prop("licence_status", mines.c.licence_status, S, "Licence status", LicenceStatus),
        prop("licensed_capacity", mines.c.licensed_capacity, S, "Licensed capacity"),
        prop("offtake_contract", mines.c.offtake_contract, B, "Has an offtake contract"),
        prop("offtake_contract_ref", mines.c.offtake_contract_ref, S, "Offtake contract reference"),
        prop(
            "rehabilitation_deposit_bn_vnd",
            mines.c.rehabilitation_deposit_bn_vnd,
            N,
            "Rehabilitation deposit (billion VND)",
        ),
    )


def _relocation_properties() -> tuple[Property, ...]:
    return (
        prop("moved_from_code", moved_from.c.code, S, "Code of the site moved from"),
        prop("moved_to_code", moved_to.c.code, S, "Code of the site moved to"),
        prop("households_planned", relocations.c.households_planned, INT, "Households planned"),
        prop(
            "households_relocated", relocations.c.households_relocated, INT, "Households relocated"
        ),
        prop("deadline", relocations.c.deadline, D, "Relocation deadline"),
    )


SITES_LICENCE = (
    "Lào Cai KCN/CCN outlines as published by Sở Công Thương Lào Cai (Trangsct/ccn-laocai; no "
    "licence stated). Sites without a published outline carry an indicative shape drawn by "
    "sitereg (geometry_source = indicative), never a survey."
)


def _sites_collection(
    cid: str, title: str, kind: SiteKind | None, extra: tuple[Property, ...], source: Any
) -> Collection:
    return Collection(
        id=cid,
        title=title,
        description=f"{title}: registered sites of Lào Cai and Lai Châu with their legal basis, "
        "planned and geodesic areas and provenance.",
        source=source,
        id_expr=sites.c.code,
        tile_id_expr=sites.c.id,
        geometry=sites.c.geom,
        geometry_type="MultiPolygon",
        properties=_site_properties() + extra,
        licence=SITES_LICENCE,
        where=(sites.c.kind == kind.value,) if kind else (),
        temporal="legal_decision_date",
        tile_properties=("code", "name", "kind", "status"),
        keywords=("KCN", "CCN", "industrial zone", "Lào Cai", "Lai Châu"),
        version_expr=sites.c.version,
    )


def _part_of_code() -> Any:
    """Return the code of the site this one is a phase or part of (a subquery per row).

    Not a join: one more join in every site query cost about 1 ms of planning per 10-feature
    page (bench/README.md, issue 15).
    """
    return (
        sa.select(part_of.c.code).where(part_of.c.id == sites.c.part_of_site_id).scalar_subquery()
    )


def _zones_source() -> Any:
    return sites.outerjoin(zones, zones.c.site_id == sites.c.id)


def _relocation_source(source: Any = None) -> Any:
    source = sites if source is None else source
    return (
        source.outerjoin(relocations, relocations.c.site_id == sites.c.id)
        .outerjoin(moved_from, moved_from.c.id == relocations.c.moved_from_site_id)
        .outerjoin(moved_to, moved_to.c.id == relocations.c.moved_to_site_id)
    )


def _all_details_source() -> Any:
    """Return every site joined to whichever details its kind has.

    All joins are on primary keys, so PostgreSQL drops those a query reads nothing from
    (tiles, counts).
    """
    with_zone = sites.outerjoin(zones, zones.c.site_id == sites.c.id)
    return _relocation_source(with_zone.outerjoin(mines, mines.c.site_id == sites.c.id))


def all_details() -> tuple[Property, ...]:
    """Return the details of every kind: zone, mining and relocation properties."""
    return _zone_properties() + _mine_properties() + _relocation_properties()


def site_collections() -> list[Collection]:
    """Return ``sites`` and its subsets by kind, each with its kind's details."""
    kinds = (
        ("industrial_zones", "Khu công nghiệp (KCN) — industrial zones", SiteKind.INDUSTRIAL_ZONE),
        (
            "industrial_clusters",
            "Cụm công nghiệp (CCN) — industrial clusters",
            SiteKind.INDUSTRIAL_CLUSTER,
        ),
    )
    return [
        _sites_collection(
            "sites",
            "Sites — KCN, CCN, mỏ, khu di dời",
            None,
            all_details(),
            _all_details_source(),
        ),
        *(
            _sites_collection(cid, title, kind, _zone_properties(), _zones_source())
            for cid, title, kind in kinds
        ),
        _sites_collection(
            "mining_sites",
            "Mỏ khoáng sản — mining sites",
            SiteKind.MINING_SITE,
            _mine_properties(),
            sites.outerjoin(mines, mines.c.site_id == sites.c.id),
        ),
        _sites_collection(
            "relocation_areas",
            "Khu di dời, tái định cư — relocation areas",
            SiteKind.RELOCATION_AREA,
            _relocation_properties(),
            _relocation_source(),
        ),
    ]
