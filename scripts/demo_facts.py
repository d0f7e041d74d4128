"""Curated facts behind the demo layers: named sites, decisions, areas, agencies and sources.

CURATED FACTS, NOT CODE. Everything in this module was transcribed by hand from the provincial
documents and the repositories named in each constant (see ``data/geojson/README.md`` for the
sources and licences). ``scripts/build_demo_data.py`` only combines these facts with generated
geometry. Registry facts (statuses, occupancy, legal basis, managing agencies, mining details,
relocation records; and, for the loader, links, establishment, placements, reported figures) live
in reviewed files in ``data/curated/``, each row with its source, and are read from there by
:func:`curated_rows`, which names the file and line of a row it cannot use; such a fact is
changed there and nowhere else.

Provenance templates are ``str.format`` strings: the ``{names}`` in them are filled in with
figures computed from the geometry.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

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
CURATED: Final = Path(__file__).resolve().parent.parent / "data" / "curated"


def curated_statuses() -> dict[str, str]:
    """Return the statuses the plans set over the SCT's (``data/curated/site_status.csv``).

    The reviewed file names each row's source; the demo loader applies the same file, so a
    status is changed there and nowhere else.
    """
    with (CURATED / "site_status.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["status"] for row in csv.DictReader(handle)}


STATUS_OVERRIDES: Final = curated_statuses()


class CuratedRowError(ValueError):
    """A row of a reviewed file in ``data/curated/`` that cannot be used, named by its line."""


def curated_rows(
    name: str, *, dates: tuple[str, ...] = (), folder: Path = CURATED
) -> list[tuple[int, dict[str, str]]]:
    """Read ``data/curated/<name>`` as (line, row) pairs, refusing a row that cannot be used.

    Every row must name its source; a cell of a ``dates`` column is blank or an ISO date; the
    row's key (its first column, or ``applies_to`` with ``key``) is given once. The error names
    the file and the line.
    """
    rows: list[tuple[int, dict[str, str]]] = []
    seen: set[tuple[str, ...]] = set()
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        key_columns = _key_columns(reader.fieldnames or [])
        for row in reader:
            problem = _row_problem(row, dates, key_columns, seen)
            if problem:
                raise CuratedRowError(f"{name} line {reader.line_num}: {problem}")
            rows.append((reader.line_num, row))
    return rows


def _key_columns(fieldnames: Sequence[str]) -> tuple[str, ...]:
    """Return the columns that identify a row: ``applies_to`` and ``key``, or the first column."""
    return ("applies_to", "key") if "applies_to" in fieldnames else tuple(fieldnames[:1])


def _row_problem(
    row: dict[str, str],
    dates: tuple[str, ...],
    key_columns: tuple[str, ...],
    seen: set[tuple[str, ...]],
) -> str | None:
    """Return what is wrong with one curated row, or None."""
    if None in row or any(value is None for value in row.values()):
        return "wrong number of cells"
    key = tuple(row[column] for column in key_columns)
    if not all(key):
        return f"no {'/'.join(key_columns)}"
    if key in seen:
        return f"{'/'.join(key)} appears twice"
    seen.add(key)
    if not row.get("source", "").strip():
        return "no source"
    for column in dates:
        if row[column] and not _is_iso_date(row[column]):
            return f"{column} '{row[column]}' is not a date (YYYY-MM-DD)"
    return None


def _is_iso_date(text: str) -> bool:
    """Return whether the text is an ISO calendar date."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


LegalBasis = tuple[str, str | None, str, str]
"""(decision number, ISO date or None, issuer, where the number comes from)."""


def curated_legal_basis(folder: Path = CURATED) -> tuple[dict[str, LegalBasis], LegalBasis]:
    """Return the legal basis by site and the default one (``data/curated/legal_basis.csv``).

    The row with code ``*`` is the default: the planning decision, for a KCN/CCN with no
    instrument of its own in the sources. ``source`` is quoted in the site's provenance.
    """
    table: dict[str, LegalBasis] = {}
    for _line, row in curated_rows("legal_basis.csv", dates=("decision_date",), folder=folder):
        table[row["code"]] = (
            row["decision_number"],
            row["decision_date"] or None,
            row["issuer"],
            row["source"],
        )
    if "*" not in table:
        raise CuratedRowError("legal_basis.csv: no row with code '*' (the default legal basis)")
    return table, table.pop("*")


