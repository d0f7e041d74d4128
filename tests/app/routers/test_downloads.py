import io
import json
import zipfile
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from pyproj import CRS
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from spatial.crs import transform_geometry

EXPORT = "/api/v1/export/"


def _count(db_session: Session, sql: str) -> int:
    return int(db_session.execute(text(sql)).scalar_one())


def _save(tmp_path: Path, response, name: str) -> Path:
    assert response.status_code == 200, response.text
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


def test_geojson_export_streams_every_feature(client: TestClient, db_session: Session):
    response = client.get(EXPORT + "forest.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert "content-length" not in response.headers  # streamed, not buffered
    disposition = response.headers["content-disposition"]
    assert (
        disposition.startswith('attachment; filename="sitereg-forest-')
        and ".geojson" in disposition
    )
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection" and "licence" in body
    assert len(body["features"]) == _count(db_session, "SELECT count(*) FROM forest_parcels")


def test_geojson_export_binds_filters_like_the_items(client: TestClient):
    # Enum IN list (expanding binds), a CQL2 geometry and a bbox reach the streamed query bound.
    params = {
        "filter": "category IN ('protection', 'production') AND "
        "S_INTERSECTS(geometry, POLYGON((103 21, 105 21, 105 23, 103 23, 103 21)))",
        "bbox": "102,20,106,24",
        "sortby": "-code",
    }
    items = client.get("/ogc/collections/forest/items", params={**params, "limit": 1000}).json()
    body = json.loads(client.get(EXPORT + "forest.geojson", params=params).content)
    codes = [feature["id"] for feature in body["features"]]
    assert items["numberMatched"] > 0
    assert len(codes) == items["numberMatched"]
    assert codes[: len(items["features"])] == [feature["id"] for feature in items["features"]]


def test_geojson_export_refuses_a_projected_crs(client: TestClient):
    response = client.get(EXPORT + "sites.geojson", params={"crs": "EPSG:9208"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/crs"


def test_geojson_export_answers_304_to_its_etag(client: TestClient):
    first = client.get(EXPORT + "provinces.geojson")
    again = client.get(
        EXPORT + "provinces.geojson", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_gpkg_export_keeps_vietnamese_text_and_metadata(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client.get(EXPORT + "sites.gpkg"), "sites.gpkg")
    frame = pyogrio.read_dataframe(path)
    assert "KCN Tằng Loỏng" in set(frame["name"])
    assert frame.crs.to_epsg() == 4326
    info = pyogrio.read_info(path)
    assert "Sở Công Thương" in info["dataset_metadata"]["LICENCE"]
    assert info["layer_metadata"]["DESCRIPTION"].startswith("Sites")


def test_gpkg_export_in_vn2000_tm3(client: TestClient, tmp_path: Path):
    response = client.get(
        EXPORT + "sites.gpkg", params={"crs": "EPSG:9208", "code": "KCN-TANG-LOONG"}
    )
    assert "-epsg9208-" in response.headers["content-disposition"]
    frame = pyogrio.read_dataframe(_save(tmp_path, response, "vn2000.gpkg"))
    assert frame.crs == CRS.from_epsg(9208)
    crs84 = client.get("/ogc/collections/sites/items/KCN-TANG-LOONG").json()["geometry"]
    expected = transform_geometry(shape(crs84), 4326, 9208)
    assert frame.geometry.iloc[0].hausdorff_distance(expected) < 0.05  # metres


def test_shapefile_zip_has_prj_cpg_and_short_field_names(client: TestClient, tmp_path: Path):
    response = client.get(EXPORT + "industrial_zones.shp.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "industrial_zones.shp",
        "industrial_zones.shx",
        "industrial_zones.dbf",
        "industrial_zones.prj",
        "industrial_zones.cpg",
        "README.txt",
    } <= names
    assert archive.read("industrial_zones.cpg").decode().strip().upper() in {"UTF-8", "UTF8"}
    assert "plan_ha    <- planned_area_ha" in archive.read("README.txt").decode()
    archive.extractall(tmp_path)
    frame = pyogrio.read_dataframe(tmp_path / "industrial_zones.shp")
    assert {"plan_ha", "legal_no", "occup_pct", "wastewater"} <= set(frame.columns)
    assert all(len(column) <= 10 for column in frame.columns)
    assert "KCN Tằng Loỏng" in set(frame["name"])


def test_shapefile_zip_splits_mixed_geometry_types(client: TestClient):
    response = client.get(EXPORT + "infrastructure.shp.zip")
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {"infrastructure_lines.shp", "infrastructure_polygons.shp"} <= names


def test_kml_export_names_placemarks_in_vietnamese(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client.get(EXPORT + "mining_sites.kml"), "mines.kml")
    frame = pyogrio.read_dataframe(path)
    assert "Mỏ đất hiếm Đông Pao" in set(frame["Name"]) or any(
        "Đông Pao" in n for n in frame["Name"]
    )


def test_kml_export_refuses_a_projected_crs(client: TestClient):
    response = client.get(EXPORT + "sites.kml", params={"crs": "EPSG:9205"})
    assert response.status_code == 400


def test_csv_export_has_wkt_and_a_bom(client: TestClient, tmp_path: Path, db_session: Session):
    response = client.get(EXPORT + "communes.csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = response.content[3:].split(b"\n", 1)[0].decode()
    assert header.startswith("WKT,")
    frame = pyogrio.read_dataframe(_save(tmp_path, response, "communes.csv"))
    names = set(
        db_session.execute(
            text("SELECT name FROM admin_units WHERE level = 'commune_2025'")
        ).scalars()
    )
    assert set(frame["name"]) == names and "Cam Đường" in names


def test_export_applies_filters(client: TestClient, tmp_path: Path, db_session: Session):
    response = client.get(EXPORT + "forest.gpkg", params={"filter": "category = 'special_use'"})
    frame = pyogrio.read_dataframe(_save(tmp_path, response, "f.gpkg"))
    assert len(frame) == _count(
        db_session, "SELECT count(*) FROM forest_parcels WHERE category = 'special_use'"
    )
    assert set(frame["category"]) == {"special_use"}


def test_export_rejects_unknown_parameters(client: TestClient):
    response = client.get(EXPORT + "sites.gpkg", params={"limit": 5})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/limit"


@pytest.mark.parametrize("name", ["sites.xlsx", "factories.gpkg", "sites"])
def test_export_unknown_collection_or_format_is_404(client: TestClient, name: str):
    response = client.get(EXPORT + name)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_file_export_answers_304_to_its_etag(client: TestClient):
    first = client.get(EXPORT + "provinces.csv")
    again = client.get(EXPORT + "provinces.csv", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_site_bundle_has_the_site_its_parcels_and_infrastructure(
    client: TestClient, tmp_path: Path, db_session: Session
):
    code = db_session.execute(
        text(
            "SELECT s.code FROM sites s JOIN clearance_parcels p ON p.site_id = s.id "
            "JOIN infrastructure i ON i.site_id = s.id GROUP BY s.code ORDER BY s.code LIMIT 1"
        )
    ).scalar_one()
    path = _save(tmp_path, client.get(EXPORT + f"sites/{code}.gpkg"), "bundle.gpkg")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"site", "clearance_parcels", "infrastructure", "layer_styles"}
    parcels = pyogrio.read_dataframe(path, layer="clearance_parcels")
    assert set(parcels["site_code"]) == {code}
    assert len(parcels) == _count(
        db_session,
        "SELECT count(*) FROM clearance_parcels p JOIN sites s ON s.id = p.site_id "
        f"WHERE s.code = '{code}'",
    )


@pytest.mark.parametrize("fmt", ["shp.zip", "kml"])
def test_site_bundle_in_other_formats(client: TestClient, fmt: str):
    response = client.get(EXPORT + f"sites/KCN-TANG-LOONG.{fmt}")
    assert response.status_code == 200
    assert len(response.content) > 100


def test_site_bundle_of_an_unknown_site_is_404(client: TestClient):
    response = client.get(EXPORT + "sites/KCN-NOWHERE.gpkg")
    assert response.status_code == 404
    assert "KCN-NOWHERE" in response.json()["detail"]


def test_site_bundle_refuses_csv(client: TestClient):
    assert client.get(EXPORT + "sites/KCN-TANG-LOONG.csv").status_code == 404
