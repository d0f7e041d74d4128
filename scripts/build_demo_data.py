"""Build the demo layers in ``data/geojson/`` from ``shared/data`` (deterministic, no database).

Run from the repository root::

    .venv/bin/python scripts/build_demo_data.py --shared ../shared/data --out data/geojson

What it writes (see ``data/geojson/README.md`` for sources and licences):

* ``sites.geojson`` — the 58 published KCN/CCN outlines, indicative outlines for named sites that
  have no published boundary (incl. the two Lai Châu mines) and indicative relocation areas;
* ``clearance_parcels.geojson`` — SYNTHETIC land-clearance parcels subdividing selected sites;
* ``infrastructure.geojson`` — the roads and KCN infrastructure items of the 2026 plan;
* ``plan_targets.json`` — the 2026 targets of Kế hoạch 134/KH-UBND (not GeoJSON);
* reference layers (admin units, commune points, protected areas) and
  ``forest_synthetic.geojson`` (SYNTHETIC, from :func:`spatial.synthetic.generate_forest`).

Every number is computed from unrounded geometry; coordinates are rounded to 7 decimals only when
written. The script ends with a report (counts, sizes, indicative areas, validity checks) and exits
with status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from spatial.synthetic import (
    aeqd_transformers,
    generate_forest,
    geodesic_area_ha,
    indicative_outline,
    reproject,
)
from spatial.text import nfc, slug_code

Feature = dict[str, Any]

GEOD: Final = Geod(ellps="WGS84")
COORD_DECIMALS: Final = 7
VN_EXTENT: Final = (102.1, 8.3, 109.5, 23.4)  # lon min, lat min, lon max, lat max
FOREST_SEED: Final = 20261125
CLEARANCE_SEED: Final = 20261126
OUTLINE_VERTICES: Final = 24

# --- sources cited in provenance -------------------------------------------------------------
SCT_KML: Final = (
    "Trangsct/ccn-laocai unit-files/_tong-hop/ranh-gioi-kcn-ccn.kml "
    "@7400965d5c1bf05fe7814c6c86e76a2bc146e919"
)
S2: Final = "Trangsct/ccn-laocai ccn-data.json @08a102bd9f47fac53069838d86217c21a025a5c8"
REF12: Final = (
    "Trangsct/skill-sct kccn-sct-vn/skills/kccn-sct-vn/references/12-danh-muc-kcn-ccn-lao-cai.md "
    "@0ccee7a1658fc78a53efb0bf167753624bc1d902"
)
QD525: Final = (
    "QĐ 525/QĐ-UBND 25/02/2026 (Phụ lục II/III; via Trangsct/skill-sct "
    "kccn-sct-vn/skills/kccn-sct-vn/references/13-qd525-quy-hoach-tinh.md)"
)
KH134: Final = (
    "Kế hoạch số 134/KH-UBND ngày 26/3/2026 của UBND tỉnh Lào Cai thực hiện Nghị quyết "
    "34-NQ/TU ngày 27/12/2025 (shared/seeds/002_c5cc625c898d3d75.txt; number and date per "
    "shared/data/sites-locations.md S4)"
)
SEED000: Final = (
    "Kế hoạch của UBND tỉnh Lai Châu (3/2026) thực hiện Chiến lược phát triển ngành thép "
    "(shared/seeds/000_7605e8d1b8786ed3.txt)"
)
BOUNDARIES_FILE: Final = "shared/data/kcn_ccn_laocai_boundaries.geojson"
POINTS_FILE: Final = "shared/data/sites_named_points.geojson"
COMMUNES_FILE: Final = "shared/data/admin_communes_2025_points.geojson"

# --- status, legal basis, agencies -----------------------------------------------------------
STATUS_FROM_VI: Final = {
    "Đã thành lập": "established",
    "Quy hoạch": "planned",
    "Định hướng": "planned",
}
STATUS_OVERRIDES: Final = {
    "KCN-TANG-LOONG": "converting_eco_industrial",  # KH 134 II.5
    "KCN-DONG-PHO-MOI": "relocating",  # KH 134 II.4
    "CCN-DONG-PHO-MOI": "relocating",
    "CCN-SON-MAN": "relocating",
    "CCN-DAM-HONG": "relocating",  # KH 134 V.9
    "CCN-YEN-THE": "expanding",  # KH 134 V.10 ("mở rộng … Âu Lâu, Yên Thế, Thịnh Hưng, …")
    "CCN-THINH-HUNG": "expanding",
    "CCN-DONG-AN": "expanding",
    "CCN-KHANH-YEN-THUONG": "expanding",
    "CCN-AU-LAU": "expanding",
}
LA = "UBND tỉnh Lào Cai"
YB = "UBND tỉnh Yên Bái"
YB_INFERRED = (
    "UBND tỉnh Yên Bái (inferred: CCN are established by the provincial People's Committee)"
)
UNKNOWN_ISSUER = "không nêu trong nguồn (source gives the number only)"
# (number, ISO date or None, issuer, where the number comes from)
LEGAL_BASIS: Final[dict[str, tuple[str, str | None, str, str]]] = {
    "CCN-DONG-PHO-MOI": ("2968/QĐ-UBND", "2016-09-09", LA, "sites-locations.md; " + S2),
    "CCN-SON-MAN": ("2967/QĐ-UBND", "2016-09-09", LA, "sites-locations.md; " + S2),
    "CCN-KHANH-YEN-THUONG": ("2971/QĐ-UBND", "2016-09-09", LA, "sites-locations.md; " + S2),
    "CCN-PHO-RANG": ("2972/QĐ-UBND", "2016-09-09", LA, S2),
    "CCN-THONG-NHAT-1": ("298/QĐ-UBND", "2025-02-20", LA, "sites-locations.md; " + S2),
    "CCN-THINH-HUNG": ("106/QĐ-UBND", "2009-09-05", UNKNOWN_ISSUER, "sites-locations.md; " + S2),
    "CCN-PHU-THINH-1": ("1689/QĐ-UBND", "2022-09-28", YB_INFERRED, S2),
    "CCN-PHU-THINH-2": ("1454/QĐ-UBND", "2022-08-24", YB_INFERRED, S2),
    "CCN-PHU-THINH-3": ("2220/QĐ-UBND", "2023-11-27", YB_INFERRED, S2),
    "CCN-MINH-QUAN": ("2364/QĐ-UBND", "2019-10-18", YB_INFERRED, "sites-locations.md; " + S2),
    "CCN-Y-CAN": ("949/QĐ-UBND", "2025-05-06", YB_INFERRED, S2),
    "CCN-BAO-DAP": ("1583/QĐ-UBND", "2008-10-10", UNKNOWN_ISSUER, S2),
    "CCN-YEN-THE": ("346/QĐ-UBND", None, UNKNOWN_ISSUER, "sites-locations.md; " + S2),
    "CCN-TAY-CAU-MAU-A": ("1992/QĐ-UBND", None, UNKNOWN_ISSUER, S2),
    "CCN-DONG-AN": ("1934/QĐ-UBND", None, UNKNOWN_ISSUER, S2),
    "CCN-BAC-VAN-YEN": ("667/QĐ-UBND", None, UNKNOWN_ISSUER, S2),
    "KCN-BAN-QUA": ("2170/QĐ-UBND", "2026-06-23", LA, REF12),
    "KCN-PHU-XUAN": ("2336/QĐ-UBND", "2026-07-02", "Chủ tịch UBND tỉnh Lào Cai", REF12),
    "KCN-PHU-XUAN-1": ("2338/QĐ-UBND", "2026-07-02", "Chủ tịch UBND tỉnh Lào Cai", REF12),
    "KCN-VO-LAO-TOAN-KHU": ("2463/QĐ-UBND", "2026-07-16", LA, REF12),
    "KCN-VO-LAO-GD1": ("2463/QĐ-UBND", "2026-07-16", LA, REF12),
}
DEFAULT_LEGAL_BASIS: Final = ("525/QĐ-UBND", "2026-02-25", LA, QD525)
KH134_BASIS: Final = ("134/KH-UBND", "2026-03-26", LA, KH134)
KCN_AGENCY_BY_FORMER_PROVINCE: Final = {
    "10": "Ban Quản lý Khu kinh tế tỉnh Lào Cai",
    "15": "Ban Quản lý các Khu công nghiệp tỉnh Lào Cai",
}
# CCN whose infrastructure investor (chủ đầu tư) is the commune People's Committee, per S2.
CCN_AGENCY: Final = {
    "CCN-DAM-HONG": "UBND phường Yên Bái, UBND phường Văn Phú",
    "CCN-AU-LAU": "UBND phường Âu Lâu",
    "CCN-THINH-HUNG": "UBND xã Yên Bình",
    "CCN-YEN-THE": "UBND xã Lục Yên",
    "CCN-BAO-DAP": "UBND xã Trấn Yên",
    "CCN-TAY-CAU-MAU-A": "UBND xã Mậu A",
    "CCN-DONG-AN": "UBND xã Đông Cuông",
    "CCN-BAC-VAN-YEN": "UBND xã Đông Cuông",
    "CCN-DONG-PHO-MOI": "UBND phường Lào Cai",
    "CCN-SON-MAN": "UBND phường Lào Cai",
    "CCN-PHO-RANG": "UBND xã Bảo Yên",
    "CCN-KHANH-YEN-THUONG": "UBND xã Văn Bàn",
}
# Occupancy (tyLeLapDay, %) as published in S2; KCN values from the S2 descriptions ("lấp đầy …").
OCCUPANCY_PCT: Final = {
    "KCN-TANG-LOONG": 85.0,
    "KCN-PHIA-NAM": 91.54,
    "KCN-AU-LAU": 84.15,
    "KCN-MINH-QUAN": 94.65,
    "CCN-DAM-HONG": 100.0,
    "CCN-AU-LAU": 86.83,
    "CCN-THINH-HUNG": 87.75,
    "CCN-PHU-THINH-1": 0.0,
    "CCN-PHU-THINH-2": 0.0,
    "CCN-PHU-THINH-3": 0.0,
    "CCN-YEN-THE": 40.24,
    "CCN-BAO-DAP": 23.29,
    "CCN-MINH-QUAN": 0.0,
    "CCN-Y-CAN": 0.0,
    "CCN-TAY-CAU-MAU-A": 45.55,
    "CCN-DONG-AN": 48.35,
    "CCN-BAC-VAN-YEN": 88.05,
    "CCN-DONG-PHO-MOI": 100.0,
    "CCN-SON-MAN": 98.4,
    "CCN-PHO-RANG": 30.6,
    "CCN-KHANH-YEN-THUONG": 35.0,
    "CCN-THONG-NHAT-1": 0.0,
}
WASTEWATER_STATUS: Final = {
    "CCN-AU-LAU": "none"
}  # S2: "chưa có hệ thống xử lý nước thải tập trung"
# Bare commune names in the SCT file → 2025 unit with its type (REF12, S2 for those not prefixed
# anywhere in the SCT file or the named points).
COMMUNE_PREFIX_EXTRA: Final = {
    "Xuân Ái": "Xã Xuân Ái",
    "Bảo Ái": "Xã Bảo Ái",
    "Văn Chấn": "Xã Văn Chấn",
}


@dataclass(frozen=True, slots=True)
class IndicativeSite:
    """A named site without a published outline, drawn as a regular polygon at a point."""

    code: str
    name: str
    kind: str
    point_id: str | None  # site_id in sites_named_points.geojson, or None for a commune point
    commune_point: str | None  # commune name in admin_communes_2025_points.geojson
    planned_area_ha: float | None
    drawn_area_ha: float
    status: str
    communes: tuple[str, ...]


INDICATIVE_SITES: Final = (
    IndicativeSite(
        "KCN-DONG-PHO-MOI",
        "KCN Đông Phố Mới",
        "industrial_zone",
        "kcn-dong-pho-moi",
        None,
        100.0,
        100.0,
        "relocating",
        ("Phường Lào Cai",),
    ),
    IndicativeSite(
        "CCN-DONG-PHO-MOI",
        "CCN Đông Phố Mới",
        "industrial_cluster",
        "ccn-dong-pho-moi",
        None,
        3.5,
        3.5,
        "relocating",
        ("Phường Lào Cai",),
    ),
    IndicativeSite(
        "CCN-SON-MAN",
        "CCN Sơn Mãn",
        "industrial_cluster",
        "ccn-son-man",
        None,
        7.5,
        7.5,
        "relocating",
        ("Phường Lào Cai",),
    ),
    IndicativeSite(
        "CCN-THONG-NHAT",
        "CCN Thống Nhất",
        "industrial_cluster",
        "ccn-thong-nhat",
        None,
        35.0,
        35.0,
        "planned",
        ("Xã Gia Phú",),
    ),
    IndicativeSite(
        "KCN-THONG-NHAT",
        "KCN Thống Nhất",
        "industrial_zone",
        "kcn-thong-nhat",
        None,
        150.0,
        150.0,
        "planned",
        ("Xã Gia Phú",),
    ),
    IndicativeSite(
        "KCN-BAT-XAT",
        "KCN Bát Xát",
        "industrial_zone",
        None,
        "Bát Xát",
        76.0,
        76.0,
        "planned",
        ("Xã Bát Xát",),
    ),
    IndicativeSite(
        "MINE-DONG-PAO",
        "Mỏ đất hiếm Đông Pao",
        "mining_site",
        "mine-dong-pao",
        None,
        132.0,
        132.0,
        "established",
        ("Xã Khun Há",),
    ),
    IndicativeSite(
        "MINE-MIT-NOI",
        "Mỏ sắt Mít Nọi",
        "mining_site",
        "mine-mit-noi",
        None,
        None,
        100.0,
        "planned",
        ("Xã Pắc Ta",),
    ),
)
EXTRA_QA: Final = {
    "KCN-BAT-XAT": (
        f"{S2} gives 22.5422 N, 103.89 E for KCN Bát Xát, identical to its CCN Bát Xát point "
        "(placeholder); the 2025 commune point was used instead"
    ),
    "MINE-MIT-NOI": "size is a placeholder: nominal 100 ha, no public licence or deposit area",
}
PROVINCE_OF_INDICATIVE: Final = {"MINE-DONG-PAO": "Lai Châu", "MINE-MIT-NOI": "Lai Châu"}

MINING_DETAILS: Final[dict[str, dict[str, Any]]] = {
    "MINE-DONG-PAO": {
        "mineral": "đất hiếm (rare earths)",
        "licence_number": None,
        "licence_status": "licensed",
        "licensed_capacity": "10,000 t REO/yr (design capacity)",
        "offtake_contract": False,
        "offtake_contract_ref": None,
        "rehabilitation_deposit_bn_vnd": None,
    },
    "MINE-MIT-NOI": {
        "mineral": "quặng sắt (iron ore)",
        "licence_number": None,
        "licence_status": "none",
        "licensed_capacity": None,
        "offtake_contract": False,
        "offtake_contract_ref": None,
        "rehabilitation_deposit_bn_vnd": None,
    },
}
MINING_PROVENANCE: Final = {
    "MINE-DONG-PAO": (
        "Licence facts per shared/data/sites-locations.md S5 (thesaigontimes.vn / VnExpress: mine "
        ">132 ha, licensed 12/2014 to Lai Châu–VIMICO Rare Earth JSC for 30 years; "
        "kienthuc.net.vn: "
        "10,000 t REO/yr design); licence number not public; no offtake contract recorded in our "
        "sources. Commune per S6 (Bản Hon + Khun Há → xã Khun Há)."
    ),
    "MINE-MIT-NOI": (
        f"{SEED000} §III.2.2, §IV.2: controlled exploitation, and no mining licence before a "
        "feasible offtake is shown, so no licence and no offtake contract; the Sở Nông nghiệp và "
        "Môi trường handles EIA, licensing, land lease and forest conversion (§V.3)."
    ),
}


# --- small helpers ---------------------------------------------------------------------------


def load_features(path: Path) -> list[Feature]:
    """Return the features of a GeoJSON FeatureCollection file."""
    with path.open(encoding="utf-8") as handle:
        features: list[Feature] = json.load(handle)["features"]
    return features


def to_nfc(value: Any) -> Any:
    """Return ``value`` with every string (recursively) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [to_nfc(item) for item in value]
    if isinstance(value, dict):
        return {key: to_nfc(item) for key, item in value.items()}
    return value