LEGAL_BASIS, DEFAULT_LEGAL_BASIS = curated_legal_basis()
LA = "UBND tỉnh Lào Cai"
KH134_BASIS: Final = ("134/KH-UBND", "2026-03-26", LA, KH134)


def curated_agencies(folder: Path = CURATED) -> dict[str, dict[str, str]]:
    """Return the managing agencies by ``applies_to`` (``data/curated/managing_agencies.csv``).

    ``former_province``: the KCN board by GSO code of the former province; ``ccn_investor``: the
    commune People's Committee named as a CCN's investor; ``site``: an agency named for one site.
    """
    table: dict[str, dict[str, str]] = {"former_province": {}, "ccn_investor": {}, "site": {}}
    for line, row in curated_rows("managing_agencies.csv", folder=folder):
        if row["applies_to"] not in table:
            raise CuratedRowError(
                f"managing_agencies.csv line {line}: applies_to '{row['applies_to']}' is not one "
                f"of {', '.join(table)}"
            )
        table[row["applies_to"]][row["key"]] = row["agency"]
    return table


AGENCIES: Final = curated_agencies()
KCN_AGENCY_BY_FORMER_PROVINCE: Final = AGENCIES["former_province"]
# CCN whose infrastructure investor (chủ đầu tư) is the commune People's Committee, per S2.
CCN_AGENCY: Final = AGENCIES["ccn_investor"]
INDICATIVE_AGENCY: Final = AGENCIES["site"]


