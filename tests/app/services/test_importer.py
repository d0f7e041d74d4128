"""Importing official layers as agencies deliver them, against the real PostGIS (issue 16).

The importer commits (it runs its own transaction), so each test imports into a dataset of its
own and the fixture deletes the dataset's rows afterwards (their versions stay in the history).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pyproj
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import Polygon, box
from sqlalchemy.engine import Engine

from app.services.change_context import ChangeContext
from app.services.importer import ImportOutcome, ImportRequest, run_import
from spatial.io.dbf_encoding import TextEncoding
from tests.support.legacy_files import write_shapefile_zip

# Control point QH1 of KCN Tằng Loỏng (shared/data/sites-locations.md, "Worked check").
QH1_WGS84 = (104.13479263, 22.32027166)
QH1_VN2000_9208 = (436425.85, 2469254.33)
# An ESRI-style .prj of VN-2000 TM-3 104°45' as agencies' software writes it: no TOWGS84.
PRJ_NO_TOWGS84 = (
    'PROJCS["VN_2000_TM3_104_45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",104.75],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
CONTEXT = ChangeContext(actor="import-test")


@pytest.fixture
def dataset(engine: Engine, request: pytest.FixtureRequest) -> Iterator[str]:
    """A dataset name of this test; afterwards its rows, versions, feed and imports go."""
    name = f"TEST-IMP-{request.node.name[:40]}"
    yield name
    # The rows go (their versions stay in the history, as any deleted row's do).
    with engine.begin() as connection:
        params = {"dataset": name}
        connection.execute(sa.text("DELETE FROM forest_parcels WHERE dataset = :dataset"), params)


def _import(engine: Engine, path: Path, dataset: str, **options: Any) -> ImportOutcome:
    request = ImportRequest(path=path, layer="forest", dataset=dataset, context=CONTEXT, **options)
    return run_import(engine, request, lambda *_: None, path.with_suffix(".csv"))


def inventory_zip(
    path: Path, rows: list[dict[str, Any]], encoding: TextEncoding = TextEncoding.TCVN3, **more: Any
) -> Path:
    """Write a zipped FORMIS-like Shapefile at QH1 on TM-3 104°45', .prj without TOWGS84."""
    options = {"prj_text": PRJ_NO_TOWGS84, "origin": QH1_VN2000_9208, **more}
    return write_shapefile_zip(path, rows, encoding, 9208, True, **options)


def _lot(lo: int, malr3: int = 1, nggocr: int = 1, ldlr: str = "TXG", **more: Any) -> dict:
    return {
        "matinh": 10,
        "maxa": 2404,
        "tk": 101,
        "khoanh": 2,
        "lo": lo,
        "malr3": malr3,
        "nggocr": nggocr,
        "ldlr": ldlr,
        **more,
    }


def _rows(engine: Engine, dataset: str) -> dict[str, Any]:
    with engine.connect() as connection:
        found = connection.execute(
            sa.text(
                "SELECT code, category, origin, area_ha, ST_AsBinary(geom), source_codes "
                "FROM forest_parcels WHERE dataset = :dataset"
            ),
            {"dataset": dataset},
        ).all()
    return {row[0]: row for row in found}


def test_vn2000_shapefile_without_towgs84_lands_where_the_control_point_says(
    engine: Engine, dataset: str, tmp_path: Path
):
    rows = [_lot(1), _lot(2, malr3=2, nggocr=2, ldlr="RTG"), _lot(3, malr3=3)]
    path = inventory_zip(tmp_path / "kiemke.zip", rows, side_m=250.0)
    dry = _import(engine, path, dataset)
    assert not dry.committed and dry.counts == {"created": 3}
    assert _rows(engine, dataset) == {}
    done = _import(engine, path, dataset, commit=True)
    assert done.committed and done.crs.srid == 9208 and "TOWGS84" in done.crs.reason
    stored = _rows(engine, dataset)
    assert {code: (row[1], row[2]) for code, row in stored.items()} == {
        "2404.101.2.1": ("protection", "natural"),
        "2404.101.2.2": ("special_use", "planted"),
        "2404.101.2.3": ("production", "natural"),
    }
    first = stored["2404.101.2.1"]
    assert first[5]["malr3"] == "1" and first[5]["ldlr"] == "TXG"
    # Geodesic hectares against the planar area in the file's own CRS (250 m squares).
    for row in stored.values():
        assert row[3] == pytest.approx(6.25, rel=1e-3)
    # The square's south-west corner is QH1: within a metre of its published WGS 84 position
    # (the other corners are 250 m or more away).
    geod = pyproj.Geod(ellps="WGS84")
    corners = shapely.get_coordinates(shapely.from_wkb(first[4]))
    metres = min(geod.inv(x, y, *QH1_WGS84)[2] for x, y in corners)
    assert metres < 1.0


