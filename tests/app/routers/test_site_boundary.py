"""A site's boundary downloaded as a VN-2000 coordinate table or DXF, and checked back."""

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.schemas.analysis import ProposalCheck

BOUNDARY = "/api/v1/export/sites/{code}/boundary.{fmt}"
CHECK = "/api/v1/analysis/check"
SURVEYED = "KCN-TANG-LOONG"  # Lào Cai, surveyed outline
INDICATIVE = "MINE-DONG-PAO"  # Lai Châu, indicative outline


def _site_ha(db_session: Session, code: str) -> float:
    sql = text("SELECT area_ha(geom) FROM sites WHERE code = :code")
    return float(db_session.execute(sql, {"code": code}).scalar_one())


def _download(client: TestClient, code: str, fmt: str, lang: str = "vi"):
    response = client.get(BOUNDARY.format(code=code, fmt=fmt), params={"lang": lang})
    assert response.status_code == 200, response.text
    return response


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_site_boundary_table_checked_as_a_proposal_has_the_sites_area(
    client: TestClient, db_session: Session, fmt: str
):
    table = _download(client, SURVEYED, fmt)
    assert f"{SURVEYED}-vn2000-epsg9208.{fmt}" in table.headers["content-disposition"]
    checked = client.post(CHECK, files={"file": (f"tang-loong.{fmt}", table.content)})
    assert checked.status_code == 200, checked.text
    report = ProposalCheck.model_validate(checked.json())
    assert report.source_crs == "EPSG:9208" and report.crs_from == "file"  # read from the title
    assert report.table is not None and report.table.x_north == "X (m) — Bắc"
    assert report.table.ring == "Vòng (0 = ranh ngoài)" and report.table.parcels == ["1"]
    assert report.area_ha == pytest.approx(_site_ha(db_session, SURVEYED), rel=1e-4)
    assert report.notes[0].startswith("Coordinate table read from the headings in row 8")


def test_site_boundary_csv_names_its_crs_source_and_closes_each_ring(client: TestClient):
    rows = _rows(_download(client, SURVEYED, "csv").content)
    title = " ".join(cell for row in rows[:6] for cell in row)
    assert "kinh tuyến trục 104°45′" in title and "EPSG:9208" in title
    assert "X: toạ độ Bắc (m), Y: toạ độ Đông (m)" in title
    assert "Đo đạc (bảng toạ độ VN-2000)" in title and "căn cứ pháp lý" in title
    header = rows.index(["Vùng", "Vòng (0 = ranh ngoài)", "Điểm", "X (m) — Bắc", "Y (m) — Đông"])
    points = rows[header + 1 :]
    assert points[0] == points[-1] and points[0][2] == "1"  # closed by its first point
    north, east = float(points[0][3]), float(points[0][4])
    assert 2_300_000 < north < 2_600_000 and 300_000 < east < 700_000


def test_site_boundary_in_english_on_the_lai_chau_meridian_says_indicative(client: TestClient):
    rows = _rows(_download(client, INDICATIVE, "csv", lang="en").content)
    title = " ".join(cell for row in rows[:6] for cell in row)
    assert "central meridian 103°00′ (EPSG:9205)" in title
    assert "Indicative outline — not surveyed coordinates" in title
    assert ["Part", "Ring (0 = outline)", "Point", "X (m) northing", "Y (m) easting"] in rows


def test_site_boundary_xlsx_holds_numbers(client: TestClient):
    content = _download(client, SURVEYED, "xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    header = [row[:5] for row in values].index(
        ("Vùng", "Vòng (0 = ranh ngoài)", "Điểm", "X (m) — Bắc", "Y (m) — Đông")
    )
    first = values[header + 1]
    assert isinstance(first[3], float) and 2_300_000 < first[3] < 2_600_000


def test_site_boundary_dxf_checked_with_its_province_has_the_sites_area(
    client: TestClient, db_session: Session
):
    drawing = _download(client, SURVEYED, "dxf")
    assert drawing.content.lstrip().startswith(b"0")
    files = {"file": ("tang-loong.dxf", drawing.content, "image/vnd.dxf")}
    checked = client.post(CHECK, files=files, data={"province": "Lào Cai"})
    assert checked.status_code == 200, checked.text
    report = ProposalCheck.model_validate(checked.json())
    assert report.source_crs == "EPSG:9208" and report.table is None
    assert report.area_ha == pytest.approx(_site_ha(db_session, SURVEYED), rel=1e-4)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (BOUNDARY.format(code="KCN-NOWHERE", fmt="csv"), 404),
        (BOUNDARY.format(code=SURVEYED, fmt="pdf"), 400),
        (BOUNDARY.format(code=SURVEYED, fmt="csv") + "?crs=EPSG:4326", 400),
    ],
)
def test_site_boundary_bad_requests_are_problems(client: TestClient, path: str, status: int):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