def oriented(geom: BaseGeometry) -> BaseGeometry:
    """Return ``geom`` with counter-clockwise exterior and clockwise interior rings."""
    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in geom.geoms])
    return geom


def rounded(geom: BaseGeometry) -> BaseGeometry:
    """Return ``geom`` oriented (RFC 7946) with coordinates rounded to 7 decimals, for output."""
    return shapely.transform(oriented(geom), lambda xy: np.round(xy, COORD_DECIMALS))


def feature(geom: BaseGeometry, properties: dict[str, Any]) -> Feature:
    """Return a GeoJSON Feature with rounded, oriented geometry and NFC properties."""
    return {"type": "Feature", "properties": to_nfc(properties), "geometry": mapping(rounded(geom))}


def write_collection(path: Path, features: Sequence[Feature]) -> None:
    """Write an RFC 7946 FeatureCollection, one feature per line, UTF-8 without ASCII escapes."""
    lines = [json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in features]
    body = ",\n".join(lines)
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n", encoding="utf-8"
    )


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


def fwd_point(lon: float, lat: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """Return the point at ``distance_m`` along a geodesic from (lon, lat) on the given bearing."""
    lon2, lat2, _back = GEOD.fwd(lon, lat, bearing_deg, distance_m)
    return float(lon2), float(lat2)


def geodesic_length_km(geom: BaseGeometry) -> float:
    """Return the geodesic length of a lon/lat (Multi)LineString, in kilometres."""
    return float(GEOD.geometry_length(geom)) / 1000.0


# --- sites -----------------------------------------------------------------------------------


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


def published_site(
    item: Feature, prefixed: dict[str, str], provinces_pre2025: Sequence[Feature]
) -> tuple[BaseGeometry, dict[str, Any]]:
    """Return (geometry, properties) of one site from the SCT boundary file."""
    props = item["properties"]
    geom = shape(item["geometry"])
    code = slug_code(props["name"])
    status, status_note = status_of_published(code, props["status_vi"])
    quality = props["geometry_quality"]
    surveyed = quality in {
        "official_coordinate_table",
        "investor_proposal_coordinate_table",
        "coordinate_table_corrected_by_publisher",
    }
    flags = [props.get("qa_flags"), props.get("repair_note"), props.get("boundary_status_note")]
    flags.append(status_note)
    communes = commune_list(props["xa_phuong_2025"], prefixed)
    if "Vùng Thượng Văn Yên" in communes:
        flags.append("'Vùng Thượng Văn Yên' is an area name, not a 2025 commune")
    provenance = (
        f"Outline as published by Sở Công Thương tỉnh Lào Cai ({SCT_KML}; VN-2000 KTT 104°45′ "
        f"converted to WGS84 by the publisher), via {BOUNDARIES_FILE}; geometry_quality "
        f"{quality}; geodesic area {geodesic_area_ha(geom):.2f} ha vs planned "
        f"{props['planned_area_ha']} ha. Planned area and commune from {QD525}. "
        f"{legal_source_note(code, DEFAULT_LEGAL_BASIS)} {details_note(code)}"
    ).strip()
    properties = {
        "code": code,
        "name": nfc(props["name"]),
        "kind": props["kind"],
        "status": status,
        "province": "Lào Cai",
        "communes": communes,
        "managing_agency": managing_agency(
            code, props["kind"], former_province(geom, provinces_pre2025)
        ),
        "legal_basis": legal_basis(code, DEFAULT_LEGAL_BASIS),
        "planned_area_ha": props["planned_area_ha"],
        "geometry_source": "surveyed" if surveyed else "digitized",
        "provenance": provenance,
        "source_quality": quality,
        "qa_flags": "; ".join(flag for flag in flags if flag) or None,
        "zone_details": zone_details(code, props["kind"]),
        "mining_details": None,
        "relocation_details": None,
    }
    return geom, properties


def point_of(
    spec: IndicativeSite, points: dict[str, Feature], communes: dict[str, Feature]
) -> Feature:
    """Return the point feature an indicative site is drawn at."""
    if spec.point_id is not None:
        return points[spec.point_id]
    assert spec.commune_point is not None
    return communes[spec.commune_point]


def overlap_note(
    geom: BaseGeometry, published: Sequence[tuple[BaseGeometry, dict[str, Any]]]
) -> str | None:
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
    published: Sequence[tuple[BaseGeometry, dict[str, Any]]],
) -> tuple[BaseGeometry, dict[str, Any]]:
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
        "status": spec.status,
        "province": PROVINCE_OF_INDICATIVE.get(spec.code, "Lào Cai"),
        "communes": list(spec.communes),
        "managing_agency": (
            "Sở Nông nghiệp và Môi trường tỉnh Lai Châu"
            if spec.code == "MINE-MIT-NOI"
            else managing_agency(spec.code, spec.kind, "10")
        ),
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