@pytest.mark.parametrize("encoding", [TextEncoding.TCVN3, TextEncoding.VNI])
def test_legacy_dbf_text_is_decoded_letter_by_letter(
    engine: Engine, dataset: str, tmp_path: Path, encoding: TextEncoding
):
    names = ["Rừng phòng hộ đầu nguồn", "Xã Mường Hum", "Bản Nậm Pung"]
    rows = [_lot(i + 1, xa=name) for i, name in enumerate(names)]
    path = inventory_zip(tmp_path / "kiemke.zip", rows, encoding)
    mapping = tmp_path / "with_names.yaml"
    shipped = Path("data/mappings/forest_inventory.yaml").read_text(encoding="utf-8")
    mapping.write_text(shipped.replace("keep_codes: [", "keep_codes: [xa, "), encoding="utf-8")
    done = _import(engine, path, dataset, commit=True, mapping_path=mapping)
    assert done.encoding.encoding is encoding, done.encoding.reason
    kept = sorted(row[5]["xa"] for row in _rows(engine, dataset).values())
    assert kept == sorted(names)
    # The raw read leaves GDAL's SHAPE_ENCODING as it found it: later Shapefiles (an export,
    # the next import) are recoded again.
    assert pyogrio.get_gdal_config_option("SHAPE_ENCODING") is None


def test_mapinfo_tab_in_wgs84_imports(engine: Engine, dataset: str, tmp_path: Path):
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        [_lot(7), _lot(8, malr3=3, nggocr=2, ldlr="RTG")],
        geometry=[box(104.10, 22.30, 104.101, 22.301), box(104.102, 22.30, 104.103, 22.301)],
        crs="EPSG:4326",
    )
    folder = tmp_path / "tab"
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / "kiemke.tab", driver="MapInfo File")
    done = _import(engine, folder / "kiemke.tab", dataset, commit=True, encoding=TextEncoding.UTF8)
    assert done.file_format == "MapInfo File" and done.counts == {"created": 2}
    assert set(_rows(engine, dataset)) == {"2404.101.2.7", "2404.101.2.8"}


