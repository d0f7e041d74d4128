"""Downloads that open styled: QGIS styles, typed fields, list fields and the synthetic notice.

Every file is read back by GDAL (pyogrio) or SQLite, as a GIS analyst's tools would read it.
"""

import csv
import io
import json
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.formats import synthetic_notice
from app.map.i18n import LANGS
from app.ogc.catalog import CATALOG
from app.ogc.downloads.styles import label_group, value_labels

EXPORT = "/api/v1/export/"
QGIS_STYLE_COLUMNS = [
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]
NOTICE = "dữ liệu mô phỏng — không phải số liệu thật / synthetic data — not real figures"


def _save(tmp_path: Path, client: TestClient, name: str, **params: str) -> Path:
    response = client.get(EXPORT + name, params=params)
    assert response.status_code == 200, response.text
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(response.content)
    return path


def _qml(document: str) -> ET.Element:
    return ET.fromstring(document)  # the DOCTYPE names no external entity


def _value_map(root: ET.Element, field: str) -> dict[str, str]:
    entries = root.findall(f"./fieldConfiguration/field[@name='{field}']//Option[@name='map']/")
    return {option[0].get("value"): option[0].get("name") for option in entries}


def _site_with_communes(db_session: Session) -> tuple[str, list[str]]:
    code, communes = db_session.execute(
        text(
            "SELECT code, communes FROM sites WHERE cardinality(communes) >= 1 "
            "ORDER BY cardinality(communes) DESC, code LIMIT 1"
        )
    ).one()
    return code, list(communes)


def test_gpkg_export_has_layer_styles_in_the_qgis_convention(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "sites.gpkg")
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        geometry_column = db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'sites'"
        ).fetchone()[0]
        styles = db.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
            "useAsDefault, styleQML, styleSLD FROM layer_styles ORDER BY useAsDefault DESC"
        ).fetchall()
    assert [name for name in columns if name != "id"] == QGIS_STYLE_COLUMNS
    assert [row[:6] for row in styles] == [
        ("", "", "sites", geometry_column, "sitereg (vi)", 1),
        ("", "", "sites", geometry_column, "sitereg (en)", 0),
    ]
    for *_, qml, sld in styles:
        _qml(qml)
        ET.fromstring(sld.encode())