def place_adjacent(
    anchor: BaseGeometry, area_ha: float, avoid: BaseGeometry
) -> tuple[Polygon, float, float]:
    """Place an indicative outline next to ``anchor`` without overlapping ``avoid``.

    For each of eight compass bearings from the anchor's centroid, the centre is pushed outward
    until the outline is clear of ``avoid`` (to within 5 m); the bearing needing the smallest push
    wins (ties: the earlier bearing). Returns (outline, bearing_deg, offset_m).
    """
    centre = anchor.centroid
    best: tuple[float, float, Polygon] | None = None
    for bearing in (180.0, 225.0, 270.0, 315.0, 0.0, 45.0, 90.0, 135.0):

        def outline_at(dist_m: float, b: float = bearing) -> Polygon:
            lon, lat = fwd_point(centre.x, centre.y, b, dist_m)
            return indicative_outline(lon, lat, area_ha, vertices=OUTLINE_VERTICES)

        low_m, high_m = 0.0, 100.0
        while outline_at(high_m).intersects(avoid):
            low_m, high_m = high_m, high_m + 100.0
            if high_m > 10_000.0:
                break
        while high_m - low_m > 5.0:
            mid_m = (low_m + high_m) / 2.0
            low_m, high_m = (
                (mid_m, high_m) if outline_at(mid_m).intersects(avoid) else (low_m, mid_m)
            )
        candidate = outline_at(high_m)
        if not candidate.intersects(avoid) and (best is None or high_m < best[1]):
            best = (bearing, high_m, candidate)
    if best is None:
        raise RuntimeError("no free position found next to the anchor")
    return best[2], best[0], best[1]


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


