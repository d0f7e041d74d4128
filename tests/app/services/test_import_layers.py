"""Sites, clearance parcels, infrastructure and outlines imported as agencies deliver them.

Against the real PostGIS with the demo data: each test imports into a dataset of its own and
deletes the dataset's rows afterwards (their versions stay in the history).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, Point, box
from sqlalchemy.engine import Engine

from app.services.change_context import ChangeContext
from app.services.importer import ImportOutcome, ImportRequest, run_import

CONTEXT = ChangeContext(actor="import-test")
IN_LAO_CAI = box(104.10, 22.30, 104.11, 22.31)  # inside Lào Cai's 2025 outline
SITE = "KCN-TANG-LOONG"  # a demo site the parcels belong to


def _write(path: Path, rows: list[dict[str, Any]], geometries: list[Any]) -> Path:
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, driver="GPKG" if path.suffix == ".gpkg" else "GeoJSON")
    return path


def _import(engine: Engine, path: Path, layer: str, dataset: str) -> ImportOutcome:
    request = ImportRequest(path, layer, dataset, CONTEXT, commit=True)
    return run_import(engine, request, lambda *_: None, path.with_suffix(".csv"))


def _reasons(outcome: ImportOutcome) -> dict[str | None, str | None]:
    return {key: reason for _, key, _, reason in outcome.notable}


@pytest.fixture
def cleanup(engine: Engine) -> Iterator[list[tuple[str, str]]]:
    """(table, dataset) pairs whose rows go after the test."""
    made: list[tuple[str, str]] = []
    yield made
    with engine.begin() as connection:
        for table, name in made:
            connection.execute(sa.text(f"DELETE FROM {table} WHERE dataset = :d"), {"d": name})  # noqa: S608


def _site(code: str, **more: Any) -> dict[str, Any]:
    row = {
        "code": code,
        "name": f"KCN thử {code}",
        "kind": "Khu công nghiệp",
        "status": "Quy hoạch",
        "province": "Lào Cai",
        "legal_decision_number": "525/QĐ-UBND",
        "legal_decision_date": "25/02/2026",
        "planned_area_ha": "12.5",
    }
    return {**row, **more}


def test_surveyed_site_outlines_are_typed_flagged_and_checked(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-SITES"
    cleanup.append(("sites", dataset))
    rows = [
        _site("TEST-S1"),
        _site("TEST-S2", province="Lai Châu"),  # drawn in Lào Cai: accepted and flagged
        _site("TEST-S3", legal_decision_date="31/02/2026"),
        _site("TEST-S4", planned_area_ha="12,5"),
        _site("TEST-S5", kind="Khu chế xuất"),
    ]
    path = _write(tmp_path / "ranh_gioi.gpkg", rows, [IN_LAO_CAI] * 5)
    done = _import(engine, path, "sites", dataset)
    assert done.counts == {"created": 2, "rejected": 3, "flagged": 1}, done.notable
    reasons = _reasons(done)
    assert "not inside Lai Châu" in (reasons["TEST-S2"] or "")
    assert "legal_decision_date '31/02/2026' is not a known date" in (reasons["TEST-S3"] or "")
    assert "planned_area_ha '12,5' is not a known number" in (reasons["TEST-S4"] or "")
    assert "TEST-S5" in reasons and "TEST-S1" not in reasons
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text(
                "SELECT kind, status, legal_decision_date::text, planned_area_ha, area_ha > 100 "
                "FROM sites s, LATERAL (SELECT area_ha(s.geom) AS area_ha) a "
                "WHERE code = 'TEST-S1'"
            )
        ).one()
    assert tuple(stored) == ("industrial_zone", "planned", "2026-02-25", 12.5, True)
    again = _import(engine, path, "sites", dataset)
    assert again.counts == {"unchanged": 2, "rejected": 3}, again.notable  # flags: new work


def test_a_sites_export_imported_again_changes_nothing(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]], client: Any
):
    dataset = "TEST-IMP-SITES-RT"
    cleanup.append(("sites", dataset))
    path = _write(tmp_path / "sites.geojson", [_site("TEST-RT1")], [IN_LAO_CAI])
    assert _import(engine, path, "sites", dataset).counts == {"created": 1}
    response = client.get("/api/v1/export/sites.gpkg", params={"filter": "code = 'TEST-RT1'"})
    assert response.status_code == 200, response.text
    exported = tmp_path / "export.gpkg"
    exported.write_bytes(response.content)
    again = _import(engine, exported, "sites", dataset)
    assert again.counts == {"unchanged": 1}, again.notable


def test_clearance_parcels_join_their_site_and_their_status_history(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-GPMB"
    cleanup.append(("clearance_parcels", dataset))
    with engine.connect() as connection:
        inside = connection.execute(
            sa.text("SELECT ST_AsText(ST_PointOnSurface(geom)) FROM sites WHERE code = :c"),
            {"c": SITE},
        ).scalar_one()
    x, y = (float(v) for v in inside.removeprefix("POINT(").rstrip(")").split())
    parcel = box(x - 0.0005, y - 0.0005, x + 0.0005, y + 0.0005)
    base = {"site_code": SITE, "owner_name": "Nguyễn Văn A", "compensation_vnd": "150000000"}
    rows = [
        {**base, "code": "TEST-P1", "status": "Đang bồi thường", "status_date": "2026-03-01"},
        {
            **base,
            "code": "TEST-P2",
            "status": "cleared",
            "status_date": "2026-03-01",
            "site_code": "KCN-KHONG-CO",
        },
    ]
    path = _write(tmp_path / "gpmb.gpkg", rows, [parcel, parcel])
    done = _import(engine, path, "clearance_parcels", dataset)
    assert done.counts == {"created": 1, "rejected": 1}, done.notable
    assert "site 'KCN-KHONG-CO' is not a known site code" in (_reasons(done)["TEST-P2"] or "")
    rows[0].update(status="Đã bàn giao", status_date="15/04/2026")
    later = _write(tmp_path / "gpmb2.gpkg", rows[:1], [parcel])
    assert _import(engine, later, "clearance_parcels", dataset).counts == {"updated": 1}
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text(
                "SELECT s.code, p.status, p.owner_name, p.compensation_vnd::bigint, p.synthetic, "
                "array_agg(h.status || ' ' || h.status_date ORDER BY h.status_date) "
                "FROM clearance_parcels p JOIN sites s ON s.id = p.site_id "
                "JOIN clearance_status_history h ON h.parcel_id = p.id "
                "WHERE p.code = 'TEST-P1' GROUP BY 1, 2, 3, 4, 5"
            )
        ).one()
    assert tuple(stored) == (
        SITE,
        "handed_over",
        "Nguyễn Văn A",
        150_000_000,
        False,
        ["compensating 2026-03-01", "handed_over 2026-04-15"],
    )


def test_infrastructure_takes_lines_and_outlines_not_points(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-INFRA"
    cleanup.append(("infrastructure", dataset))
    rows = [
        {
            "code": f"TEST-I{n}",
            "name": f"Đường {n}",
            "kind": kind,
            "status": "Quy hoạch",
            "site_code": SITE,
            "stated_length_km": "2.6",
        }
        for n, kind in ((1, "Đường"), (2, "Nhà máy xử lý nước thải"), (3, "road"))
    ]
    geometries = [
        LineString([(104.10, 22.30), (104.12, 22.31)]),
        IN_LAO_CAI,
        Point(104.10, 22.30),
    ]
    done = _import(
        engine, _write(tmp_path / "ht.gpkg", rows, geometries), "infrastructure", dataset
    )
    assert done.counts == {"created": 2, "rejected": 1}, done.notable
    assert _reasons(done)["TEST-I3"] == "not a linestring or polygon: multipoint"
    with engine.connect() as connection:
        kinds = connection.execute(
            sa.text(
                "SELECT code, kind, GeometryType(geom), stated_length_km FROM infrastructure "
                "WHERE dataset = :d ORDER BY code"
            ),
            {"d": dataset},
        ).all()
    assert [tuple(k) for k in kinds] == [
        ("TEST-I1", "road", "MULTILINESTRING", 2.6),
        ("TEST-I2", "wastewater_plant", "MULTIPOLYGON", 2.6),
    ]


def test_an_import_leaves_no_temporary_object_on_its_pooled_connection(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-TEMP"
    cleanup.append(("sites", dataset))
    path = _write(tmp_path / "one.geojson", [_site("TEST-T1")], [IN_LAO_CAI])
    for commit in (False, True):  # a dry run rolls back; a commit drops what it made
        request = ImportRequest(path, "sites", dataset, CONTEXT, commit=commit)
        run_import(engine, request, lambda *_: None)
        with engine.connect() as connection:
            left = connection.execute(
                sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'sitereg_date'")
            ).scalar_one()
        assert left == 0


def test_infrastructure_capital_by_source_is_imported(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-INFRA-CAPITAL"
    cleanup.append(("infrastructure", dataset))
    row = {
        "code": "TEST-IC1",
        "name": "Đường trục",
        "kind": "road",
        "status": "approved",
        "capital_state_budget_bn_vnd": "210",
        "capital_enterprise_bn_vnd": "35.5",
    }
    line = LineString([(104.10, 22.30), (104.12, 22.31)])
    path = _write(tmp_path / "von.gpkg", [row], [line])
    assert _import(engine, path, "infrastructure", dataset).counts == {"created": 1}
    with engine.connect() as connection:
        capital = connection.execute(
            sa.text(
                "SELECT capital_state_budget_bn_vnd, capital_enterprise_bn_vnd "
                "FROM infrastructure WHERE code = 'TEST-IC1'"
            )
        ).one()
    assert tuple(capital) == (210.0, 35.5)
    assert _import(engine, path, "infrastructure", dataset).counts == {"unchanged": 1}


def test_imported_outlines_get_their_label_point_and_quality_notes(
    engine: Engine, tmp_path: Path, cleanup: list[tuple[str, str]]
):
    dataset = "TEST-IMP-ADMIN-LABELS"
    cleanup.append(("admin_units", dataset))
    mapping = tmp_path / "xa.yaml"
    mapping.write_text(
        "layer: admin_units\nkey: [ma_xa]\nfields:\n"
        "  level: {code: loai, default: commune_2025, map: {xã: commune_2025}}\n"
        "  name: {from: ten_xa, required: true}\n"
        "  qa_flags: {from: ghi_chu}\n",
        encoding="utf-8",
    )
    row = {"ma_xa": "99911", "ten_xa": "Xã Nhãn", "loai": "Xã", "ghi_chu": "ranh tạm"}
    outline = box(103.90, 22.40, 103.95, 22.45)
    path = _write(tmp_path / "xa.gpkg", [row], [outline])
    request = ImportRequest(path, "admin_units", dataset, CONTEXT, mapping, commit=True)
    assert run_import(engine, request, lambda *_: None).counts == {"created": 1}
    with engine.connect() as connection:
        found = connection.execute(
            sa.text(
                "SELECT qa_flags, ST_Equals(label_point, ST_PointOnSurface(geom)), "
                "ST_Within(label_point, geom) FROM admin_units WHERE dataset = :d"
            ),
            {"d": dataset},
        ).one()
    assert tuple(found) == ("ranh tạm", True, True)
