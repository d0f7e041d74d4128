import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.services.demo_loader import LAYERS, load_demo
from spatial.errors import InvalidGeometry, UnreadableFile
from spatial.validate import VIETNAM_BBOX

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "geojson"
GEOD = Geod(ellps="WGS84")
GEOMETRY_TABLES = ("sites", "clearance_parcels", "infrastructure", "forest_parcels")


def _count(session: Session, table: str) -> int:
    return session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)


def _features(file_name: str) -> list[dict]:
    return json.loads((DEMO_DIR / file_name).read_text(encoding="utf-8"))["features"]


def test_demo_loader_loads_every_feature_of_every_layer(db_session: Session):
    assert _count(db_session, "sites") == len(_features("sites.geojson"))
    assert _count(db_session, "clearance_parcels") == len(_features("clearance_parcels.geojson"))
    assert _count(db_session, "infrastructure") == len(_features("infrastructure.geojson"))
    assert _count(db_session, "forest_parcels") == len(_features("forest_synthetic.geojson"))
    admin_files = [layer.file_name for layer in LAYERS if layer.table.name == "admin_units"]
    assert _count(db_session, "admin_units") == sum(len(_features(f)) for f in admin_files)


def test_demo_loader_keeps_all_58_published_outlines(db_session: Session):
    published = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM sites WHERE provenance LIKE '%Trangsct/ccn-laocai%' "
            "AND geometry_source IN ('surveyed', 'digitized')"
        )
    )
    assert published == 58
    zones = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM sites "
            "WHERE geometry_source <> 'indicative' AND kind = 'industrial_zone'"
        )
    )
    assert zones == 17


def test_demo_loader_second_run_loads_nothing(db_session: Session):
    versions = db_session.execute(sa.text("SELECT code, version FROM sites")).all()
    report = load_demo(db_session, DEMO_DIR)
    assert report.loaded == {}
    assert set(report.skipped) >= {"sites", "forest_synthetic", "plan_targets"}
    assert db_session.execute(sa.text("SELECT code, version FROM sites")).all() == versions


def test_demo_loader_forced_reload_changes_no_row(db_session: Session):
    before = {
        t: _count(db_session, t) for t in (*GEOMETRY_TABLES, "sites_versions", "registry_changes")
    }
    report = load_demo(db_session, DEMO_DIR, force=True)
    assert report.loaded["sites"] == before["sites"]
    after = {
        t: _count(db_session, t) for t in (*GEOMETRY_TABLES, "sites_versions", "registry_changes")
    }
    assert after == before  # identical content: no update, no new history row


def test_demo_loader_is_all_or_nothing(db_session: Session, tmp_path: Path):
    broken = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, broken)
    sites = json.loads((broken / "sites.geojson").read_text(encoding="utf-8"))
    sites["features"][0]["properties"]["name"] = "Đổi tên — must not be written"
    bowtie = [[[104.1, 22.3], [104.11, 22.31], [104.11, 22.3], [104.1, 22.31], [104.1, 22.3]]]
    sites["features"][-1]["geometry"] = {"type": "Polygon", "coordinates": bowtie}
    (broken / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidGeometry) as caught:
        load_demo(db_session, broken, force=True)
    assert caught.value.errors[0].pointer.startswith("sites.geojson#/features/")
    assert "Self-intersection" in caught.value.errors[0].detail
    renamed = db_session.scalar(sa.text("SELECT count(*) FROM sites WHERE name LIKE 'Đổi tên%'"))
    assert renamed == 0


@pytest.mark.parametrize("table", GEOMETRY_TABLES)
def test_demo_geometries_are_valid_and_inside_vietnam(db_session: Session, table: str):
    west, south, east, north = VIETNAM_BBOX
    bad = db_session.scalar(
        sa.text(
            f"SELECT count(*) FROM {table} WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) "  # noqa: S608
            "OR NOT ST_CoveredBy(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
        ),
        {"w": west, "s": south, "e": east, "n": north},
    )
    assert bad == 0


@pytest.mark.parametrize("table", (*GEOMETRY_TABLES, "protected_areas", "admin_units"))
def test_demo_rows_carry_provenance(db_session: Session, table: str):
    missing = db_session.scalar(
        sa.text(
            f"SELECT count(*) FROM {table} WHERE coalesce(provenance, '') = ''"  # noqa: S608
        )
    )
    assert missing == 0


def test_demo_forest_layer_is_named_synthetic(db_session: Session):
    rows = db_session.execute(
        sa.text(
            "SELECT DISTINCT synthetic, dataset, provenance LIKE 'SYNTHETIC%' FROM forest_parcels"
        )
    ).all()
    assert rows and all(
        synthetic and "synthetic" in dataset and flagged for synthetic, dataset, flagged in rows
    )


def test_demo_indicative_outlines_match_their_planned_area(db_session: Session):
    rows = db_session.execute(
        sa.text(
            "SELECT code, planned_area_ha, area_ha(geom), ST_AsGeoJSON(geom) FROM sites "
            "WHERE geometry_source = 'indicative' AND planned_area_ha IS NOT NULL"
        )
    ).all()
    assert rows
    for code, planned_ha, area_ha, geojson in rows:
        independent_ha = abs(GEOD.geometry_area_perimeter(shape(json.loads(geojson)))[0]) / 1e4
        assert abs(area_ha - independent_ha) / independent_ha < 0.001, code
        assert abs(area_ha - planned_ha) / planned_ha < 0.001, code


def test_demo_site_areas_match_an_independent_geodesic_computation(db_session: Session):
    rows = db_session.execute(
        sa.text("SELECT code, area_ha(geom), ST_AsGeoJSON(geom) FROM sites")
    ).all()
    for code, area_ha, geojson in rows:
        independent_ha = abs(GEOD.geometry_area_perimeter(shape(json.loads(geojson)))[0]) / 1e4
        assert abs(area_ha - independent_ha) / independent_ha < 0.001, code


