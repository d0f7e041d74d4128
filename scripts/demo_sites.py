"""Assemble the demo sites: published outlines, indicative outlines and relocation areas.

Facts come from :mod:`demo_facts`; indicative geometry from :mod:`spatial.synthetic`. Every
geometry is EPSG:4326 (lon/lat) and unrounded; areas are geodesic on WGS 84.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from demo_facts import (
    AREA_NAMES_NOT_COMMUNES,
    CCN_AGENCY,
    COMMUNE_PREFIX_EXTRA,
    COMMUNES_FILE,
    DAM_HONG_POINT,
    DAM_HONG_RELOCATION,
    DEFAULT_LEGAL_BASIS,
    DEFAULT_PROVINCE,
    EXTRA_QA,
    INDICATIVE_AGENCY,
    INDICATIVE_FORMER_PROVINCE,
    INDICATIVE_SITES,
    KCN_AGENCY_BY_FORMER_PROVINCE,
    KH134_BASIS,
    LEGAL_BASIS,
    MINING_DETAILS,
    MINING_PROVENANCE,
    OCCUPANCY_PCT,
    POINTS_FILE,
    PROVINCE_OF_INDICATIVE,
    PUBLISHED_PROVENANCE,
    QD525,
    RAILWAY_HOUSEHOLDS_NOTE,
    RAILWAY_PROVENANCE,
    RAILWAY_QA,
    RAILWAY_RELOCATIONS,
    REF12,
    S2,
    STATUS_FROM_VI,
    STATUS_OVERRIDES,
    SURVEYED_QUALITIES,
    TANG_LOONG_ANCHOR,
    TANG_LOONG_RESETTLEMENT,
    WASTEWATER_STATUS,
    IndicativeSite,
    RailwayRelocation,
    RelocationArea,
)
from demo_geojson import Feature, Inputs, Site
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from spatial.synthetic import geodesic_area_ha, indicative_outline, place_adjacent
from spatial.text import nfc, slug_code

OUTLINE_VERTICES: Final = 24
"""Vertices of every indicative outline (a regular polygon)."""


# --- legal basis, communes, agencies ---------------------------------------------------------


def legal_basis(
    code: str, default: tuple[str, str | None, str, str] | None
) -> dict[str, Any] | None:
    """Return the legal_basis object for a site code (or the default), or None."""
    entry = LEGAL_BASIS.get(code, default)
    if entry is None:
        return None
    number, date, issuer, _source = entry
    return {"decision_number": number, "decision_date": date, "issuer": issuer}


def legal_source_note(code: str, default: tuple[str, str | None, str, str] | None) -> str:
    """Return a provenance clause naming where the legal basis was taken from."""
    if code in LEGAL_BASIS:
        return f"Legal basis {LEGAL_BASIS[code][0]} from {LEGAL_BASIS[code][3]}."
    if default is None:
        return "No legal instrument found in the sources."
    return f"Legal basis: the planning decision {default[0]} (no better instrument in the sources)."


def commune_list(text: str, prefixed: dict[str, str]) -> list[str]:
    """Split an SCT ``xa_phuong_2025`` value into 2025 unit names with their type prefix."""
    names: list[str] = []
    for raw in text.split(","):
        name = nfc(raw)
        for prefix in ("xã ", "phường "):
            if name.startswith(prefix):
                name = prefix.capitalize() + name[len(prefix) :]
        names.append(prefixed.get(name, name))
    return names


def prefix_table(boundaries: Iterable[Feature], points: Iterable[Feature]) -> dict[str, str]:
    """Map bare 2025 unit names to their prefixed form, from every prefixed name in the sources."""
    table = dict(COMMUNE_PREFIX_EXTRA)
    values = [f["properties"]["xa_phuong_2025"] for f in boundaries]
    values += [f["properties"]["commune_2025"].split("(")[0] for f in points]
    for value in values:
        for raw in value.split(","):
            name = nfc(raw)
            for prefix in ("Xã ", "Phường ", "xã ", "phường "):
                if name.startswith(prefix):
                    table[name[len(prefix) :]] = prefix.capitalize() + name[len(prefix) :]
    return table


def status_of_published(code: str, status_vi: str) -> tuple[str, str | None]:
    """Map the SCT ``status_vi`` to a status, with a note when the mapping is not literal."""
    if code in STATUS_OVERRIDES:
        return STATUS_OVERRIDES[code], f"status overridden from KH 134 (SCT status_vi: {status_vi})"
    if status_vi in STATUS_FROM_VI:
        return STATUS_FROM_VI[status_vi], None
    return "planned", (
        f"SCT status_vi '{status_vi}' mapped to planned: investment registration certificate "
        "issued, but not among the 07 established KCN listed in " + REF12
    )


def zone_details(code: str, kind: str) -> dict[str, Any] | None:
    """Return zone_details for a KCN/CCN (sourced values only, else null), or None."""
    if kind not in ("industrial_zone", "industrial_cluster"):
        return None
    return {
        "occupancy_rate_pct": OCCUPANCY_PCT.get(code),
        "wastewater_status": WASTEWATER_STATUS.get(code),
        "eco_industrial_programme": code == "KCN-TANG-LOONG",
    }


def details_note(code: str) -> str:
    """Return the provenance clause for zone details and the managing agency, if any."""
    notes: list[str] = []
    if code in OCCUPANCY_PCT:
        notes.append(f"occupancy_rate_pct as published in {S2} (not verified)")
    if code in WASTEWATER_STATUS:
        notes.append(f"wastewater_status from {S2} ('chưa có hệ thống xử lý nước thải tập trung')")
    if code in CCN_AGENCY:
        notes.append(f"managing_agency = the commune People's Committee named as investor in {S2}")
    if code.startswith("KCN-"):
        notes.append(f"managing_agency by former province per {REF12}")
    return ("; ".join(notes) + ".") if notes else ""


def former_province(geom: BaseGeometry, provinces_pre2025: Sequence[Feature]) -> str | None:
    """Return the GSO code of the pre-2025 province containing the geometry's centroid."""
    centre = geom.centroid
    for item in provinces_pre2025:
        if shape(item["geometry"]).contains(centre):
            return str(item["properties"]["prov_code_gso"])
    return None