def railway_relocations(
    sites: dict[str, tuple[BaseGeometry, dict[str, Any]]],
) -> list[tuple[BaseGeometry, dict[str, Any]]]:
    """Return the three railway relocations (KH 134 II.4), drawn as their destination outline."""
    out = []
    specs = (
        (
            "RELOC-KCN-DONG-PHO-MOI-BAT-XAT",
            "Di dời KCN Đông Phố Mới → KCN Bát Xát",
            "KCN-DONG-PHO-MOI",
            "KCN-BAT-XAT",
            84,
        ),
        (
            "RELOC-CCN-DONG-PHO-MOI-THONG-NHAT",
            "Di dời CCN Đông Phố Mới → CCN Thống Nhất",
            "CCN-DONG-PHO-MOI",
            "CCN-THONG-NHAT",
            None,
        ),
        (
            "RELOC-CCN-SON-MAN-THONG-NHAT",
            "Di dời CCN Sơn Mãn → CCN Thống Nhất",
            "CCN-SON-MAN",
            "CCN-THONG-NHAT",
            None,
        ),
    )
    for code, name, source, target, households in specs:
        geom, target_props = sites[target]
        households_note = (
            " households_planned 84 = households sent land-recovery notices for the KCN Đông Phố "
            "Mới relocation (July 2026 progress report, sites-locations.md S4)."
            if households
            else ""
        )
        provenance = (
            f"Relocation ordered by {KH134}, mục II.4 (Lào Cai–Hà Nội–Hải Phòng railway; complete "
            f"in Q4 2026); destination per {QD525}. Indicative outline: the same regular "
            f"{OUTLINE_VERTICES}-gon as the destination site {target} (drawn at its best-known "
            f"point); not a survey.{households_note}"
        )
        out.append(
            (
                geom,
                relocation_properties(
                    code,
                    name,
                    "relocating",
                    target_props["communes"],
                    "UBND phường Lào Cai",
                    relocation_details(source, target, households, "2026-12-31"),
                    provenance,
                    target_props["source_quality"].split(":", 1)[1],
                    "outline deliberately identical to the destination site outline",
                ),
            )
        )
    return out


def tang_loong_resettlement(
    sites: dict[str, tuple[BaseGeometry, dict[str, Any]]],
) -> tuple[BaseGeometry, dict[str, Any]]:
    """Return the Tằng Loỏng eco-park resettlement area: 20 ha placeholder next to the KCN."""
    anchor, _props = sites["KCN-TANG-LOONG"]
    avoid = unary_union([geom for geom, _p in sites.values()])
    geom, bearing, offset_m = place_adjacent(anchor, 20.0, avoid)
    provenance = (
        f"{KH134}, mục II.5: convert KCN Tằng Loỏng to an eco-industrial park together with "
        "relocating 'trên 400 hộ dân' (more than 400 households; 400 is the lower bound). The "
        "resettlement site is not published: LOCATION AND SIZE ARE PLACEHOLDERS. Indicative "
        f"outline: regular {OUTLINE_VERTICES}-gon of 20 ha whose centre lies {offset_m:.0f} m from "
        f"the KCN centroid on bearing {bearing:.0f}° (the compass bearing needing the smallest "
        "offset to clear every site outline), i.e. adjacent to and not overlapping KCN Tằng "
        "Loỏng; not a survey."
    )
    props = relocation_properties(
        "RELOC-TANG-LOONG-ECO",
        "Khu tái định cư chuyển đổi KCN Tằng Loỏng sinh thái",
        "planned",
        ["Xã Tằng Loỏng"],
        "Ban Quản lý Khu kinh tế tỉnh Lào Cai",
        relocation_details("KCN-TANG-LOONG", None, 400, None),
        provenance,
        "very_low",
        "placeholder location and size; households_planned is the lower bound of 'trên 400 hộ'",
    )
    return geom, props


def dam_hong_relocation(points: dict[str, Feature]) -> tuple[BaseGeometry, dict[str, Any]]:
    """Return the Đầm Hồng relocation plan area: 16 ha at the Đầm Hồng point."""
    lon, lat = points["ccn-dam-hong"]["geometry"]["coordinates"]
    geom = indicative_outline(lon, lat, 16.0, vertices=OUTLINE_VERTICES)
    provenance = (
        f"{KH134}, mục V.9: UBND phường Yên Bái, with UBND phường Văn Phú, prepares the plan and "
        "road-map to relocate CCN Đầm Hồng; plan approval within 2026 (deadline = 2026-12-31). "
        f"Indicative outline: regular {OUTLINE_VERTICES}-gon of the CCN's planned 16 ha "
        f"({QD525}) centred on the label point of its published provisional outline "
        f"({POINTS_FILE} 'ccn-dam-hong', confidence medium), which covers only 5.1 "
        "ha; it therefore "
        "overlaps CCN-DAM-HONG by design. Destination not decided. Not a survey."
    )
    props = relocation_properties(
        "RELOC-CCN-DAM-HONG",
        "Phương án di dời CCN Đầm Hồng",
        "planned",
        ["Phường Yên Bái", "Phường Văn Phú"],
        "UBND phường Yên Bái",
        relocation_details("CCN-DAM-HONG", None, None, "2026-12-31"),
        provenance,
        "medium",
        "overlaps CCN-DAM-HONG by design (drawn at the CCN's own point at its planned 16 ha)",
    )
    return geom, props


def build_sites(shared: Path) -> list[tuple[BaseGeometry, dict[str, Any]]]:
    """Return all sites (published, indicative, relocation) in a stable order."""
    boundaries = load_features(shared / "kcn_ccn_laocai_boundaries.geojson")
    named = load_features(shared / "sites_named_points.geojson")
    points = {f["properties"]["site_id"]: f for f in named}
    communes = {
        f["properties"]["commune"]: f
        for f in load_features(shared / "admin_communes_2025_points.geojson")
    }
    provinces_pre2025 = load_features(shared / "admin_provinces_pre2025.geojson")
    prefixed = prefix_table(boundaries, named)
    published = [published_site(item, prefixed, provinces_pre2025) for item in boundaries]
    drawn = [indicative_site(spec, points, communes, published) for spec in INDICATIVE_SITES]
    sites = {props["code"]: (geom, props) for geom, props in published + drawn}
    relocations = railway_relocations(sites)
    relocations.append(tang_loong_resettlement(sites))
    relocations.append(dam_hong_relocation(points))
    protected = load_features(shared / "protected_areas_indicative.geojson")
    for geom, props in drawn + relocations:
        note = protected_area_note(geom, protected)
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


# --- clearance parcels (synthetic) -----------------------------------------------------------