def test_dxf_layers_carry_the_category(engine: Engine, dataset: str, tmp_path: Path):
    """CAD drawings class their polygons by layer: a mapping reads the layer name as a code."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"Layer": ["RUNG_PHONG_HO", "RUNG_SAN_XUAT"]},
        geometry=[
            Polygon(shapely.get_coordinates(box(436000, 2469000, 436200, 2469200))),
            Polygon(shapely.get_coordinates(box(436400, 2469000, 436600, 2469200))),
        ],
        crs="EPSG:9208",
    )
    pyogrio.write_dataframe(frame, tmp_path / "ranh.dxf", driver="DXF")
    mapping = tmp_path / "dxf.yaml"
    mapping.write_text(
        "name: forest_from_dxf\nlayer: forest\nkey: [EntityHandle]\n"
        "fields:\n  category:\n    code: Layer\n    required: true\n"
        "    map: {RUNG_PHONG_HO: protection, RUNG_SAN_XUAT: production}\n"
        "  origin:\n    code: Layer\n    map: {RUNG_PHONG_HO: natural, RUNG_SAN_XUAT: natural}\n",
        encoding="utf-8",
    )
    done = _import(
        engine, tmp_path / "ranh.dxf", dataset, commit=True, mapping_path=mapping, crs="Lào Cai"
    )
    assert done.counts == {"created": 2}, done.notable
    assert sorted(row[1] for row in _rows(engine, dataset).values()) == ["production", "protection"]


def test_bad_rows_are_each_named_in_the_dry_run_report(
    engine: Engine, dataset: str, tmp_path: Path
):
    import geopandas as gpd

    bowtie = Polygon([(104.10, 22.30), (104.11, 22.31), (104.11, 22.30), (104.10, 22.31)])
    frame = gpd.GeoDataFrame(
        [_lot(1), _lot(2), _lot(3, malr3=9), _lot(1), _lot(5, nggocr=3, ldlr="DT2")],
        geometry=[
            bowtie,
            box(100.0, 30.0, 100.01, 30.01),
            box(104.1, 22.3, 104.101, 22.301),
            box(104.12, 22.3, 104.121, 22.301),
            box(104.13, 22.3, 104.131, 22.301),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    done = _import(engine, path, dataset)
    report = {row[0]: (row[2], row[3]) for row in done.notable}
    assert report[1][0] == "rejected" and "Self-intersection at (" in report[1][1]
    assert report[2][0] == "rejected" and "outside Vietnam" in report[2][1]
    assert report[3][0] == "rejected" and "malr3" in report[3][1] and "'9'" in report[3][1]
    assert report[4][0] == "rejected" and "duplicate key: also at row 1" in report[4][1]
    assert report[5][0] == "skipped" and "not forest" in report[5][1]
    csv = path.with_suffix(".csv").read_text(encoding="utf-8").splitlines()
    assert csv[0] == "row_no,key,status,reason" and len(csv) == 6
    assert _rows(engine, dataset) == {}


def test_reimport_of_the_same_file_changes_nothing_and_a_changed_file_says_what(
    engine: Engine, dataset: str, tmp_path: Path
):
    rows = [_lot(1), _lot(2), _lot(3)]
    first = inventory_zip(tmp_path / "a.zip", rows)
    assert _import(engine, first, dataset, commit=True).counts == {"created": 3}
    assert _import(engine, first, dataset, commit=True).counts == {"unchanged": 3}
    second = inventory_zip(tmp_path / "b.zip", [_lot(1), _lot(2, malr3=3), _lot(4)])
    done = _import(engine, second, dataset, commit=True)
    assert done.counts == {"unchanged": 1, "updated": 1, "created": 1, "removed": 1}
    with engine.connect() as connection:
        versions = connection.execute(
            sa.text("SELECT code, category FROM forest_parcels_versions WHERE dataset = :d"),
            {"d": dataset},
        ).all()
    assert sorted(versions) == [("2404.101.2.2", "protection"), ("2404.101.2.3", "protection")]


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp.zip"])
def test_an_export_imported_again_changes_nothing(
    engine: Engine, dataset: str, tmp_path: Path, client: Any, suffix: str
):
    path = inventory_zip(tmp_path / "a.zip", [_lot(1), _lot(2, malr3=2)])
    _import(engine, path, dataset, commit=True)
    response = client.get(
        f"/api/v1/export/forest.{suffix}", params={"filter": f"dataset='{dataset}'"}
    )
    assert response.status_code == 200, response.text
    exported = tmp_path / f"export.{suffix}"
    exported.write_bytes(response.content)
    again = _import(engine, exported, dataset, commit=True, mapping_path=EXPORT_MAPPING)
    assert again.counts == {"unchanged": 2}, again.notable


EXPORT_MAPPING = Path("data/mappings/forest_sitereg.yaml")


def test_sigkill_during_a_commit_leaves_nothing(engine: Engine, dataset: str, tmp_path: Path):
    import geopandas as gpd

    count = 20_000
    squares = [
        box(
            104.0 + (i % 200) * 0.0004,
            22.2 + (i // 200) * 0.0004,
            104.0003 + (i % 200) * 0.0004,
            22.2003 + (i // 200) * 0.0004,
        )
        for i in range(count)
    ]
    frame = gpd.GeoDataFrame([_lot(i + 1) for i in range(count)], geometry=squares, crs="EPSG:4326")
    path = tmp_path / "big.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    script = (
        "import sys; from pathlib import Path; from sqlalchemy import create_engine;"
        "from app.services.change_context import ChangeContext;"
        "from app.services.importer import ImportRequest, run_import;"
        "r = ImportRequest(path=Path(sys.argv[1]), layer='forest', dataset=sys.argv[2],"
        " context=ChangeContext(actor='kill-test'), commit=True);"
        "run_import(create_engine(sys.argv[3]), r, lambda *a: None)"
    )
    url = engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path), dataset, url],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    _wait_for_apply(engine, child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(0.5)  # the backend notices the lost client and rolls back
    assert _rows(engine, dataset) == {}


def _wait_for_apply(engine: Engine, child: subprocess.Popen[bytes]) -> None:
    """Wait until the child's backend writes forest rows (or fail after a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, "the import ended before it could be killed"
        with engine.connect() as connection:
            busy = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                    "AND (query LIKE '%INSERT INTO forest_parcels%' "
                    "OR query LIKE '%CREATE TEMP TABLE import_report%')"
                )
            ).scalar_one()
        if busy:
            return
        time.sleep(0.02)
    pytest.fail("the import never reached its apply step")