def managing_agency(code: str, kind: str, former: str | None) -> str | None:
    """Return the managing agency of a published KCN/CCN where a source names it, else None."""
    if kind == "industrial_zone":
        return KCN_AGENCY_BY_FORMER_PROVINCE.get(former or "")
    return CCN_AGENCY.get(code)


# --- published outlines ----------------------------------------------------------------------


def published_site(
    item: Feature, prefixed: dict[str, str], provinces_pre2025: Sequence[Feature]
) -> Site:
    """Return (geometry, properties) of one site from the SCT boundary file."""
    props = item["properties"]
    geom = shape(item["geometry"])
    code = slug_code(props["name"])
    status, status_note = status_of_published(code, props["status_vi"])
    quality = props["geometry_quality"]
    flags = [props.get("qa_flags"), props.get("repair_note"), props.get("boundary_status_note")]
    flags.append(status_note)
    communes = commune_list(props["xa_phuong_2025"], prefixed)
    flags += [note for name, note in AREA_NAMES_NOT_COMMUNES.items() if name in communes]
    provenance = PUBLISHED_PROVENANCE.format(
        quality=quality,
        area_ha=geodesic_area_ha(geom),
        planned_area_ha=props["planned_area_ha"],
        legal_note=legal_source_note(code, DEFAULT_LEGAL_BASIS),
        details_note=details_note(code),
    ).strip()
    properties = {
        "code": code,
        "name": nfc(props["name"]),
        "kind": props["kind"],
        "status": status,
        "province": DEFAULT_PROVINCE,
        "communes": communes,
        "managing_agency": managing_agency(
            code, props["kind"], former_province(geom, provinces_pre2025)
        ),
        "legal_basis": legal_basis(code, DEFAULT_LEGAL_BASIS),
        "planned_area_ha": props["planned_area_ha"],
        "geometry_source": "surveyed" if quality in SURVEYED_QUALITIES else "digitized",
        "provenance": provenance,
        "source_quality": quality,
        "qa_flags": "; ".join(flag for flag in flags if flag) or None,
        "zone_details": zone_details(code, props["kind"]),
        "mining_details": None,
        "relocation_details": None,
    }
    return geom, properties


# --- indicative outlines ---------------------------------------------------------------------


def point_of(
    spec: IndicativeSite, points: dict[str, Feature], communes: dict[str, Feature]
) -> Feature:
    """Return the point feature an indicative site is drawn at."""
    if spec.point_id is not None:
        return points[spec.point_id]
    assert spec.commune_point is not None
    return communes[spec.commune_point]