# site code → (handed_over, cleared, compensating) share of the site's area; the rest not_started.
CLEARANCE_SHARES: Final = {
    "KCN-TANG-LOONG": (0.06, 0.00, 0.08),
    "CCN-THONG-NHAT-1": (0.07, 0.85, 0.05),
    "CCN-PHU-THINH-1": (0.00, 0.20, 0.55),
    "CCN-PHU-THINH-2": (0.04, 0.80, 0.12),
    "CCN-PHU-THINH-3": (0.07, 0.50, 0.30),
    "KCN-PHIA-NAM": (0.07, 0.02, 0.10),
    "KCN-MINH-QUAN": (0.05, 0.05, 0.25),
    "KCN-AU-LAU": (0.08, 0.05, 0.20),
    "KCN-TRAN-YEN": (0.35, 0.03, 0.30),
    "KCN-BAN-QUA": (0.45, 0.40, 0.10),
    "CCN-MINH-QUAN": (0.00, 0.06, 0.20),
}
STATUS_ORDER: Final = ("not_started", "compensating", "cleared", "handed_over")
CLEARANCE_START: Final = dt.date(2025, 1, 1)
CLEARANCE_END: Final = dt.date(2026, 11, 1)
CLEARANCE_GAP_M: Final = 0.5
CLEARANCE_PROVENANCE: Final = (
    "SYNTHETIC: seeded subdivision (Voronoi cells of random points, seed {seed}) of the site "
    "outline, generated by scripts/build_demo_data.py for demonstration. Statuses, dates and "
    "areas are invented and are NOT official figures; no parcel-level clearance data is public. "
    "Sites: KCN/CCN under land clearance in 2026 per shared/data/sites-locations.md (S2, S4); "
    "totals are of the same order as the July 2026 figures reported under {kh134} (S4: ~500 ha "
    "cleared, ~280 ha clean land) but are not claimed to match them."
)


