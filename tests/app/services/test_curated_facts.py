"""Facts the demo build reads from reviewed CSVs: rows known, dated, sourced; bad rows named."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CURATED = ROOT / "data" / "curated"
GEOJSON = ROOT / "data" / "geojson"


def _facts() -> ModuleType:
    """Import scripts/demo_facts.py (scripts/ is not a package)."""
    if "demo_facts" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "demo_facts", ROOT / "scripts" / "demo_facts.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["demo_facts"] = module
        spec.loader.exec_module(module)
    return sys.modules["demo_facts"]


FACTS = _facts()


def _sites() -> dict[str, dict[str, Any]]:
    with (GEOJSON / "sites.geojson").open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return {item["properties"]["code"]: item["properties"] for item in features}


SITES = _sites()

# file → (date columns, columns that name a site; "*" and blank cells are not site codes)
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "legal_basis.csv": (("decision_date",), ("code",)),
    "managing_agencies.csv": ((), ()),
    "mining_details.csv": ((), ("code",)),
    "railway_relocations.csv": (("deadline",), ("code", "moved_from", "moved_to")),
    "relocation_areas.csv": (("deadline",), ("code", "moved_from", "moved_to")),
}


def unknown_sites(name: str, folder: Path = CURATED) -> list[str]:
    """Return '<file> line <n>: unknown site' for each cell naming a site the layer lacks."""
    dates, columns = FILES[name]
    problems = []
    for line, row in FACTS.curated_rows(name, dates=dates, folder=folder):
        keyed = [row["key"]] if row.get("applies_to") in ("ccn_investor", "site") else []
        for code in [row[column] for column in columns] + keyed:
            if code and code != "*" and code not in SITES:
                problems.append(f"{name} line {line}: unknown site '{code}'")
    return problems


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_row_names_a_known_site_a_parsed_date_and_its_source(name: str):
    dates, _columns = FILES[name]
    rows = FACTS.curated_rows(name, dates=dates)  # refuses a blank source or a bad date
    assert rows and all(row["source"].strip() for _line, row in rows)
    assert unknown_sites(name) == []


def test_the_legal_basis_rows_are_the_built_sites_legal_basis():
    for code, (number, decided, issuer, _source) in FACTS.LEGAL_BASIS.items():
        wanted = {"decision_number": number, "decision_date": decided, "issuer": issuer}
        assert SITES[code]["legal_basis"] == wanted, code
    default = FACTS.DEFAULT_LEGAL_BASIS
    assert SITES["KCN-BAT-XAT"]["legal_basis"]["decision_number"] == default[0] == "525/QĐ-UBND"


def test_the_agency_rows_are_the_built_sites_managing_agency():
    agencies = FACTS.curated_agencies()
    assert set(agencies["former_province"]) == {"10", "15"}  # GSO codes of former Lào Cai, Yên Bái
    for code, agency in {**agencies["ccn_investor"], **agencies["site"]}.items():
        assert SITES[code]["managing_agency"] == agency, code
    board = {
        props["managing_agency"] for props in SITES.values() if props["kind"] == "industrial_zone"
    }
    assert board <= set(agencies["former_province"].values()) | {None}


def test_the_mining_and_relocation_rows_are_the_built_records():
    for code, details in FACTS.MINING_DETAILS.items():
        assert SITES[code]["kind"] == "mining_site" and SITES[code]["mining_details"] == details
        assert FACTS.MINING_PROVENANCE[code] in SITES[code]["provenance"]
    for spec in FACTS.RAILWAY_RELOCATIONS:
        record = SITES[spec.code]["relocation_details"]
        assert (record["moved_from_code"], record["moved_to_code"]) == (
            spec.moved_from,
            spec.moved_to,
        )
        assert (record["households_planned"], record["deadline"]) == (
            spec.households_planned,
            spec.deadline,
        )
    for code, area in FACTS.RELOCATION_AREAS.items():
        assert SITES[code]["communes"] == list(area.communes)
        assert SITES[code]["managing_agency"] == area.managing_agency
        assert SITES[code]["relocation_details"]["households_planned"] == area.households_planned


def test_the_build_script_keeps_none_of_these_facts_of_its_own():
    facts = (ROOT / "scripts" / "demo_facts.py").read_text(encoding="utf-8")
    for fact in (
        "2968/QĐ-UBND",
        "UBND xã Lục Yên",
        "Ban Quản lý",
        "REO/yr",
        "Di dời CCN",
        "400 hộ",
    ):
        assert fact not in facts, fact
    for name in FILES:
        assert name in facts, name


def _with_row(tmp_path: Path, name: str, row: str) -> tuple[Path, int]:
    folder = tmp_path / "curated"
    shutil.copytree(CURATED, folder)
    path = folder / name
    line = len(path.read_text(encoding="utf-8").splitlines()) + 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    return folder, line


@pytest.mark.parametrize(
    ("name", "row", "detail"),
    [
        (
            "legal_basis.csv",
            "CCN-AU-LAU,1/QĐ-UBND,2026-02-30,UBND tỉnh Lào Cai,x,x",
            "decision_date",
        ),
        ("legal_basis.csv", "CCN-AU-LAU,1/QĐ-UBND,,UBND tỉnh Lào Cai,,x", "no source"),
        ("legal_basis.csv", "CCN-SON-MAN,1/QĐ-UBND,,UBND tỉnh Lào Cai,x,x", "appears twice"),
        (
            "managing_agencies.csv",
            "commune,CCN-AU-LAU,UBND phường Âu Lâu,x",
            "applies_to 'commune'",
        ),
        ("mining_details.csv", "MINE-X,sắt,,none,,maybe,,,p,x", "offtake_contract 'maybe'"),
        (
            "mining_details.csv",
            "MINE-X,sắt,,none,,false,,lots,p,x",
            "rehabilitation_deposit_bn_vnd",
        ),
        ("railway_relocations.csv", "RELOC-X,n,A,B,84.5,UBND,2026-12-31,x", "households_planned"),
        ("railway_relocations.csv", "RELOC-X,n,A,B,,UBND,31/12/2026,x", "deadline '31/12/2026'"),
        (
            "relocation_areas.csv",
            "RELOC-X,n,planned,Xã A,UBND,,,,,0,low,q,p,x",
            "drawn_area_ha '0'",
        ),
        ("relocation_areas.csv", "RELOC-X,n,planned,Xã A,UBND", "wrong number of cells"),
    ],
)
def test_a_wrong_row_is_refused_naming_its_file_and_line(
    tmp_path: Path, name: str, row: str, detail: str
):
    folder, line = _with_row(tmp_path, name, row)
    readers = {
        "legal_basis.csv": FACTS.curated_legal_basis,
        "managing_agencies.csv": FACTS.curated_agencies,
        "mining_details.csv": FACTS.curated_mining,
        "railway_relocations.csv": FACTS.curated_railway_relocations,
        "relocation_areas.csv": FACTS.curated_relocation_areas,
    }
    with pytest.raises(FACTS.CuratedRowError, match=f"^{name} line {line}: .*{detail}"):
        readers[name](folder)


def test_a_row_naming_an_unknown_site_is_reported_with_its_line(tmp_path: Path):
    row = "RELOC-X,n,CCN-KHONG-CO,CCN-THONG-NHAT,,UBND phường Lào Cai,2026-12-31,x"
    folder, line = _with_row(tmp_path, "railway_relocations.csv", row)
    assert unknown_sites("railway_relocations.csv", folder) == [
        f"railway_relocations.csv line {line}: unknown site 'RELOC-X'",
        f"railway_relocations.csv line {line}: unknown site 'CCN-KHONG-CO'",
    ]