def test_gpkg_style_draws_kinds_and_dashes_indicative_outlines(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "sites.gpkg")
    with sqlite3.connect(path) as db:
        (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE useAsDefault").fetchone()
    root = _qml(qml)
    rules = {rule.get("label"): rule for rule in root.iter("rule")}
    assert "\"kind\" = 'industrial_zone'" in rules["Khu công nghiệp"].get("filter")
    dashed = rules["Khu công nghiệp — chỉ định hướng"]
    assert "\"geometry_source\" = 'indicative'" in dashed.get("filter")
    symbol = root.find(f"./renderer-v2/symbols/symbol[@name='{dashed.get('symbol')}']")
    line = symbol.find("./layer[@class='SimpleLine']/Option")
    options = {option.get("name"): option.get("value") for option in line}
    assert options["use_custom_dash"] == "1" and options["customdash"] == "7;5"
    assert options["line_color"].startswith("123,47,161,")  # --sr-kind-industrial_zone


def test_gpkg_style_labels_coded_values_in_vietnamese(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "forest.gpkg")
    with sqlite3.connect(path) as db:
        (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE useAsDefault").fetchone()
    root = _qml(qml)
    assert _value_map(root, "category")["special_use"] == "Rừng đặc dụng"
    assert _value_map(root, "origin")["planted"] == "Rừng trồng"
    sites = _save(tmp_path, client, "sites.gpkg")
    with sqlite3.connect(sites) as db:
        (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE useAsDefault").fetchone()
    assert _value_map(_qml(qml), "kind")["industrial_zone"] == "Khu công nghiệp"
    assert _value_map(_qml(qml), "status")["planned"] == "Quy hoạch"


def test_site_bundle_styles_each_of_its_layers(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "sites/KCN-TANG-LOONG.gpkg")
    with sqlite3.connect(path) as db:
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert styled == {"site", "clearance_parcels", "infrastructure"}


def test_shapefile_zip_has_a_qml_and_sld_in_its_short_field_names(client: TestClient):
    archive = zipfile.ZipFile(io.BytesIO(client.get(EXPORT + "infrastructure.shp.zip").content))
    names = set(archive.namelist())
    for part in ("infrastructure_lines", "infrastructure_polygons"):
        assert {f"{part}.qml", f"{part}.sld"} <= names
    root = _qml(archive.read("infrastructure_lines.qml").decode())
    filters = [rule.get("filter") for rule in root.iter("rule")]
    assert "\"geom_src\" = 'indicative'" in filters[1]  # geometry_source in the .dbf
    assert _value_map(root, "kind")["road"] == "Đường giao thông"


def test_gpkg_export_fields_are_typed(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "industrial_zones.gpkg")
    with sqlite3.connect(path) as db:
        declared = {row[1]: row[2] for row in db.execute("PRAGMA table_info(industrial_zones)")}
    assert declared["legal_decision_date"] == "DATE"
    assert declared["updated_at"] == "DATETIME"
    assert declared["planned_area_ha"] == "REAL"
    assert declared["area_difference_pct"] == "REAL"
    assert declared["version"] == "INTEGER"
    assert declared["eco_industrial_programme"] == "BOOLEAN"
    info = pyogrio.read_info(path, layer="industrial_zones")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["legal_decision_date"].startswith("datetime64")
    assert types["planned_area_ha"] == "float64" and types["version"] == "int64"


def test_csv_zip_is_read_back_by_gdal_with_types_and_crs(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "industrial_zones.csv.zip", crs="EPSG:9208")
    names = set(zipfile.ZipFile(path).namelist())
    assert names == {"industrial_zones.csv", "industrial_zones.csvt", "industrial_zones.prj"}
    inner = f"/vsizip/{path}/industrial_zones.csv"
    info = pyogrio.read_info(inner)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["planned_area_ha"] == "float64"
    assert types["version"] == "int64"
    assert types["legal_decision_date"].startswith("datetime64")
    assert info["crs"] == "EPSG:9208"
    frame = pyogrio.read_dataframe(inner)
    assert "KCN Tằng Loỏng" in set(frame["name"]) and set(frame["crs"]) == {"EPSG:9208"}


def test_csv_names_its_crs_on_every_row(client: TestClient):
    response = client.get(EXPORT + "provinces.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and {row["crs"] for row in rows} == {"OGC:CRS84"}
    assert rows[0]["WKT"].startswith("MULTIPOLYGON")


def test_csv_types_sidecar_names_gdal_types(client: TestClient, tmp_path: Path):
    path = _save(tmp_path, client, "industrial_zones.csv.zip")
    csvt = zipfile.ZipFile(path).read("industrial_zones.csvt").decode()
    header = zipfile.ZipFile(path).read("industrial_zones.csv").decode("utf-8-sig").split("\n")[0]
    types = dict(zip(header.strip().split(","), csvt.strip().split(","), strict=True))
    assert types["WKT"] == "WKT" and types["legal_decision_date"] == "Date"
    assert types["planned_area_ha"] == "Real" and types["code"] == "String"


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "kml", "shp.zip"])
def test_list_fields_are_one_text_joined_in_tabular_formats(
    client: TestClient, db_session: Session, tmp_path: Path, fmt: str
):
    code, communes = _site_with_communes(db_session)
    path = _save(tmp_path, client, f"sites.{fmt}", code=code)
    frame = pyogrio.read_dataframe(f"/vsizip/{path}" if fmt == "shp.zip" else path)
    assert list(frame["communes"]) == ["; ".join(communes)]


def test_list_fields_are_json_arrays_in_geojson(client: TestClient, db_session: Session):
    code, communes = _site_with_communes(db_session)
    body = json.loads(client.get(EXPORT + "sites.geojson", params={"code": code}).content)
    assert body["features"][0]["properties"]["communes"] == communes


def test_synthetic_notice_is_the_label_of_the_one_table():
    assert synthetic_notice() == NOTICE


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "kml", "shp.zip"])
def test_synthetic_rows_say_so_in_every_file_format(client: TestClient, tmp_path: Path, fmt: str):
    path = _save(tmp_path, client, f"forest.{fmt}", filter="synthetic = true")
    frame = pyogrio.read_dataframe(f"/vsizip/{path}" if fmt == "shp.zip" else path, layer="forest")
    field = "data_notic" if fmt == "shp.zip" else "data_notice"
    assert len(frame) > 0 and set(frame[field]) == {NOTICE}