def test_a_dgn_v8_file_is_refused_with_what_to_do(tmp_path: Path):
    from spatial.errors import UnsupportedFormat
    from spatial.io.layers import OLE_MAGIC, open_layer

    path = tmp_path / "ranh.dgn"
    path.write_bytes(OLE_MAGIC + b"\0" * 504)
    with pytest.raises(UnsupportedFormat, match="save it as DGN v7"):
        open_layer(path)


def test_metres_without_a_prj_are_refused_and_crs_province_fills_in(
    engine: Engine, dataset: str, tmp_path: Path
):
    from spatial.errors import UnknownCRS

    path = write_shapefile_zip(
        tmp_path / "noprj.zip",
        [_lot(1)],
        TextEncoding.TCVN3,
        9208,
        False,
        origin=QH1_VN2000_9208,
    )
    with pytest.raises(UnknownCRS, match="no .prj"):
        _import(engine, path, dataset)
    done = _import(engine, path, dataset, crs="lao cai")
    assert done.crs.srid == 9208 and done.counts == {"created": 1}
    assert zipfile.ZipFile(path).namelist()  # the same file, read twice


def test_protected_areas_in_wdpa_fields_are_a_dataset_of_their_own(engine: Engine, tmp_path: Path):
    import geopandas as gpd

    dataset = "TEST-IMP-WDPA"
    areas = [
        {
            "WDPAID": 900001,
            "NAME": "Hoang Lien",
            "ORIG_NAME": "Vườn quốc gia Hoàng Liên",
            "DESIG": "Vườn quốc gia",
            "DESIG_ENG": "National Park",
            "IUCN_CAT": "II",
            "STATUS": "Designated",
            "STATUS_YR": 2002,
            "REP_AREA": 283.0,
        },
        {
            "WDPAID": 900002,
            "NAME": "Proposed one",
            "ORIG_NAME": "Khu dự kiến",
            "DESIG": "x",
            "DESIG_ENG": "x",
            "IUCN_CAT": "VI",
            "STATUS": "Proposed",
            "STATUS_YR": 0,
            "REP_AREA": 1.0,
        },
        {
            "WDPAID": 900003,
            "NAME": None,
            "ORIG_NAME": None,
            "DESIG": "Khu bảo tồn",
            "DESIG_ENG": "Nature Reserve",
            "IUCN_CAT": "IV",
            "STATUS": "Designated",
            "STATUS_YR": 2010,
            "REP_AREA": 5.0,
        },
    ]
    frame = gpd.GeoDataFrame(
        areas,
        geometry=[
            box(103.75, 22.25, 103.80, 22.30),
            box(103.81, 22.25, 103.82, 22.26),
            box(103.83, 22.25, 103.84, 22.26),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "wdpa.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    request = ImportRequest(
        path=path, layer="protected_areas", dataset=dataset, context=CONTEXT, commit=True
    )
    try:
        done = run_import(engine, request, lambda *_: None, tmp_path / "report.csv")
        assert done.counts == {"created": 1, "skipped": 1, "rejected": 1}, done.notable
        assert any("name" in (row[3] or "") for row in done.notable), done.notable
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT code, name, designation, source_codes->>'IUCN_CAT', "
                    "use_for_overlap_analysis, attributes->>'name_wdpa' "
                    "FROM protected_areas WHERE dataset = :d"
                ),
                {"d": dataset},
            ).one()
        assert tuple(row) == (
            "900001",
            "Vườn quốc gia Hoàng Liên",
            "Vườn quốc gia",
            "II",
            True,
            "Hoang Lien",
        )
        again = run_import(engine, request, lambda *_: None, tmp_path / "report.csv")
        assert again.counts == {"unchanged": 1, "skipped": 1, "rejected": 1}
    finally:
        with engine.begin() as connection:
            connection.execute(
                sa.text("DELETE FROM protected_areas WHERE dataset = :d"), {"d": dataset}
            )