def overlap_note(geom: BaseGeometry, published: Sequence[Site]) -> str | None:
    """Describe accidental overlaps of an indicative outline with published outlines."""
    hits = []
    for other, props in published:
        if geom.intersects(other):
            shared = geom.intersection(other)
            hits.append(f"{props['code']} ({geodesic_area_ha(shared):.2f} ha)")
    if not hits:
        return None
    return (
        "indicative outline overlaps published outline(s) "
        + ", ".join(hits)
        + "; not shifted: kept centred on the best-known point"
    )


def indicative_provenance(spec: IndicativeSite, point: Feature, confidence: str) -> str:
    """Return the provenance sentence(s) of an indicative site outline."""
    props = point["properties"]
    lon, lat = point["geometry"]["coordinates"]
    if spec.point_id is not None:
        where = (
            f"the {POINTS_FILE} point '{spec.point_id}' ({props['location_basis']}; "
            f"confidence {confidence}; sources: {props['sources']})"
        )
    else:
        where = (
            f"the 2025 commune point of xã {spec.commune_point} in {COMMUNES_FILE} "
            "(open-admin-data/"
            "vietnam-administrative-divisions @7e0e777, CC-BY-4.0; confidence very_low: only the "
            "commune is known)"
        )
    if spec.planned_area_ha is None:
        size = (
            f"a nominal {spec.drawn_area_ha:g} ha: the size is a PLACEHOLDER, no licence area or "
            "reserve outline is public"
        )
    else:
        size = f"the planned {spec.drawn_area_ha:g} ha"
    return (
        f"Indicative outline: regular {OUTLINE_VERTICES}-gon of {size}, centred on {where} at "
        f"{lon:.5f} E, {lat:.5f} N; no boundary published; not a survey."
    )


def indicative_site(
    spec: IndicativeSite,
    points: dict[str, Feature],
    communes: dict[str, Feature],
    published: Sequence[Site],
) -> Site:
    """Return (geometry, properties) of a site drawn at its best-known point."""
    point = point_of(spec, points, communes)
    lon, lat = point["geometry"]["coordinates"]
    confidence = point["properties"].get("confidence", "very_low")
    geom = indicative_outline(lon, lat, spec.drawn_area_ha, vertices=OUTLINE_VERTICES)
    provenance = indicative_provenance(spec, point, confidence)
    if spec.kind == "mining_site":
        provenance += " " + MINING_PROVENANCE[spec.code]
        basis_default = None
    else:
        provenance += f" Planned area and commune from {QD525}. " + details_note(spec.code)
        basis_default = DEFAULT_LEGAL_BASIS
    provenance = (provenance + " " + legal_source_note(spec.code, basis_default)).strip()
    flags = [
        overlap_note(geom, published),
        point["properties"].get("note"),
        EXTRA_QA.get(spec.code),
    ]
    properties = {
        "code": spec.code,
        "name": spec.name,
        "kind": spec.kind,
        "status": STATUS_OVERRIDES.get(spec.code, spec.status),
        "province": PROVINCE_OF_INDICATIVE.get(spec.code, DEFAULT_PROVINCE),
        "communes": list(spec.communes),
        "managing_agency": INDICATIVE_AGENCY.get(spec.code)
        or managing_agency(spec.code, spec.kind, INDICATIVE_FORMER_PROVINCE),
        "legal_basis": legal_basis(spec.code, basis_default),
        "planned_area_ha": spec.planned_area_ha,
        "geometry_source": "indicative",
        "provenance": provenance,
        "source_quality": f"location_confidence:{confidence}",
        "qa_flags": "; ".join(flag for flag in flags if flag) or None,
        "zone_details": zone_details(spec.code, spec.kind),
        "mining_details": MINING_DETAILS.get(spec.code),
        "relocation_details": None,
    }
    return geom, properties


# --- relocation areas ------------------------------------------------------------------------


def relocation_properties(
    code: str,
    name: str,
    status: str,
    communes: list[str],
    agency: str,
    details: dict[str, Any],
    provenance: str,
    confidence: str,
    qa_flags: str | None,
) -> dict[str, Any]:
    """Return the properties of a relocation area (legal basis: KH 134)."""
    number, date, issuer, _source = KH134_BASIS
    return {
        "code": code,
        "name": name,
        "kind": "relocation_area",
        "status": status,
        "province": "Lào Cai",
        "communes": communes,
        "managing_agency": agency,
        "legal_basis": {"decision_number": number, "decision_date": date, "issuer": issuer},
        "planned_area_ha": None,
        "geometry_source": "indicative",
        "provenance": provenance,
        "source_quality": f"location_confidence:{confidence}",
        "qa_flags": qa_flags,
        "zone_details": None,
        "mining_details": None,
        "relocation_details": details,
    }