def test_site_update_bumps_version_and_keeps_history(db_session: Session):
    db_session.execute(sa.text("UPDATE sites SET status = 'relocated' WHERE code = 'CCN-SON-MAN'"))
    version = db_session.scalar(sa.text("SELECT version FROM sites WHERE code = 'CCN-SON-MAN'"))
    history = db_session.execute(
        sa.text(
            "SELECT version, status, GeometryType(geom) FROM sites_versions "
            "WHERE code = 'CCN-SON-MAN' ORDER BY recorded_to DESC LIMIT 1"
        )
    ).one()
    assert version == history[0] + 1
    assert history[1] == "relocating" and history[2] == "MULTIPOLYGON"


def test_demo_forest_goes_through_the_importer_and_a_bad_row_fails_the_load(
    db_session: Session, tmp_path: Path
):
    imported = db_session.execute(
        sa.text(
            "SELECT i.mapping, i.committed, count(f.id) FROM forest_parcels f "
            "JOIN imports i ON i.id = f.import_id GROUP BY 1, 2"
        )
    ).all()
    forest = len(_features("forest_synthetic.geojson"))
    assert [tuple(row) for row in imported] == [("forest_demo", True, forest)]
    broken = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, broken)
    layer = json.loads((broken / "forest_synthetic.geojson").read_text(encoding="utf-8"))
    layer["features"][3]["properties"]["category"] = "rừng ma"
    (broken / "forest_synthetic.geojson").write_text(
        json.dumps(layer, ensure_ascii=False), encoding="utf-8"
    )
    with pytest.raises(InvalidGeometry) as caught:
        load_demo(db_session, broken, force=True)
    assert caught.value.errors[0].pointer == "forest_synthetic.geojson#/features/3"
    assert "rừng ma" in caught.value.errors[0].detail


def test_a_wrong_curated_row_fails_the_load_naming_its_line(db_session: Session, tmp_path: Path):
    shutil.copytree(DEMO_DIR, tmp_path / "geojson")
    curated = tmp_path / "curated"
    shutil.copytree(DEMO_DIR.parent / "curated", curated)
    with (curated / "site_links.csv").open("a", encoding="utf-8") as handle:
        handle.write("KCN-KHONG-CO,KCN-VO-LAO-TOAN-KHU,phase,test\n")
    with pytest.raises(
        UnreadableFile, match=r"site_links.csv line 4: unknown site \['KCN-KHONG-CO'\]"
    ):
        load_demo(db_session, tmp_path / "geojson", force=True)


def test_demo_layers_go_through_the_importer_each_as_a_dataset_of_its_own(db_session: Session):
    for layer in (layer for layer in LAYERS if layer.imported is not None):
        rows = db_session.execute(
            sa.text(
                f"SELECT t.dataset, i.mapping, i.layer, bool_and(i.committed), count(*) "  # noqa: S608
                f"FROM {layer.table.name} t JOIN imports i ON i.id = t.import_id "
                "WHERE t.code = ANY(:codes) GROUP BY 1, 2, 3"
            ),
            {"codes": [f["properties"]["code"] for f in _features(layer.file_name)]},
        ).all()
        mapping = layer.imported.mapping.removesuffix(".yaml")
        assert len(rows) == 1, (layer.name, rows)
        dataset, found_mapping, found_layer, committed, count = rows[0]
        assert (found_mapping, found_layer, committed) == (mapping, layer.imported.layer, True)
        assert count == len(_features(layer.file_name)) and dataset, layer.name


def test_demo_clearance_parcels_stay_synthetic_with_their_invented_history(db_session: Session):
    rows = db_session.execute(
        sa.text(
            "SELECT bool_and(p.synthetic), bool_and(p.provenance LIKE 'SYNTHETIC%'), "
            "count(h.*) FROM clearance_parcels p JOIN clearance_status_history h "
            "ON h.parcel_id = p.id"
        )
    ).one()
    steps = sum(
        len(f["properties"]["status_history"]) for f in _features("clearance_parcels.geojson")
    )
    assert tuple(rows) == (True, True, steps)


def test_a_bad_demo_clearance_row_fails_the_load_naming_it(db_session: Session, tmp_path: Path):
    broken = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, broken)
    layer = json.loads((broken / "clearance_parcels.geojson").read_text(encoding="utf-8"))
    layer["features"][5]["properties"]["site_code"] = "KCN-KHONG-CO"
    (broken / "clearance_parcels.geojson").write_text(
        json.dumps(layer, ensure_ascii=False), encoding="utf-8"
    )
    with pytest.raises(InvalidGeometry) as caught:
        load_demo(db_session, broken, force=True)
    assert caught.value.errors[0].pointer == "clearance_parcels.geojson#/features/5"
    assert "KCN-KHONG-CO" in caught.value.errors[0].detail


def test_demo_rows_of_an_earlier_loader_are_taken_into_their_dataset(db_session: Session):
    db_session.execute(sa.text("UPDATE infrastructure SET dataset = NULL"))
    versions = db_session.execute(sa.text("SELECT code, version FROM infrastructure")).all()
    report = load_demo(db_session, DEMO_DIR, force=True)
    assert report.loaded["infrastructure"] == len(_features("infrastructure.geojson"))
    datasets = db_session.scalars(sa.text("SELECT DISTINCT dataset FROM infrastructure")).all()
    assert datasets == ["sitereg-demo-infrastructure"]
    after = dict(db_session.execute(sa.text("SELECT code, version FROM infrastructure")).all())
    assert all(after[code] == version + 1 for code, version in versions)  # one version: adopted