def test_2025_commune_boundaries_import_with_their_pieces(engine: Engine, tmp_path: Path):
    import geopandas as gpd

    dataset = "TEST-IMP-COMMUNES"
    communes = [
        {
            "ma_xa": "99901",
            "ten_xa": "Xã Thử Nghiệm",
            "ten_tinh": "Lào Cai",
            "loai": "Xã",
            "ma_tinh": "15",
        },
        {
            "ma_xa": "99902",
            "ten_xa": "Phường Thử",
            "ten_tinh": "Lào Cai",
            "loai": "Phường",
            "ma_tinh": "15",
        },
    ]
    frame = gpd.GeoDataFrame(
        communes,
        geometry=[box(103.90, 22.40, 103.95, 22.45), box(103.95, 22.40, 104.00, 22.45)],
        crs="EPSG:4326",
    )
    path = tmp_path / "xa_2025.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    request = ImportRequest(
        path=path, layer="admin_units", dataset=dataset, context=CONTEXT, commit=True
    )
    try:
        done = run_import(engine, request, lambda *_: None, tmp_path / "report.csv")
        assert done.counts == {"created": 2}, done.notable
        with engine.connect() as connection:
            found = connection.execute(
                sa.text(
                    "SELECT u.code, u.level, u.name, u.province, u.attributes->>'kind', "
                    "(SELECT count(*) FROM admin_unit_pieces p WHERE p.unit_id = u.id) "
                    "FROM admin_units u WHERE u.dataset = :d ORDER BY u.code"
                ),
                {"d": dataset},
            ).all()
        assert [tuple(row[:5]) for row in found] == [
            ("99901", "commune_2025", "Xã Thử Nghiệm", "Lào Cai", "Xã"),
            ("99902", "commune_2025", "Phường Thử", "Lào Cai", "Phường"),
        ]
        assert all(row[5] >= 1 for row in found)  # subdivided by the admin_units triggers
        again = run_import(engine, request, lambda *_: None, tmp_path / "report.csv")
        assert again.counts == {"unchanged": 2}
    finally:
        with engine.begin() as connection:
            connection.execute(
                sa.text("DELETE FROM admin_units WHERE dataset = :d"), {"d": dataset}
            )


def test_a_synthetic_export_read_back_stays_synthetic(engine: Engine, tmp_path: Path, client: Any):
    dataset = "TEST-IMP-SYN-RT"
    response = client.get(
        "/api/v1/export/forest.geojson", params={"filter": "code = 'SYN-FOREST-000001'"}
    )
    assert response.status_code == 200, response.text
    exported = tmp_path / "syn.geojson"
    exported.write_text(
        response.text.replace("SYN-FOREST-000001", "TEST-SYN-RT-1"), encoding="utf-8"
    )
    try:
        done = _import(engine, exported, dataset, commit=True, mapping_path=EXPORT_MAPPING)
        assert done.counts == {"created": 1}, done.notable
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT synthetic, geometry_source, provenance LIKE 'SYNTHETIC%' "
                    "FROM forest_parcels WHERE code = 'TEST-SYN-RT-1'"
                )
            ).one()
        assert tuple(row) == (True, "indicative", True)
    finally:
        with engine.begin() as connection:
            connection.execute(
                sa.text("DELETE FROM forest_parcels WHERE dataset = :d"), {"d": dataset}
            )


def test_row_values_are_json_whatever_orjson_refuses():
    """The COPY's JSON is orjson's where it can write it, json's where it refuses (big ints)."""
    from app.services.importer import _json

    plain = {"xa": "Xã Mường Hum", "lo": "12", "dtich": 1.25, "empty": None}
    assert json.loads(_json(plain)) == plain
    huge = {"so_hieu": 2**70}
    assert _json(huge) == json.dumps(huge).encode()