def random_points_in(rng: np.random.Generator, polygon_m: BaseGeometry, count: int) -> np.ndarray:
    """Return ``count`` uniform random points inside a planar polygon (rejection sampling)."""
    west, south, east, north = polygon_m.bounds
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        candidates = np.column_stack(
            (rng.uniform(west, east, 4 * count), rng.uniform(south, north, 4 * count))
        )
        inside = candidates[shapely.contains_xy(polygon_m, candidates[:, 0], candidates[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.vstack(found)[:count]


def subdivide(rng: np.random.Generator, site: BaseGeometry, cell_ha: float) -> list[BaseGeometry]:
    """Split a lon/lat site into non-overlapping parcels strictly inside it (0.5 m inset)."""
    centre = site.centroid
    forward, inverse = aeqd_transformers(round(centre.x, 5), round(centre.y, 5))
    site_m = reproject(site, forward)
    count = max(4, round(site_m.area / (cell_ha * 10_000.0)))
    seeds = random_points_in(rng, site_m, count)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=site_m.envelope.buffer(100)
    )
    parcels: list[BaseGeometry] = []
    for cell in cells.geoms:
        piece = cell.intersection(site_m).buffer(-CLEARANCE_GAP_M, join_style="mitre")
        polygons = [p for p in getattr(piece, "geoms", [piece]) if isinstance(p, Polygon)]
        polygons = [p for p in polygons if p.area >= 500.0]  # drop slivers under 0.05 ha
        if polygons:
            merged = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
            parcels.append(oriented(reproject(merged, inverse)))
    # Number parcels north to south, then west to east.
    return sorted(parcels, key=lambda g: (-round(g.centroid.y, 6), round(g.centroid.x, 6)))


def status_history(rng: np.random.Generator, status: str) -> list[dict[str, str]]:
    """Return a chronological status history ending with ``status`` (dates 2025-01 … 2026-11)."""
    steps = STATUS_ORDER.index(status)
    start = int(rng.integers(0, 60))
    gaps = [int(rng.integers(60, 300)), int(rng.integers(45, 240)), int(rng.integers(20, 150))][
        :steps
    ]
    span_days = (CLEARANCE_END - CLEARANCE_START).days - start
    scale = min(1.0, span_days / sum(gaps)) if gaps else 1.0
    offsets = [start]
    for gap in gaps:
        offsets.append(offsets[-1] + max(1, math.floor(gap * scale)))
    return [
        {"status": STATUS_ORDER[i], "date": (CLEARANCE_START + dt.timedelta(days=day)).isoformat()}
        for i, day in enumerate(offsets)
    ]


def assign_statuses(
    rng: np.random.Generator, areas_ha: Sequence[float], shares: tuple[float, float, float]
) -> list[str]:
    """Assign statuses to parcels in a seeded random order until each share of area is reached."""
    total = sum(areas_ha)
    handed, cleared, compensating = shares
    limits = (
        ("handed_over", handed * total),
        ("cleared", (handed + cleared) * total),
        ("compensating", (handed + cleared + compensating) * total),
    )
    statuses = ["not_started"] * len(areas_ha)
    done = 0.0
    for index in rng.permutation(len(areas_ha)):
        for status, limit in limits:
            if done + areas_ha[index] / 2.0 <= limit:
                statuses[index] = status
                break
        done += areas_ha[index]
    return statuses


def build_clearance(sites: dict[str, tuple[BaseGeometry, dict[str, Any]]]) -> list[Feature]:
    """Return the SYNTHETIC clearance parcels of the sites in :data:`CLEARANCE_SHARES`."""
    rng = np.random.default_rng(CLEARANCE_SEED)
    provenance = CLEARANCE_PROVENANCE.format(seed=CLEARANCE_SEED, kh134=KH134)
    out: list[Feature] = []
    for site_code, shares in CLEARANCE_SHARES.items():
        site_geom, _props = sites[site_code]
        cell_ha = 15.0 if geodesic_area_ha(site_geom) > 300 else 6.0
        parcels = subdivide(rng, site_geom, cell_ha)
        statuses = assign_statuses(rng, [geodesic_area_ha(p) for p in parcels], shares)
        for number, (geom, status) in enumerate(zip(parcels, statuses, strict=True), start=1):
            history = status_history(rng, status)
            out.append(
                feature(
                    geom,
                    {
                        "code": f"{site_code}-P{number:03d}",
                        "site_code": site_code,
                        "status": status,
                        "status_date": history[-1]["date"],
                        "status_history": history,
                        "geometry_source": "indicative",
                        "synthetic": True,
                        "provenance": provenance,
                    },
                )
            )
    return out


# --- infrastructure --------------------------------------------------------------------------


def exit_point(site: BaseGeometry, bearing_deg: float) -> tuple[float, float]:
    """Return where a geodesic from the site's centroid on ``bearing_deg`` leaves the outline."""
    centre = site.centroid
    low_m, high_m = 0.0, 50.0
    while site.contains(Point(fwd_point(centre.x, centre.y, bearing_deg, high_m))):
        low_m, high_m = high_m, high_m + 50.0
    while high_m - low_m > 0.05:
        mid_m = (low_m + high_m) / 2.0
        inside = site.contains(Point(fwd_point(centre.x, centre.y, bearing_deg, mid_m)))
        low_m, high_m = (mid_m, high_m) if inside else (low_m, mid_m)
    return fwd_point(centre.x, centre.y, bearing_deg, high_m)


def road_line(site: BaseGeometry, bearing_deg: float, length_km: float) -> LineString:
    """Return a straight indicative road of ``length_km`` leaving the site's edge on a bearing."""
    lon, lat = exit_point(site, bearing_deg)
    end_lon, end_lat = fwd_point(lon, lat, bearing_deg, length_km * 1000.0)
    middle = GEOD.npts(lon, lat, end_lon, end_lat, 9)
    return LineString([(lon, lat), *middle, (end_lon, end_lat)])


@dataclass(frozen=True, slots=True)
class Road:
    """A road item of KH 134 mục IV.1 drawn as an indicative straight line."""

    code: str
    site_code: str
    name: str
    status: str
    length_km: float
    state_bn_vnd: float
    legal_basis: str
    note: str
    bearing_deg: float
    direction_vi: str


ROADS: Final = (
    Road(
        "INFRA-ROAD-IC18-CCN-THONG-NHAT-1",
        "CCN-THONG-NHAT-1",
        "Đường trục nối từ IC 18 đường cao tốc Nội Bài - Lào Cai đến CCN Thống Nhất",
        "under_construction",
        2.6,
        210.0,
        "Quyết định số 1955/QĐ-UBND ngày 19/6/2026 của UBND tỉnh Lào Cai (as printed in KH 134)",
        "Quy mô 2,6 km, tổng mức đầu tư 210 tỷ đồng, hiện đang triển khai (KH 134 mục IV.1). "
        "The decision date 19/6/2026 printed in KH 134 (issued 26/3/2026) is later than the plan "
        "itself, possibly a typo (flagged in Trangsct/skill-sct kccn-sct-vn CHANGELOG v1.9.0). "
        "S2 names this road as the IC18 connection to CCN Thống Nhất 1 (expected completion "
        "6/2027).",
        45.0,
        "north-east",
    ),
    Road(
        "INFRA-ROAD-QL4E-CCN-THONG-NHAT-1",
        "CCN-THONG-NHAT-1",
        "Đường kết nối Quốc lộ 4E đến CCN Thống Nhất 1",
        "planned",
        1.2,
        130.0,
        "Tờ trình số 20/TTr-BGT ngày 4/2/2026 của Ban QLDA Đầu tư xây dựng công trình giao thông "
        "tỉnh Lào Cai (đề nghị thẩm định, phê duyệt chủ trương đầu tư)",
        "Quy mô 1,2 km, tổng mức đầu tư 130 tỷ đồng (KH 134 mục IV.1); investment policy proposed, "
        "not yet approved in the source.",
        225.0,
        "south-west",
    ),
    Road(
        "INFRA-ROAD-PHU-THINH-MAIN",
        "CCN-PHU-THINH-1",
        "Đường trục chính cụm công nghiệp Phú Thịnh",
        "under_construction",
        2.9,
        208.0,
        "Quyết định số 898/QĐ-UBND ngày 02/6/2023 của UBND tỉnh Yên Bái; điều chỉnh chủ trương "
        "đầu tư tại Tờ trình số 562-TTr/ĐU ngày 13/3/2026 của Đảng ủy UBND tỉnh Lào Cai",
        "Quy mô 2,9 km; tổng mức đầu tư 173 tỷ đồng (QĐ 898/QĐ-UBND 02/6/2023) đang điều chỉnh "
        "tăng lên 208 tỷ đồng (+35 tỷ) theo Tờ trình 562-TTr/ĐU 13/3/2026; hiện đang triển khai "
        "(KH 134 mục IV.1). Capital shown is the adjusted 208 bn VND.",
        0.0,
        "north (towards CCN Phú Thịnh 2 and 4)",
    ),
)
KCN_WORKS: Final = (
    ("KCN-TANG-LOONG", 70.0),
    ("KCN-PHIA-NAM", 70.0),
    ("KCN-MINH-QUAN", 68.0),
    ("KCN-AU-LAU", 77.0),
)


def road_feature(road: Road, site: BaseGeometry) -> Feature:
    """Return the indicative LineString feature of a road item."""
    line = road_line(site, road.bearing_deg, road.length_km)
    provenance = (
        f"Road item of {KH134}, mục IV.1. Indicative geometry: a straight geodesic line of the "
        f"stated {road.length_km} km starting at the edge of {road.site_code} "
        f"({BOUNDARIES_FILE}) and heading {road.direction_vi} (bearing {road.bearing_deg:.0f}°). "
        "The direction is a placeholder chosen by us; the real alignment is not published."
    )
    return feature(
        line,
        {
            "code": road.code,
            "site_code": road.site_code,
            "name": road.name,
            "kind": "road",
            "status": road.status,
            "stated_length_km": road.length_km,
            "capital_state_budget_bn_vnd": road.state_bn_vnd,
            "capital_enterprise_bn_vnd": None,
            "legal_basis": road.legal_basis,
            "note": road.note,
            "geometry_source": "indicative",
            "provenance": provenance,
        },
    )


def kcn_works_feature(site_code: str, capital: float, site: BaseGeometry, name: str) -> Feature:
    """Return the technical-infrastructure item of a KCN (geometry = the KCN outline)."""
    geom = site if isinstance(site, MultiPolygon) else MultiPolygon([site])
    return feature(
        geom,
        {
            "code": f"INFRA-TECH-{site_code}-2026",
            "site_code": site_code,
            "name": f"Hoàn thiện hạ tầng kỹ thuật {name}",
            "kind": "technical_infrastructure",
            "status": "approved",
            "stated_length_km": None,
            "capital_state_budget_bn_vnd": capital,
            "capital_enterprise_bn_vnd": None,
            "legal_basis": (
                "Quyết định số 1902/QĐ-UBND ngày 16/6/2025 và Quyết định số 2339/QĐ-UBND ngày "
                "12/12/2025 của UBND tỉnh Lào Cai (bố trí kế hoạch vốn)"
            ),
            "note": (
                "Hoàn thiện hạ tầng kỹ thuật KCN, tổng 285 tỷ đồng vốn ngân sách cho 4 KCN: "
                "Tằng Loỏng "
                "70, phía Nam 70, Minh Quân 68, Âu Lâu 77 tỷ đồng; đã được UBND tỉnh bố trí "
                "kế hoạch "
                "vốn (KH 134 mục IV.1)."
            ),
            "geometry_source": "indicative",
            "provenance": (
                f"Capital item of {KH134}, mục IV.1. Geometry = the whole published outline of "
                f"{site_code} ({BOUNDARIES_FILE}) as a MultiPolygon, standing in for works whose "
                "footprint is not published; indicative only."
            ),
        },
    )


def build_infrastructure(sites: dict[str, tuple[BaseGeometry, dict[str, Any]]]) -> list[Feature]:
    """Return the infrastructure items of KH 134 (three roads, four KCN works)."""
    out = [road_feature(road, sites[road.site_code][0]) for road in ROADS]
    for site_code, capital in KCN_WORKS:
        geom, props = sites[site_code]
        out.append(kcn_works_feature(site_code, capital, geom, props["name"]))
    return out


# --- plan targets ----------------------------------------------------------------------------


def plan_targets() -> list[dict[str, Any]]:
    """Return the 2026 targets of KH 134 (mục II), quoted from shared/seeds/002."""
    source = (
        "Kế hoạch số 134/KH-UBND ngày 26/3/2026 của UBND tỉnh Lào Cai thực hiện Nghị quyết số "
        "34-NQ/TU ngày 27/12/2025 về phát triển các khu, cụm công nghiệp năm 2026, mục {item}"
    )
    rows = (
        (
            "NEW-ZONE-AREA-2026",
            "Thành lập mới khoảng trên 500ha các khu, cụm công nghiệp",
            "Establish about 500+ ha of new industrial zones and clusters",
            "II.2",
            "ha",
            500,
            "2026-12-31",
            "new_zone_cluster_area_ha",
        ),
        (
            "CLEARED-LAND-2026",
            "Hoàn thiện ít nhất 500ha mặt bằng sạch để thu hút các nhà đầu tư thứ cấp",
            "Complete at least 500 ha of cleared land (mặt bằng sạch) for secondary investors",
            "II.3",
            "ha",
            500,
            "2026-12-31",
            "cleared_land_ha",
        ),
        (
            "RELOCATIONS-2026",
            "Hoàn thành di dời 01 khu công nghiệp (Đông Phố Mới) và 02 cụm công nghiệp "
            "(Đông Phố Mới "
            "và Sơn Mãn)",
            "Complete the relocation of 1 industrial zone (Đông Phố Mới) and 2 clusters (Đông Phố "
            "Mới, Sơn Mãn), within Q4 2026",
            "II.4",
            "count",
            3,
            "2026-12-31",
            "relocations_completed",
        ),
        (
            "KCN-WASTEWATER-2026",
            "Tỷ lệ các khu công nghiệp có công trình xử lý nước thải tập trung đạt chuẩn 100%",
            "100 % of industrial zones with a compliant central wastewater treatment plant, built "
            "within 2026",
            "II.6",
            "pct",
            100,
            "2026-12-31",
            "kcn_compliant_wastewater_pct",
        ),
        (
            "DIGITAL-SUPPORT-2026",
            "Ít nhất 30% doanh nghiệp trong các khu, cụm công nghiệp được hỗ trợ ứng "
            "dụng công nghệ "
            "cao, chuyển đổi số",
            "At least 30 % of enterprises in zones and clusters supported to adopt high technology "
            "and digital transformation",
            "II.7",
            "pct",
            30,
            "2026-12-31",
            "enterprises_digital_support_pct",
        ),
    )
    return [
        to_nfc(
            {
                "code": code,
                "title_vi": title_vi,
                "title_en": title_en,
                "legal_source": source.format(item=item),
                "unit": unit,
                "target_value": value,
                "deadline": deadline,
                "metric": metric,
                "scope": "Lào Cai",
            }
        )
        for code, title_vi, title_en, item, unit, value, deadline, metric in rows
    ]


# --- reference layers ------------------------------------------------------------------------

ADMIN_LICENSE: Final = (
    "GPL-3.0 (licence of the daohoangson/dvhcvn repository; no separate data licence stated; "
    "geometry published by gis.chinhphu.vn)"
)
ADMIN_PROVENANCE: Final = (
    "{file} (SOURCES.md §{section}): {what} from daohoangson/dvhcvn data/gis (snapshot 4b1b6b5; "
    "data/gis last changed 68a4290, 2023-02-02), scraped from gis.chinhphu.vn; vertex spacing "
    "~300–400 m, clipped to lon 102.0–105.2, lat 21.2–23.0; for context maps and lookups, not "
    "boundary-precise overlap work."
)
PA_CODES: Final = {
    "Vườn quốc gia Hoàng Liên": "PA-HOANG-LIEN",
    "Khu bảo tồn thiên nhiên Bát Xát": "PA-BAT-XAT",
    "Khu bảo tồn loài và sinh cảnh Mù Cang Chải (Chế Tạo)": "PA-MU-CANG-CHAI",
}


def reference_layer(
    features: Iterable[Feature],
    code_of: Callable[[dict[str, Any]], str],
    geometry_source: str,
    provenance: str,
    license_text: str,
) -> list[Feature]:
    """Copy a reference layer, keeping properties and adding code/source/provenance/licence."""
    out = []
    for item in features:
        props = dict(item["properties"])
        props.update(code=code_of(props), geometry_source=geometry_source, provenance=provenance)
        props.setdefault("license", license_text)  # keep a licence the source already states
        out.append(feature(shape(item["geometry"]), props))
    return out


def build_reference_layers(shared: Path) -> dict[str, list[Feature]]:
    """Return the admin, commune-point and protected-area reference layers."""
    layers: dict[str, list[Feature]] = {}
    layers["provinces_2025.geojson"] = reference_layer(
        load_features(shared / "admin_provinces_2025.geojson"),
        lambda p: f"PROV2025-{p['prov_code_2025']}",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_provinces_2025.geojson",
            section="2",
            what="post-merger provinces (Resolution 202/2025/QH15) dissolved by the compiler from "
            "the pre-2025 province polygons",
        ),
        ADMIN_LICENSE,
    )
    layers["provinces_pre2025.geojson"] = reference_layer(
        load_features(shared / "admin_provinces_pre2025.geojson"),
        lambda p: f"PROV-{p['prov_code_gso']}",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_provinces_pre2025.geojson",
            section="1",
            what="pre-2025 province polygons",
        ),
        ADMIN_LICENSE,
    )
    layers["districts_pre2025.geojson"] = reference_layer(
        load_features(shared / "admin_districts_pre2025.geojson"),
        lambda p: f"DIST-{p['dist_code_gso']}",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_districts_pre2025.geojson",
            section="1",
            what="pre-2025 district polygons (Lai Châu 108/109 label fix)",
        ),
        ADMIN_LICENSE,
    )
    layers["communes_2025.geojson"] = reference_layer(
        load_features(shared / "admin_communes_2025_points.geojson"),
        lambda p: f"COMM-{p['commune_code']}",
        "digitized",
        "shared/data/admin_communes_2025_points.geojson (SOURCES.md §3): one approximate geocoded "
        "point (3 decimals) per 2025 commune from open-admin-data/vietnam-administrative-divisions "
        "@7e0e777 (divisions/lao-cai-15, lai-chau-12 README); not a centroid of an official "
        "polygon; see qa_flags; for labels and lookup only. Attribution: Vietnam Administrative "
        "Divisions Dataset (CC-BY-4.0).",
        "CC-BY-4.0",
    )
    layers["protected_areas.geojson"] = reference_layer(
        load_features(shared / "protected_areas_indicative.geojson"),
        lambda p: PA_CODES[p["name_vi"]],
        "indicative",
        "shared/data/protected_areas_indicative.geojson (SOURCES.md §6): INDICATIVE "
        "ONLY — a locator "
        "point or the bbox of the published extent, compiled from public web pages (see sources); "
        "NOT a boundary; use_for_overlap_analysis is false.",
        "facts compiled from public web pages (no polygon licence applies; see sources)",
    )
    return layers