def curated_zone_facts() -> tuple[dict[str, float], dict[str, str]]:
    """Return occupancy (%) and wastewater status by site (``data/curated/zone_facts.csv``).

    Occupancy (tyLeLapDay) as published in S2, KCN values from its descriptions; the one
    recorded wastewater status is S2's. Each row of the reviewed file names its source.
    """
    with (CURATED / "zone_facts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    occupancy = {r["code"]: float(r["occupancy_rate_pct"]) for r in rows if r["occupancy_rate_pct"]}
    wastewater = {r["code"]: r["wastewater_status"] for r in rows if r["wastewater_status"]}
    return occupancy, wastewater


OCCUPANCY_PCT, WASTEWATER_STATUS = curated_zone_facts()
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
    status: str  # before any plan; a plan's status (KH 134) is in data/curated/site_status.csv
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
        "established",
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
        "established",
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
        "established",
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

MINING_COLUMNS: Final = (
    "mineral",
    "licence_number",
    "licence_status",
    "licensed_capacity",
    "offtake_contract",
    "offtake_contract_ref",
    "rehabilitation_deposit_bn_vnd",
)


def curated_mining(folder: Path = CURATED) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Return mining details and their provenance clause by site (``mining_details.csv``).

    A blank cell is not published (null); ``offtake_contract`` is ``true`` or ``false``.
    """
    details: dict[str, dict[str, Any]] = {}
    provenance: dict[str, str] = {}
    for line, row in curated_rows("mining_details.csv", folder=folder):
        if row["offtake_contract"] not in ("true", "false"):
            raise CuratedRowError(
                f"mining_details.csv line {line}: offtake_contract "
                f"'{row['offtake_contract']}' is not true or false"
            )
        values: dict[str, Any] = {column: row[column] or None for column in MINING_COLUMNS}
        values["offtake_contract"] = row["offtake_contract"] == "true"
        values["rehabilitation_deposit_bn_vnd"] = _number(
            row, "rehabilitation_deposit_bn_vnd", line
        )
        details[row["code"]] = values
        provenance[row["code"]] = row["provenance"]
    return details, provenance


def _number(row: dict[str, str], column: str, line: int) -> float | None:
    """Return a blank cell as None and a number as a float, naming the line of anything else."""
    if not row[column]:
        return None
    try:
        return float(row[column])
    except ValueError:
        raise CuratedRowError(
            f"mining_details.csv line {line}: {column} '{row[column]}' is not a number"
        ) from None


MINING_DETAILS, MINING_PROVENANCE = curated_mining()


# --- relocation areas (KH 134) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RailwayRelocation:
    """A relocation ordered for the railway (KH 134 II.4), drawn as its destination's outline."""

    code: str
    name: str
    moved_from: str
    moved_to: str
    households_planned: int | None
    managing_agency: str
    deadline: str


def _int(text: str) -> int | None:
    """Return a blank cell as None, else the whole number it holds."""
    return int(text) if text else None


def curated_railway_relocations(folder: Path = CURATED) -> tuple[RailwayRelocation, ...]:
    """Return the railway relocations of KH 134 mục II.4 (``railway_relocations.csv``)."""
    relocations: list[RailwayRelocation] = []
    for line, row in curated_rows("railway_relocations.csv", dates=("deadline",), folder=folder):
        relocations.append(
            RailwayRelocation(
                row["code"],
                row["name"],
                row["moved_from"],
                row["moved_to"],
                _whole(row, "households_planned", "railway_relocations.csv", line),
                row["managing_agency"],
                row["deadline"],
            )
        )
    return tuple(relocations)


def _whole(row: dict[str, str], column: str, name: str, line: int) -> int | None:
    """Return a blank cell as None, else its whole number, naming the line of anything else."""
    try:
        return _int(row[column])
    except ValueError:
        raise CuratedRowError(
            f"{name} line {line}: {column} '{row[column]}' is not a whole number"
        ) from None


RAILWAY_RELOCATIONS: Final = curated_railway_relocations()


RAILWAY_HOUSEHOLDS_NOTE: Final = (
    " households_planned 84 = households sent land-recovery notices for the KCN Đông Phố "
    "Mới relocation (July 2026 progress report, sites-locations.md S4)."
)
RAILWAY_PROVENANCE: Final = (
    "Relocation ordered by " + KH134 + ", mục II.4 (Lào Cai–Hà Nội–Hải Phòng railway; complete "
    "in Q4 2026); destination per " + QD525 + ". Indicative outline: the same regular "
    "{vertices}-gon as the destination site {target} (drawn at its best-known "
    "point); not a survey.{households_note}"
)
RAILWAY_QA: Final = "outline deliberately identical to the destination site outline"


@dataclass(frozen=True, slots=True)
class RelocationArea:
    """A relocation or resettlement area of KH 134 with no published outline of its own."""

    code: str
    name: str
    status: str
    communes: tuple[str, ...]
    managing_agency: str
    moved_from: str | None
    moved_to: str | None
    households_planned: int | None
    deadline: str | None
    drawn_area_ha: float
    location_confidence: str
    qa_flags: str
    provenance: str  # template: {vertices}, and {offset_m} {bearing} when placed next to a site


def curated_relocation_areas(folder: Path = CURATED) -> dict[str, RelocationArea]:
    """Return the KH 134 relocation areas by code (``data/curated/relocation_areas.csv``).

    ``communes`` is a ``;``-separated list; a blank cell is not published (null).
    """
    name = "relocation_areas.csv"
    areas: dict[str, RelocationArea] = {}
    for line, row in curated_rows(name, dates=("deadline",), folder=folder):
        areas[row["code"]] = RelocationArea(
            row["code"],
            row["name"],
            row["status"],
            tuple(row["communes"].split(";")),
            row["managing_agency"],
            row["moved_from"] or None,
            row["moved_to"] or None,
            _whole(row, "households_planned", name, line),
            row["deadline"] or None,
            _area(row, name, line),
            row["location_confidence"],
            row["qa_flags"],
            row["provenance"],
        )
    return areas


def _area(row: dict[str, str], name: str, line: int) -> float:
    """Return the drawn area (ha) of a row, naming the line when it is not a positive number."""
    try:
        area = float(row["drawn_area_ha"])
    except ValueError:
        area = 0.0
    if area <= 0:
        raise CuratedRowError(
            f"{name} line {line}: drawn_area_ha '{row['drawn_area_ha']}' is not a positive number"
        )
    return area


RELOCATION_AREAS: Final = curated_relocation_areas()
TANG_LOONG_RESETTLEMENT: Final = RELOCATION_AREAS["RELOC-TANG-LOONG-ECO"]
TANG_LOONG_ANCHOR: Final = "KCN-TANG-LOONG"
"""The site the Tằng Loỏng resettlement area is drawn next to (placeholder location)."""

DAM_HONG_RELOCATION: Final = RELOCATION_AREAS["RELOC-CCN-DAM-HONG"]
DAM_HONG_POINT: Final = "ccn-dam-hong"
"""The named point (sites_named_points.geojson) the Đầm Hồng relocation area is drawn at."""


# --- published outlines (SCT boundary file) --------------------------------------------------

SURVEYED_QUALITIES: Final = frozenset(
    {
        "official_coordinate_table",
        "investor_proposal_coordinate_table",
        "coordinate_table_corrected_by_publisher",
    }
)
"""SCT ``geometry_quality`` values taken from a coordinate table (``geometry_source`` surveyed)."""

AREA_NAMES_NOT_COMMUNES: Final = {
    "Vùng Thượng Văn Yên": "'Vùng Thượng Văn Yên' is an area name, not a 2025 commune",
}
PUBLISHED_PROVENANCE: Final = (
    "Outline as published by Sở Công Thương tỉnh Lào Cai (" + SCT_KML + "; VN-2000 KTT 104°45′ "
    "converted to WGS84 by the publisher), via " + BOUNDARIES_FILE + "; geometry_quality "
    "{quality}; geodesic area {area_ha:.2f} ha vs planned "
    "{planned_area_ha} ha. Planned area and commune from " + QD525 + ". "
    "{legal_note} {details_note}"
)
DEFAULT_PROVINCE: Final = "Lào Cai"
INDICATIVE_FORMER_PROVINCE: Final = "10"
"""GSO code of the former province whose KCN board manages the indicative KCN (former Lào Cai)."""


# --- clearance parcels (SYNTHETIC; the sites are those under clearance in 2026) ---------------


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
CLEARANCE_PROVENANCE: Final = (
    "SYNTHETIC: seeded subdivision (Voronoi cells of random points, seed {seed}) of the site "
    "outline, generated by scripts/build_demo_data.py for demonstration. Statuses, dates and "
    "areas are invented and are NOT official figures; no parcel-level clearance data is public. "
    "Sites: KCN/CCN under land clearance in 2026 per shared/data/sites-locations.md (S2, S4); "
    "totals are of the same order as the July 2026 figures reported under {kh134} (S4: ~500 ha "
    "cleared, ~280 ha clean land) but are not claimed to match them."
)


# --- infrastructure (KH 134 mục IV.1) ---------------------------------------------------------


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

ROAD_PROVENANCE: Final = (
    "Road item of " + KH134 + ", mục IV.1. Indicative geometry: a straight geodesic line of the "
    "stated {length_km} km starting at the edge of {site_code} "
    "(" + BOUNDARIES_FILE + ") and heading {direction_vi} (bearing {bearing_deg:.0f}°). "
    "The direction is a placeholder chosen by us; the real alignment is not published."
)
KCN_WORKS_NAME: Final = "Hoàn thiện hạ tầng kỹ thuật {name}"
KCN_WORKS_STATUS: Final = "approved"
KCN_WORKS_LEGAL_BASIS: Final = (
    "Quyết định số 1902/QĐ-UBND ngày 16/6/2025 và Quyết định số 2339/QĐ-UBND ngày "
    "12/12/2025 của UBND tỉnh Lào Cai (bố trí kế hoạch vốn)"
)
KCN_WORKS_NOTE: Final = (
    "Hoàn thiện hạ tầng kỹ thuật KCN, tổng 285 tỷ đồng vốn ngân sách cho 4 KCN: "
    "Tằng Loỏng "
    "70, phía Nam 70, Minh Quân 68, Âu Lâu 77 tỷ đồng; đã được UBND tỉnh bố trí "
    "kế hoạch "
    "vốn (KH 134 mục IV.1)."
)
KCN_WORKS_PROVENANCE: Final = (
    "Capital item of " + KH134 + ", mục IV.1. Geometry = the whole published outline of "
    "{site_code} (" + BOUNDARIES_FILE + ") as a MultiPolygon, standing in for works whose "
    "footprint is not published; indicative only."
)


# --- plan targets (KH 134 mục II, quoted from shared/seeds/002) -------------------------------

PLAN_TARGET_SOURCE: Final = (
    "Kế hoạch số 134/KH-UBND ngày 26/3/2026 của UBND tỉnh Lào Cai thực hiện Nghị quyết số "
    "34-NQ/TU ngày 27/12/2025 về phát triển các khu, cụm công nghiệp năm 2026, mục {item}"
)
PLAN_TARGET_SCOPE: Final = "Lào Cai"
PLAN_PERIOD_START: Final = "2026-03-26"  # KH 134's own date: its targets count from then
# (code, title_vi, title_en, item, unit, target_value, deadline, metric)
PLAN_TARGETS: Final[tuple[tuple[str, str, str, str, str, int, str, str], ...]] = (
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


# --- reference layers (copied with their properties) ----------------------------------------

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


@dataclass(frozen=True, slots=True)
class ReferenceLayer:
    """A reference layer copied from shared/data with a code, provenance and licence added."""

    out_name: str
    source_name: str
    code_property: str  # the source property the code is made from
    code_prefix: str  # code = prefix + value, unless code_table maps the value
    geometry_source: str
    provenance: str
    license: str
    code_table: dict[str, str] | None = None


REFERENCE_LAYERS: Final = (
    ReferenceLayer(
        "provinces_2025.geojson",
        "admin_provinces_2025.geojson",
        "prov_code_2025",
        "PROV2025-",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_provinces_2025.geojson",
            section="2",
            what="post-merger provinces (Resolution 202/2025/QH15) dissolved by the compiler from "
            "the pre-2025 province polygons",
        ),
        ADMIN_LICENSE,
    ),
    ReferenceLayer(
        "provinces_pre2025.geojson",
        "admin_provinces_pre2025.geojson",
        "prov_code_gso",
        "PROV-",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_provinces_pre2025.geojson",
            section="1",
            what="pre-2025 province polygons",
        ),
        ADMIN_LICENSE,
    ),
    ReferenceLayer(
        "districts_pre2025.geojson",
        "admin_districts_pre2025.geojson",
        "dist_code_gso",
        "DIST-",
        "digitized",
        ADMIN_PROVENANCE.format(
            file="shared/data/admin_districts_pre2025.geojson",
            section="1",
            what="pre-2025 district polygons (Lai Châu 108/109 label fix)",
        ),
        ADMIN_LICENSE,
    ),
    ReferenceLayer(
        "communes_2025.geojson",
        "admin_communes_2025_points.geojson",
        "commune_code",
        "COMM-",
        "digitized",
        "shared/data/admin_communes_2025_points.geojson (SOURCES.md §3): one approximate geocoded "
        "point (3 decimals) per 2025 commune from open-admin-data/vietnam-administrative-divisions "
        "@7e0e777 (divisions/lao-cai-15, lai-chau-12 README); not a centroid of an official "
        "polygon; see qa_flags; for labels and lookup only. Attribution: Vietnam Administrative "
        "Divisions Dataset (CC-BY-4.0).",
        "CC-BY-4.0",
    ),
    ReferenceLayer(
        "protected_areas.geojson",
        "protected_areas_indicative.geojson",
        "name_vi",
        "",
        "indicative",
        "shared/data/protected_areas_indicative.geojson (SOURCES.md §6): INDICATIVE "
        "ONLY — a locator "
        "point or the bbox of the published extent, compiled from public web pages (see sources); "
        "NOT a boundary; use_for_overlap_analysis is false.",
        "facts compiled from public web pages (no polygon licence applies; see sources)",
        PA_CODES,
    ),
)