def relocation_details(
    moved_from: str | None, moved_to: str | None, planned: int | None, deadline: str | None
) -> dict[str, Any]:
    """Return a relocation_details object."""
    return {
        "moved_from_code": moved_from,
        "moved_to_code": moved_to,
        "households_planned": planned,
        "households_relocated": None,
        "deadline": deadline,
    }


def railway_relocation(spec: RailwayRelocation, sites: dict[str, Site]) -> Site:
    """Return a railway relocation (KH 134 II.4), drawn as its destination's outline."""
    geom, target_props = sites[spec.moved_to]
    provenance = RAILWAY_PROVENANCE.format(
        vertices=OUTLINE_VERTICES,
        target=spec.moved_to,
        households_note=RAILWAY_HOUSEHOLDS_NOTE if spec.households_planned else "",
    )
    details = relocation_details(
        spec.moved_from, spec.moved_to, spec.households_planned, spec.deadline
    )
    props = relocation_properties(
        spec.code,
        spec.name,
        "relocating",
        target_props["communes"],
        spec.managing_agency,
        details,
        provenance,
        target_props["source_quality"].split(":", 1)[1],
        RAILWAY_QA,
    )
    return geom, props


def area_properties(area: RelocationArea, provenance: str) -> dict[str, Any]:
    """Return the properties of a relocation area that has its own indicative outline."""
    return relocation_properties(
        area.code,
        area.name,
        area.status,
        list(area.communes),
        area.managing_agency,
        relocation_details(area.moved_from, area.moved_to, area.households_planned, area.deadline),
        provenance,
        area.location_confidence,
        area.qa_flags,
    )


def resettlement_next_to(area: RelocationArea, anchor_code: str, sites: dict[str, Site]) -> Site:
    """Return a placeholder area drawn next to a site, clear of every site outline."""
    anchor, _props = sites[anchor_code]
    avoid = unary_union([geom for geom, _p in sites.values()])
    geom, bearing, offset_m = place_adjacent(
        anchor, area.drawn_area_ha, avoid, vertices=OUTLINE_VERTICES
    )
    provenance = area.provenance.format(
        vertices=OUTLINE_VERTICES, offset_m=offset_m, bearing=bearing
    )
    return geom, area_properties(area, provenance)


def relocation_at(area: RelocationArea, point: Feature) -> Site:
    """Return a relocation area drawn at a named point."""
    lon, lat = point["geometry"]["coordinates"]
    geom = indicative_outline(lon, lat, area.drawn_area_ha, vertices=OUTLINE_VERTICES)
    return geom, area_properties(area, area.provenance.format(vertices=OUTLINE_VERTICES))


# --- all sites -------------------------------------------------------------------------------


def build_sites(inputs: Inputs) -> list[Site]:
    """Return all sites (published, indicative, relocation) in a stable order."""
    points = {f["properties"]["site_id"]: f for f in inputs.named_points}
    communes = {f["properties"]["commune"]: f for f in inputs.commune_points}
    prefixed = prefix_table(inputs.boundaries, inputs.named_points)
    published = [
        published_site(item, prefixed, inputs.provinces_pre2025) for item in inputs.boundaries
    ]
    drawn = [indicative_site(spec, points, communes, published) for spec in INDICATIVE_SITES]
    sites = {props["code"]: (geom, props) for geom, props in published + drawn}
    relocations = [railway_relocation(spec, sites) for spec in RAILWAY_RELOCATIONS]
    relocations.append(resettlement_next_to(TANG_LOONG_RESETTLEMENT, TANG_LOONG_ANCHOR, sites))
    relocations.append(relocation_at(DAM_HONG_RELOCATION, points[DAM_HONG_POINT]))
    for geom, props in drawn + relocations:
        note = protected_area_note(geom, inputs.protected_areas)
        if note:
            props["qa_flags"] = "; ".join(filter(None, (props["qa_flags"], note)))
    return published + drawn + relocations


def protected_area_note(geom: BaseGeometry, protected: Sequence[Feature]) -> str | None:
    """Say when an indicative outline falls in the published extent (bbox) of a protected area."""
    names = [
        item["properties"]["name_vi"]
        for item in protected
        if item["geometry"]["type"] != "Point" and geom.intersects(shape(item["geometry"]))
    ]
    if not names:
        return None
    return (
        "lies within the published extent bbox of "
        + ", ".join(names)
        + " (shared/data/protected_areas_indicative.geojson; a bbox, not a boundary)"
    )