def land_mask(shared: Path) -> BaseGeometry:
    """Return the union of the 2025 provinces (land inside Vietnam within the region)."""
    return unary_union(
        [shape(f["geometry"]) for f in load_features(shared / "admin_provinces_2025.geojson")]
    )


def build_forest(
    sites: Sequence[tuple[BaseGeometry, dict[str, Any]]], mask: BaseGeometry
) -> list[Feature]:
    """Return the SYNTHETIC forest layer generated around the site centroids."""
    seen: set[tuple[float, float]] = set()
    hotspots: list[tuple[float, float]] = []
    for geom, _props in sites:
        key = (round(geom.centroid.x, 4), round(geom.centroid.y, 4))
        if key not in seen:  # relocation areas reuse their site's outline: one hotspot each
            seen.add(key)
            hotspots.append(key)
    parcels = generate_forest(
        FOREST_SEED,
        hotspots=hotspots,
        parcels_per_hotspot=55,
        background_parcels=1200,
        mask=mask,
    )
    provenance = (
        f"SYNTHETIC: generated by spatial/synthetic.py (seed {FOREST_SEED}); not real "
        "forest land — "
        "no public forest-land polygons exist for these provinces"
    )
    return [
        feature(
            parcel.geometry,
            {
                "code": parcel.code,
                "category": parcel.category,
                "origin": parcel.origin,
                "synthetic": True,
                "dataset": "synthetic-demo-forest-v1",
                "geometry_source": "indicative",
                "provenance": provenance,
                "license": "CC0 (synthetic, generated by sitereg)",
            },
        )
        for parcel in parcels
    ]


# --- checks and report -----------------------------------------------------------------------


def feature_problems(name: str, index: int, item: Feature) -> list[str]:
    """Return the problems of one written feature (required keys, validity, extent, rings)."""
    problems = []
    props = item["properties"]
    for key in ("code", "geometry_source", "provenance"):
        if not props.get(key):
            problems.append(f"{name}[{index}]: missing {key}")
    if props.get("geometry_source") not in ("surveyed", "digitized", "indicative"):
        problems.append(f"{name}[{index}]: bad geometry_source {props.get('geometry_source')!r}")
    geom = shape(item["geometry"])
    if geom.is_empty or not geom.is_valid:
        problems.append(f"{name}[{index}] {props.get('code')}: invalid or empty geometry")
    west, south, east, north = geom.bounds
    lon_min, lat_min, lon_max, lat_max = VN_EXTENT
    if west < lon_min or east > lon_max or south < lat_min or north > lat_max:
        problems.append(f"{name}[{index}] {props.get('code')}: outside Vietnam's extent")
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon) and not part.exterior.is_ccw:
            problems.append(f"{name}[{index}] {props.get('code')}: exterior ring not CCW")
    return problems


