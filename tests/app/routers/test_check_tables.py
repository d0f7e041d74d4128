"""Coordinate tables and drawings sent to the proposal check over HTTP, good and bad."""

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely.geometry import box

from app.schemas.analysis import ProposalCheck, UploadedBoundary
from app.services.reports import SYNTHETIC_NOTE
from spatial.crs import transform_geometry

CHECK = "/api/v1/analysis/check"
BOUNDARY = "/api/v1/analysis/boundary"
REPORT = "/api/v1/analysis/check/report"
# ~500 ha next to KCN Tằng Loỏng (Lào Cai), in WGS 84 (as in test_analysis.py).
PROPOSAL = box(104.13, 22.29, 104.1517, 22.3105)


def _table(header: str = "STT,Điểm,X (m),Y (m)", *, swap: bool = False, upto: int = 5) -> bytes:
    rows = [header]
    coords = list(transform_geometry(PROPOSAL, 4326, 9208).exterior.coords)[:upto]
    for n, (east, north) in enumerate(coords, start=1):
        x, y = (east, north) if swap else (north, east)
        rows.append(f"{n},M{n},{x:.3f},{y:.3f}")
    return "\n".join(rows).encode()


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def _files(data: bytes, name: str = "bang.csv") -> dict:
    return {"file": (name, data, "text/csv")}


def test_check_table_with_crs_as_a_form_field_names_the_columns(client: TestClient):
    response = client.post(CHECK, files=_files(_table()), data={"crs": "EPSG:9208"})
    assert response.status_code == 200, response.text
    report = ProposalCheck.model_validate(response.json())
    assert report.crs_from == "parameter" and report.features == 1
    assert report.table is not None
    assert (report.table.x_north, report.table.y_east, report.table.point) == (
        "X (m)",
        "Y (m)",
        "Điểm",
    )
    assert report.area_ha == pytest.approx(500, rel=0.05)
    assert "X (northing) = column “X (m)”" in report.notes[0] and SYNTHETIC_NOTE in report.notes


def test_check_table_province_gives_the_zone(client: TestClient):
    response = client.post(CHECK, files=_files(_table()), params={"province": "lao cai"})
    assert response.status_code == 200, response.text
    assert response.json()["source_crs"] == "EPSG:9208"


def test_check_table_unknown_province_is_422(client: TestClient):
    body = _problem(
        client.post(CHECK, files=_files(_table()), data={"province": "Hà Nội"}), 422, "unknown-crs"
    )
    assert "Hà Nội" in body["detail"] and "Lào Cai" in body["detail"]


def test_check_table_without_a_crs_asks_for_crs_or_province(client: TestClient):
    body = _problem(client.post(CHECK, files=_files(_table())), 422, "unknown-crs")
    assert "crs=" in body["detail"] and "province=" in body["detail"]


def test_check_table_swapped_columns_is_422_saying_so(client: TestClient):
    response = client.post(CHECK, files=_files(_table(swap=True)), data={"crs": "EPSG:9208"})
    body = _problem(response, 422, "unknown-crs")
    assert "swapped" in body["detail"] and "2 300 000–2 600 000" in body["detail"]


def test_check_table_non_numeric_cell_is_400_naming_row_and_column(client: TestClient):
    data = _table().replace(b"M3,", b"M3,abc", 1)
    response = client.post(CHECK, files=_files(data), data={"crs": "EPSG:9208"})
    body = _problem(response, 400, "unreadable-file")
    assert "row 4, column 'X (m)'" in body["detail"]
    assert body["errors"][0]["pointer"] == "/rows/4/X (m)"


def test_check_table_of_two_points_is_422(client: TestClient):
    response = client.post(CHECK, files=_files(_table(upto=2)), data={"crs": "EPSG:9208"})
    body = _problem(response, 422, "invalid-geometry")
    assert "at least 3" in body["detail"]


def test_check_table_without_x_and_y_is_400(client: TestClient):
    response = client.post(CHECK, files=_files(b"ten,dien_tich\nA,12\n"), data={"crs": "EPSG:9208"})
    assert "'X (m)'" in _problem(response, 400, "unreadable-file")["detail"]


def test_check_dgn_v8_is_415_with_what_to_do(client: TestClient):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    response = client.post(CHECK, files=_files(data, "ranh.dgn"), data={"crs": "EPSG:9208"})
    assert "DGN v7" in _problem(response, 415, "unsupported-format")["detail"]


def test_boundary_reads_an_xlsx_table_for_the_map(client: TestClient):
    book = openpyxl.Workbook()
    for row in _table().decode().splitlines():
        book.active.append(row.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    files = _files(buffer.getvalue(), "bang.xlsx")
    response = client.post(BOUNDARY, files=files, data={"crs": "EPSG:9208"})
    assert response.status_code == 200, response.text
    boundary = UploadedBoundary.model_validate(response.json())
    assert boundary.geometry["type"] == "Polygon" and boundary.properties.table.points == 5


def test_check_report_pdf_words_its_notes_in_vietnamese(client: TestClient):
    response = client.post(
        REPORT,
        files=_files(_table()),
        data={"crs": "EPSG:9208", "lang": "vi", "name": "Đề xuất theo bảng toạ độ"},
    )
    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    pdf = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Đã đọc bảng toạ độ theo dòng tiêu đề số 1" in pdf
    assert "Lớp đất rừng là dữ liệu MÔ PHỎNG" in pdf
    assert "The forest layer is SYNTHETIC" not in pdf and "Coordinate table read" not in pdf


def test_check_report_csv_in_english_keeps_english_notes(client: TestClient):
    response = client.post(
        REPORT,
        files=_files(_table()),
        data={"crs": "EPSG:9208", "lang": "en"},
        params={"format": "csv"},
    )
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8")
    assert "Coordinate table read from the headings in row 1" in text
    assert SYNTHETIC_NOTE in text
