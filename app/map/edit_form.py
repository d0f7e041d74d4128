"""The site page's edit form: which writable properties a site of each kind shows, and how.

Names are those of ``app.services.write_specs.SiteProperties``; the browser (``edit.js``)
fills the inputs from the site as read and sends back only what changed. Labels are
translation keys; a select's options are enum values labelled ``<group>.<value>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.models.enums import GeometrySource, LicenceStatus, SiteKind, SiteStatus, WastewaterStatus

InputType = Literal["text", "number", "integer", "date", "select", "bool", "list", "textarea"]
ZONE_KINDS = (SiteKind.INDUSTRIAL_ZONE, SiteKind.INDUSTRIAL_CLUSTER)


@dataclass(frozen=True)
class FormField:
    """One input of the edit form: property name, label key, input type and select options."""

    name: str
    label: str
    type: InputType = "text"
    options: tuple[str, ...] = ()
    option_group: str = ""
    unit: str = ""


def _enum(name: str, label: str, values: tuple[str, ...], group: str) -> FormField:
    return FormField(name, label, "select", values, group)


COMMON = (
    FormField("name", "fact.name"),
    _enum("status", "fact.status", tuple(SiteStatus), "status"),
    FormField("managing_agency", "fact.managing_agency"),
    FormField("planned_area_ha", "fact.planned_area", "number", unit="ha"),
    FormField("communes", "fact.communes", "list"),
    _enum("geometry_source", "fact.geometry_source", tuple(GeometrySource), "source"),
    FormField("provenance", "fact.provenance", "textarea"),
    FormField("source_quality", "fact.source_quality"),
    FormField("qa_flags", "fact.qa_flags", "textarea"),
)
ZONE = (
    FormField("occupancy_rate_pct", "fact.occupancy", "number", unit="%"),
    _enum("wastewater_status", "fact.wastewater", tuple(WastewaterStatus), "wastewater"),
    FormField("eco_industrial_programme", "fact.eco", "bool"),
)
MINE = (
    FormField("mineral", "fact.mineral"),
    FormField("licence_number", "fact.licence_number"),
    _enum("licence_status", "fact.licence_status", tuple(LicenceStatus), "licence"),
    FormField("licensed_capacity", "fact.capacity"),
    FormField("offtake_contract", "fact.offtake", "bool"),
    FormField("offtake_contract_ref", "fact.offtake_ref"),
    FormField("rehabilitation_deposit_bn_vnd", "fact.deposit", "number"),
)
RELOCATION = (
    FormField("moved_from_code", "fact.moved_from"),
    FormField("moved_to_code", "fact.moved_to"),
    FormField("households_planned", "fact.households_planned", "integer"),
    FormField("households_relocated", "fact.households_relocated", "integer"),
    FormField("deadline", "fact.deadline", "date"),
)


def fields(kind: str) -> tuple[FormField, ...]:
    """Return the inputs of the edit form of a site of ``kind``: common ones, then its own."""
    if kind in ZONE_KINDS:
        return COMMON + ZONE
    if kind == SiteKind.MINING_SITE:
        return COMMON + MINE
    if kind == SiteKind.RELOCATION_AREA:
        return COMMON + RELOCATION
    return COMMON