def test_synthetic_notice_is_in_the_geopackage_metadata(client: TestClient, tmp_path: Path):
    info = pyogrio.read_info(_save(tmp_path, client, "forest.gpkg"), layer="forest")
    assert NOTICE in info["dataset_metadata"]["NOTICE"]
    assert NOTICE in info["layer_metadata"]["DESCRIPTION"]


def test_synthetic_notice_is_in_geojson_and_the_shapefile_readme(client: TestClient):
    body = json.loads(client.get(EXPORT + "clearance_parcels.geojson").content)
    assert body["notice"] == NOTICE
    archive = zipfile.ZipFile(io.BytesIO(client.get(EXPORT + "forest.shp.zip").content))
    readme = archive.read("README.txt").decode()
    assert NOTICE in readme and "data_notic <- data_notice" in readme


def test_real_data_carries_no_synthetic_notice(client: TestClient, tmp_path: Path):
    frame = pyogrio.read_dataframe(_save(tmp_path, client, "sites.gpkg"), layer="sites")
    assert "data_notice" not in frame.columns
    assert "notice" not in json.loads(client.get(EXPORT + "sites.geojson").content)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/reports/clearance?format=csv", "/api/v1/reports/forest-overlap?format=csv"],
)
def test_report_csv_on_synthetic_data_says_so(client: TestClient, url: str):
    response = client.get(url)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and {row["data_notice"] for row in rows} == {NOTICE}


STYLE_TYPES = [("qml", "application/xml"), ("sld", "application/vnd.ogc.sld+xml")]


@pytest.mark.parametrize(("kind", "media_type"), STYLE_TYPES)
def test_style_files_download_beside_each_collection(
    client: TestClient, kind: str, media_type: str
):
    for collection_id in CATALOG:
        response = client.get(EXPORT + f"{collection_id}.{kind}")
        assert response.status_code == 200, collection_id
        assert response.headers["content-type"].startswith(media_type)
        assert f"sitereg-{collection_id}-vi.{kind}" in response.headers["content-disposition"]
        ET.fromstring(response.content)


def test_sld_rules_are_titled_in_the_language_asked(client: TestClient):
    sld = {"sld": "http://www.opengis.net/sld"}
    for lang, label in (
        ("vi", "Rừng đặc dụng — Rừng tự nhiên"),
        ("en", "Special-use forest — Natural"),
    ):
        root = ET.fromstring(client.get(EXPORT + "forest.sld", params={"lang": lang}).content)
        titles = {title.text for title in root.findall(".//sld:Rule/sld:Title", sld)}
        assert label in titles


def test_style_download_refuses_unknown_collections_and_parameters(client: TestClient):
    assert client.get(EXPORT + "factories.qml").status_code == 404
    assert client.get(EXPORT + "sites.qml", params={"limit": 1}).status_code == 400


def test_collection_links_to_its_styles(client: TestClient):
    links = client.get("/ogc/collections/forest").json()["links"]
    styles = {link["type"]: link["href"] for link in links if link["rel"] == "stylesheet"}
    assert styles["application/vnd.ogc.sld+xml"].endswith("/api/v1/export/forest.sld")
    assert styles["application/xml"].endswith("/api/v1/export/forest.qml")


@pytest.mark.parametrize("lang", LANGS)
def test_every_coded_property_has_a_label_for_every_value(lang):
    for collection in CATALOG.values():
        labels = value_labels(collection, lang)
        for prop in collection.properties:
            if prop.enum:
                assert label_group(collection.id, prop.name), (collection.id, prop.name)
                assert set(labels[prop.name]) == set(prop.enum), (collection.id, prop.name)
