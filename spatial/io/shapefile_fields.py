"""Shapefile field names: the documented mapping to the dBASE 10-character limit.

Every long property name sitereg publishes has a fixed, readable abbreviation here (the table
is reproduced in ``docs/interoperability.md`` and in the README.txt inside every zip). A name
that is not in the table is cut to 10 characters, and a numeric suffix resolves collisions.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_FIELD_NAME = 10
MAX_TEXT_BYTES = 254

ABBREVIATIONS: dict[str, str] = {
    "part_of_code": "part_of",
    "part_relation": "part_rel",
    "area_difference_pct": "area_dpct",
    "capital_enterprise_bn_vnd": "capen_bvnd",
    "capital_state_budget_bn_vnd": "capst_bvnd",
    "compensation_vnd": "comp_vnd",
    "designation": "designat",
    "eco_industrial_programme": "eco_prog",
    "established_basis": "estab_bas",
    "established_before": "estab_by",
    "established_on": "estab_on",
    "geometry_source": "geom_src",
    "households_planned": "hh_plan",
    "households_relocated": "hh_moved",
    "legal_basis": "legal_bas",
    "legal_decision_date": "legal_date",
    "legal_decision_id": "legal_id",
    "legal_decision_number": "legal_no",
    "legal_issuer": "legal_iss",
    "licence_number": "lic_no",
    "licence_status": "lic_status",
    "licensed_capacity": "lic_cap",
    "location_confidence": "loc_conf",
    "managing_agency": "mgmt_agncy",
    "moved_from_code": "from_code",
    "moved_to_code": "to_code",
    "occupancy_rate_pct": "occup_pct",
    "offtake_contract": "offtake",
    "offtake_contract_ref": "offtake_rf",
    "owner_id_number": "owner_id",
    "planned_area_ha": "plan_ha",
    "rehabilitation_deposit_bn_vnd": "rehab_bvnd",
    "source_quality": "src_qual",
    "stated_area": "stated_ar",
    "stated_length_km": "length_km",
    "status_date": "stat_date",
    "use_for_overlap_analysis": "overlap_ok",
    "wastewater_status": "wastewater",
}


def field_names(names: Iterable[str]) -> dict[str, str]:
    """Return ``{property name: shapefile field name}``, unique and at most 10 characters."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        short = ABBREVIATIONS.get(name, name)[:MAX_FIELD_NAME]
        candidate, counter = short, 1
        while candidate.lower() in used:
            suffix = str(counter)
            candidate = short[: MAX_FIELD_NAME - len(suffix)] + suffix
            counter += 1
        used.add(candidate.lower())
        mapping[name] = candidate
    return mapping


def fit_text(value: str) -> str:
    """Cut a text to the 254 bytes a dBASE field holds, never inside a UTF-8 character."""
    encoded = value.encode("utf-8")
    if len(encoded) <= MAX_TEXT_BYTES:
        return value
    return encoded[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")
