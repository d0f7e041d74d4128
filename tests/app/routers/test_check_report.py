"""The proposal check filed as a PDF or CSV report, and crs sent as a form field."""

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely.geometry import box, mapping

from spatial.crs import transform_geometry

CHECK = "/api/v1/analysis/check"
REPORT = "/api/v1/analysis/check/report"
# ~500 ha next to KCN Tằng Loỏng, in WGS 84 (as in test_analysis.py).
PROPOSAL = box(104.13, 22.29, 104.1517, 22.3105)
NAME = "Mở rộng cụm công nghiệp Tằng Loỏng"
SYNTHETIC_VI = "dữ liệu mô phỏng — không phải số liệu thật"


def _geojson() -> bytes:
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(PROPOSAL)}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _upload() -> dict:
    return {"file": ("de_xuat.geojson", _geojson(), "application/geo+json")}


def _today() -> datetime:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def _shapefile_zip_without_prj(tmp_path: Path) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    vn2000 = transform_geometry(PROPOSAL, 4326, 9208)
    gpd.GeoDataFrame({"ten": ["Đề xuất"]}, geometry=[vn2000], crs="EPSG:9208").to_file(
        folder / "de_xuat.shp", encoding="utf-8"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            if path.suffix != ".prj":
                archive.write(path, path.name)
    return buffer.getvalue()


def test_check_reads_crs_from_a_form_field(client: TestClient, tmp_path):
    files = {"file": ("x.zip", _shapefile_zip_without_prj(tmp_path), "application/zip")}
    response = client.post(CHECK, files=files, data={"crs": "EPSG:9208"})
    assert response.status_code == 200, response.text
    assert response.json()["source_crs"] == "EPSG:9208"
    assert response.json()["crs_from"] == "parameter"


def test_check_report_pdf_in_vietnamese_carries_name_date_findings_vertices_caveat(
    client: TestClient,
):
    response = client.post(REPORT, files=_upload(), data={"name": NAME, "lang": "vi"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = _pdf_text(response.content)
    assert NAME in text  # Vietnamese diacritics survive
    assert _today().strftime("%d/%m/%Y") in text
    assert "Báo cáo kiểm tra ranh giới đề xuất" in text
    assert "Rừng" in text and "Bảng toạ độ đỉnh VN-2000" in text
    assert SYNTHETIC_VI in text
    assert "KCN-TANG-LOONG" in text
    corner = transform_geometry(PROPOSAL, 4326, 9208).exterior.coords[0]
    assert f"{corner[1]:.3f}" in text and f"{corner[0]:.3f}" in text  # X northing, Y easting
    assert "EPSG:9208" in text


def test_check_report_pdf_names_a_forest_category_row(client: TestClient):
    checked = client.post(
        CHECK, content=_geojson(), headers={"content-type": "application/geo+json"}
    )
    category = checked.json()["forest"]["by_category"][0]["category"]
    labels = {
        "special_use": "Special-use forest",
        "protection": "Protection forest",
        "production": "Production forest",
    }
    response = client.post(f"{REPORT}?lang=en&name=East%20extension", files=_upload())
    text = _pdf_text(response.content)
    assert labels[category] in text
    assert "East extension" in text and "Proposed boundary check report" in text
    assert "synthetic data — not real figures" in text
    assert "Communes (2025)" in text and "label point" in text


def test_check_report_csv_parses_with_sections_and_vertices(client: TestClient):
    response = client.post(f"{REPORT}?format=csv", files=_upload(), data={"name": NAME})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_code = {(r["section"], r["code"]): r for r in rows}
    assert by_code[("proposal", "name")]["value"] == NAME
    assert by_code[("proposal", "date")]["value"] == _today().date().isoformat()
    assert any(r["section"] == "forest" and float(r["value"]) > 0 for r in rows)
    vertices = [r for r in rows if r["section"] == "vertex"]
    assert len(vertices) == 4  # a box: four corners, the closing point not repeated
    corner = transform_geometry(PROPOSAL, 4326, 9208).exterior.coords[0]
    assert any(
        abs(float(v["x_north_m"]) - corner[1]) < 0.01
        and abs(float(v["y_east_m"]) - corner[0]) < 0.01
        for v in vertices
    )
    assert {r["data_notice"] for r in rows} == {
        f"{SYNTHETIC_VI} / synthetic data — not real figures"
    }


def test_check_report_raw_geojson_body_takes_query_parameters(client: TestClient):
    response = client.post(
        f"{REPORT}?format=csv&lang=en&name=Raw",
        content=_geojson(),
        headers={"content-type": "application/geo+json"},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["value"] == "Raw" and rows[0]["label"] == "Proposal name"


def test_check_report_unknown_language_is_400(client: TestClient):
    body = _problem(
        client.post(REPORT, files=_upload(), data={"lang": "fr"}), 400, "invalid-parameter"
    )
    assert body["errors"][0]["pointer"] == "/query/lang"


def test_check_report_outside_vietnam_is_422(client: TestClient):
    outside = json.dumps(mapping(box(2.3, 48.8, 2.4, 48.9)))
    response = client.post(REPORT, content=outside, headers={"content-type": "application/json"})
    assert "outside Vietnam" in _problem(response, 422, "invalid-geometry")["detail"]


def test_check_report_is_documented_with_its_media_types(client: TestClient):
    operation = client.get("/openapi.json").json()["paths"][REPORT]["post"]
    assert set(operation["responses"]["200"]["content"]) == {"application/pdf", "text/csv"}
    fields = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"file", "crs", "name", "lang"} <= set(fields)
