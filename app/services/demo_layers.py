"""The demo layers of ``data/geojson``: which file feeds which table, and how rows are built.

Most layers go through the importer (``sitereg import``) with a shipped mapping of
``data/mappings`` (:class:`Imported`); the others are built row by row here, for the reasons
``docs/data-quality.md`` gives ("How the demo is loaded").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiLineString, MultiPolygon
from shapely.geometry.base import BaseGeometry

from app import models
from app.models.enums import AdminLevel
from spatial.text import nfc
from spatial.validate import POLYGONAL

SiteIds = Mapping[str, int]
RowBuilder = Callable[[dict[str, Any], BaseGeometry, SiteIds], dict[str, Any]]


@dataclass(frozen=True)
class Imported:
    """How a demo layer goes through the importer: its layer, mapping, dataset and flags.

    ``dataset`` None means the file's features name their dataset (the forest's ``dataset``).
    """

    layer: str
    mapping: str
    dataset: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class Layer:
    """One demo file and how its features become rows of one table.

    A layer with ``imported`` goes through the importer; ``build_row`` serves the others.
    """

    name: str
    file_name: str
    table: sa.Table
    build_row: RowBuilder | None = None
    allowed_types: tuple[str, ...] = POLYGONAL
    imported: Imported | None = None


def table_of(model: type[models.Base]) -> sa.Table:
    """Return the Core table of an ORM class (typed as a Table, which it always is here)."""
    return cast(sa.Table, model.__table__)


def _multi(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    if geom.geom_type == "LineString":
        return MultiLineString([geom])
    return geom


def _geom(geom: BaseGeometry) -> Any:
    return from_shape(_multi(geom), srid=4326)


def _text(value: Any) -> str | None:
    return nfc(str(value)) if value not in (None, "") else None


def parse_date(value: Any) -> date | None:
    """Return a date from ISO text, or None for an empty value."""
    return date.fromisoformat(value) if value else None


def _provenance(props: dict[str, Any]) -> dict[str, Any]:
    return {"geometry_source": props["geometry_source"], "provenance": nfc(props["provenance"])}


# -- row builders, one per layer -----------------------------------------------------------
def _site_row(props: dict[str, Any], geom: BaseGeometry, site_ids: SiteIds) -> dict[str, Any]:
    legal = props.get("legal_basis") or {}
    return {
        "code": props["code"],
        "name": nfc(props["name"]),
        "kind": props["kind"],
        "status": props["status"],
        "province": nfc(props["province"]),
        "communes": [nfc(name) for name in props.get("communes") or []],
        "managing_agency": _text(props.get("managing_agency")),
        "legal_decision_number": _text(legal.get("decision_number")),
        "legal_decision_date": parse_date(legal.get("decision_date")),
        "legal_issuer": _text(legal.get("issuer")),
        "planned_area_ha": props.get("planned_area_ha"),
        "source_quality": _text(props.get("source_quality")),
        "qa_flags": _text(props.get("qa_flags")),
        "geom": _geom(geom),
        **_provenance(props),
    }


def _protected_row(props: dict[str, Any], geom: BaseGeometry, site_ids: SiteIds) -> dict[str, Any]:
    polygonal = geom.geom_type in POLYGONAL
    return {
        "code": props["code"],
        "name": nfc(props["name_vi"]),
        "designation": _text(props.get("designation")),
        "stated_area": _text(props.get("area_ha")),
        "legal_basis": _text(props.get("legal_basis")),
        "use_for_overlap_analysis": bool(props.get("use_for_overlap_analysis", False)),
        "licence": nfc(props["license"]),
        "geom": _geom(geom) if polygonal else None,
        "locator": from_shape(geom.representative_point() if polygonal else geom, srid=4326),
        **_provenance(props),
    }


def _admin_builder(level: AdminLevel, name_key: str, province_key: str | None) -> RowBuilder:
    def build(props: dict[str, Any], geom: BaseGeometry, site_ids: SiteIds) -> dict[str, Any]:
        polygonal = geom.geom_type in POLYGONAL
        return {
            "code": props["code"],
            "level": level.value,
            "name": nfc(props[name_key]),
            "province": _text(props.get(province_key)) if province_key else nfc(props[name_key]),
            "qa_flags": _text(props.get("qa_flags") or props.get("label_fix")),
            "licence": nfc(props["license"]),
            "geom": _geom(geom) if polygonal else None,
            "label_point": from_shape(
                geom.representative_point() if polygonal else geom, srid=4326
            ),
            **_provenance(props),
        }

    return build


LAYERS: tuple[Layer, ...] = (
    Layer(
        "provinces_2025",
        "provinces_2025.geojson",
        table_of(models.AdminUnit),
        _admin_builder(AdminLevel.PROVINCE_2025, "name", None),
        imported=Imported("admin_units", "provinces_2025_demo.yaml", "sitereg-demo-provinces-2025"),
    ),
    Layer(
        "provinces_pre2025",
        "provinces_pre2025.geojson",
        table_of(models.AdminUnit),
        _admin_builder(AdminLevel.PROVINCE_PRE2025, "name", None),
        imported=Imported(
            "admin_units", "provinces_pre2025_demo.yaml", "sitereg-demo-provinces-pre2025"
        ),
    ),
    Layer(
        "districts_pre2025",
        "districts_pre2025.geojson",
        table_of(models.AdminUnit),
        _admin_builder(AdminLevel.DISTRICT_PRE2025, "name_full", "prov_name"),
        imported=Imported(
            "admin_units", "districts_pre2025_demo.yaml", "sitereg-demo-districts-pre2025"
        ),
    ),
    Layer(
        "communes_2025",
        "communes_2025.geojson",
        table_of(models.AdminUnit),
        _admin_builder(AdminLevel.COMMUNE_2025, "commune", "province"),
        ("Point",),
    ),
    Layer(
        "protected_areas",
        "protected_areas.geojson",
        table_of(models.ProtectedArea),
        _protected_row,
        (*POLYGONAL, "Point"),
    ),
    Layer(
        "forest_synthetic",
        "forest_synthetic.geojson",
        table_of(models.ForestParcel),
        imported=Imported("forest", "forest_demo.yaml", synthetic=True),
    ),
    Layer("sites", "sites.geojson", table_of(models.Site), _site_row),
    Layer(
        "infrastructure",
        "infrastructure.geojson",
        table_of(models.Infrastructure),
        imported=Imported(
            "infrastructure", "infrastructure_demo.yaml", "sitereg-demo-infrastructure"
        ),
    ),
    Layer(
        "clearance_parcels",
        "clearance_parcels.geojson",
        table_of(models.ClearanceParcel),
        imported=Imported(
            "clearance_parcels", "clearance_demo.yaml", "synthetic-demo-clearance-parcels"
        ),
    ),
)