def check_collection(name: str, features: Sequence[Feature]) -> list[str]:
    """Return all problems of a written layer, including duplicate codes."""
    problems = [p for i, item in enumerate(features) for p in feature_problems(name, i, item)]
    codes = Counter(item["properties"]["code"] for item in features)
    problems += [f"{name}: duplicate code {code}" for code, n in codes.items() if n > 1]
    return problems


def check_disjoint(name: str, features: Sequence[Feature]) -> list[str]:
    """Return overlaps (> 0 m²) between polygons of a layer that must not overlap."""
    geoms = [shape(item["geometry"]) for item in features]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    return [
        f"{name}: {features[a]['properties']['code']} overlaps {features[b]['properties']['code']}"
        for a, b in zip(left, right, strict=True)
        if a < b and geoms[a].intersection(geoms[b]).area > 0
    ]


def check_clearance(parcels: Sequence[Feature], sites: dict[str, Feature]) -> list[str]:
    """Return parcels that are not strictly inside their (written) site polygon."""
    problems = []
    for item in parcels:
        site = shape(sites[item["properties"]["site_code"]]["geometry"])
        parcel = shape(item["geometry"])
        if not site.contains(parcel):
            problems.append(f"clearance: {item['properties']['code']} not inside its site")
        history = item["properties"]["status_history"]
        dates = [step["date"] for step in history]
        if dates != sorted(dates) or history[-1]["status"] != item["properties"]["status"]:
            problems.append(f"clearance: {item['properties']['code']} bad status_history")
    return problems


def report_indicative(sites: Sequence[Feature]) -> list[str]:
    """Print drawn vs computed geodesic areas of indicative outlines; return mismatches > 0.01 %."""
    problems = []
    print("Indicative outlines (drawn target vs geodesic area of the written, rounded geometry):")
    total_target = total_actual = 0.0
    for item in sites:
        props = item["properties"]
        if props["geometry_source"] != "indicative":
            continue
        target = props["planned_area_ha"] or _drawn_area(props)
        actual = geodesic_area_ha(shape(item["geometry"]))
        total_target += target
        total_actual += actual
        error_pct = 100.0 * (actual - target) / target
        print(
            f"  {props['code']:<36} target {target:9.3f} ha  computed {actual:11.5f} ha  "
            f"({error_pct:+.5f} %)"
        )
        if abs(error_pct) > 0.01:
            problems.append(f"sites: {props['code']} area off by {error_pct:.4f} %")
    print(f"  TOTAL target {total_target:.3f} ha, computed {total_actual:.4f} ha")
    return problems


def _drawn_area(props: dict[str, Any]) -> float:
    """Return the drawn area of an indicative outline whose planned_area_ha is null."""
    drawn = {
        "MINE-MIT-NOI": 100.0,
        "RELOC-TANG-LOONG-ECO": 20.0,
        "RELOC-CCN-DAM-HONG": 16.0,
        "RELOC-KCN-DONG-PHO-MOI-BAT-XAT": 76.0,
        "RELOC-CCN-DONG-PHO-MOI-THONG-NHAT": 35.0,
        "RELOC-CCN-SON-MAN-THONG-NHAT": 35.0,
    }
    return drawn[props["code"]]


def report_clearance(parcels: Sequence[Feature]) -> None:
    """Print synthetic clearance totals per status."""
    by_status = dict.fromkeys(STATUS_ORDER, 0.0)
    for item in parcels:
        by_status[item["properties"]["status"]] += geodesic_area_ha(shape(item["geometry"]))
    text = ", ".join(f"{status} {by_status[status]:.1f} ha" for status in STATUS_ORDER)
    done = by_status["cleared"] + by_status["handed_over"]
    print(f"Clearance (synthetic): {text}; cleared+handed_over {done:.1f} ha")


def report_forest(forest: Sequence[Feature], sites: Sequence[Feature]) -> list[str]:
    """Print forest statistics and how many sites meet all three forest categories."""
    geoms = [shape(item["geometry"]) for item in forest]
    tree = shapely.STRtree(geoms)
    full = 0
    for site in sites:
        hits = tree.query(shape(site["geometry"]), predicate="intersects")
        categories = {forest[int(i)]["properties"]["category"] for i in hits}
        full += len(categories) == 3
    counts = Counter(item["properties"]["category"] for item in forest)
    print(
        f"Forest (synthetic): {len(forest)} parcels {dict(sorted(counts.items()))}; "
        f"{full} sites intersect all three categories"
    )
    return [] if full >= 5 else ["forest: fewer than 5 sites intersect all three categories"]


def report(out: Path, layers: dict[str, list[Feature]], sites_by_code: dict[str, Feature]) -> int:
    """Print counts, sizes and checks; return the number of problems found."""
    problems: list[str] = []
    print(f"Written to {out}:")
    for name, features in layers.items():
        size_mb = (out / name).stat().st_size / 1e6
        print(f"  {name:<28} {len(features):6d} features  {size_mb:6.2f} MB")
        problems += check_collection(name, features)
    print(f"  plan_targets.json            {len(plan_targets()):6d} targets")
    problems += check_disjoint("forest_synthetic", layers["forest_synthetic.geojson"])
    problems += check_disjoint("clearance_parcels", layers["clearance_parcels.geojson"])
    problems += check_clearance(layers["clearance_parcels.geojson"], sites_by_code)
    problems += report_indicative(layers["sites.geojson"])
    report_clearance(layers["clearance_parcels.geojson"])
    problems += report_forest(layers["forest_synthetic.geojson"], layers["sites.geojson"])
    for road in layers["infrastructure.geojson"]:
        props = road["properties"]
        if props["stated_length_km"]:
            length = geodesic_length_km(shape(road["geometry"]))
            print(
                f"  road {props['code']}: stated {props['stated_length_km']} km, "
                f"drawn {length:.4f} km"
            )
            if abs(length / props["stated_length_km"] - 1.0) > 0.01:
                problems.append(f"infrastructure: {props['code']} length off by more than 1 %")
    print(
        "Every feature has code/geometry_source/provenance and a valid geometry inside "
        "Vietnam's extent: " + ("YES" if not problems else "NO")
    )
    for problem in problems:
        print("  PROBLEM:", problem)
    return len(problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Build every demo layer, write it and print the report; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True, help="the shared/data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder (data/geojson)")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    sites = build_sites(shared)
    sites_by_code = {props["code"]: (geom, props) for geom, props in sites}
    layers: dict[str, list[Feature]] = {
        "sites.geojson": [feature(geom, props) for geom, props in sites],
        "clearance_parcels.geojson": build_clearance(sites_by_code),
        "infrastructure.geojson": build_infrastructure(sites_by_code),
        **build_reference_layers(shared),
        "forest_synthetic.geojson": build_forest(sites, land_mask(shared)),
    }
    for name, features in layers.items():
        write_collection(out / name, features)
    targets_json = json.dumps(plan_targets(), ensure_ascii=False, indent=2)
    (out / "plan_targets.json").write_text(targets_json + "\n", encoding="utf-8")
    written_sites = {item["properties"]["code"]: item for item in layers["sites.geojson"]}
    return 1 if report(out, layers, written_sites) else 0


if __name__ == "__main__":
    raise SystemExit(main())
