"""VN-2000 coordinate tables (CSV, XLSX) and drawings (DXF, DGN) read as proposals."""

import io
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from spatial.crs import TM3_ZONES, transform_geometry
from spatial.errors import InvalidGeometry, UnknownCRS, UnreadableFile, UnsupportedFormat
from spatial.io.coord_export import TableWords, table_csv, table_rows, table_xlsx, write_dxf
from spatial.io.coord_table import number, read_table
from spatial.io.formats import FileFormat, sniff_format
from spatial.io.read import read_boundary

# ~500 ha next to KCN Tằng Loỏng (Lào Cai), in WGS 84, with a hole.
PROPOSAL = box(104.13, 22.29, 104.1517, 22.3105)
HOLED = PROPOSAL.difference(box(104.14, 22.30, 104.145, 22.305))
LIMIT = 10_000_000
WORDS = TableWords(
    ["Bảng toạ độ", "Hệ toạ độ VN-2000, kinh tuyến trục 104°45′, múi chiếu 3°"],
    ("Vùng", "Vòng (0 = ranh ngoài)", "Điểm", "X (m) — Bắc", "Y (m) — Đông"),
)


def _vn2000(geom=PROPOSAL, srid: int = 9208):
    return transform_geometry(geom, 4326, srid)


def _zone_area(boundary, srid: int = 9208) -> float:
    return _vn2000(shapely.union_all(boundary.geometries), srid).area


def _annex(rows: list[str], title: str = "BẢNG TOẠ ĐỘ CÁC ĐIỂM MỐC") -> bytes:
    return "\n".join([title, "", *rows]).encode()


def _points_csv(
    geom=PROPOSAL, sep: str = ";", header: str = "STT;Tên điểm;X (m);Y (m)"
) -> list[str]:
    rows = [header]
    for n, (east, north) in enumerate(_vn2000(geom).exterior.coords, start=1):
        rows.append(sep.join([str(n), f"M{n}", f"{north:.3f}", f"{east:.3f}"]))
    return rows


@pytest.mark.parametrize(
    "header",
    [
        "STT;Tên điểm;X (m);Y (m)",
        "Stt;Ten diem;Toa do X;Toa do Y",
        "No.;Point;X northing (m);Y easting (m)",
        "Số hiệu mốc;;X(m);Y(m)",
    ],
)
def test_coord_table_columns_found_by_vietnamese_or_english_headings(header: str):
    table = read_table(_annex(_points_csv(header=header)), "bang.csv", xlsx=False)
    assert table.layout.header_row == 3 and table.layout.points == 5
    assert table.layout.x_north == header.split(";")[2]
    assert table.layout.y_east == header.split(";")[3]
    assert table.layout.point is not None
    assert table.geometries[0].area == pytest.approx(_vn2000().area, rel=1e-6)


def test_coord_table_reads_the_zone_named_above_the_table():
    data = _annex(_points_csv(), title="Hệ toạ độ VN-2000, kinh tuyến trục 104°45', múi 3°")
    boundary = read_boundary(data, "bang.csv", max_bytes=LIMIT)
    assert boundary.source_srid == 9208 and boundary.crs_from == "file"
    assert _zone_area(boundary) == pytest.approx(_vn2000().area, rel=1e-6)


def test_coord_table_without_a_zone_takes_crs_and_refuses_without():
    data = _annex(_points_csv())
    with pytest.raises(UnknownCRS, match="province="):
        read_boundary(data, "bang.csv", max_bytes=LIMIT)
    boundary = read_boundary(data, "bang.csv", crs="EPSG:9208", max_bytes=LIMIT)
    assert boundary.crs_from == "parameter" and boundary.table is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2465904.452", 2465904.452),
        ("2465904,452", 2465904.452),
        ("2 465 904,452", 2465904.452),
        ("2.465.904,452", 2465904.452),
        ("2,465,904.452", 2465904.452),
        (2465904.452, 2465904.452),
        ("X1", None),
        ("", None),
    ],
)
def test_coord_table_numbers_in_vietnamese_and_english_forms(text, value):
    assert number(text) == value


def test_coord_table_several_parcels_become_several_polygons():
    other = box(104.16, 22.29, 104.17, 22.30)
    rows = ["Thửa;Điểm;X (m);Y (m)"]
    for parcel, geom in (("12", PROPOSAL), ("13", other)):
        for n, (east, north) in enumerate(_vn2000(geom).exterior.coords, start=1):
            rows.append(f"{parcel if n == 1 else ''};{n};{north:.3f};{east:.3f}")
    table = read_table(_annex(rows), "bang.csv", xlsx=False)
    assert table.layout.parcels == ("12", "13") and table.layout.parcel == "Thửa"
    assert len(table.geometries) == 2
    assert table.geometries[1].area == pytest.approx(_vn2000(other).area, rel=1e-6)


def test_coord_table_written_and_read_back_keeps_holes_and_area():
    rows = table_rows(HOLED, 9208)
    assert rows[0] == rows[4]  # each ring closes on its first point
    for data, name in ((table_csv(rows, WORDS), "t.csv"), (table_xlsx(rows, WORDS, "T"), "t.xlsx")):
        boundary = read_boundary(data, name, max_bytes=LIMIT)
        assert boundary.source_srid == 9208 and boundary.table.ring == "Vòng (0 = ranh ngoài)"
        assert _zone_area(boundary) == pytest.approx(_vn2000(HOLED).area, rel=1e-6)


def test_coord_table_xlsx_with_title_rows_numbers_and_merged_parcel_cells():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["PHỤ LỤC: TOẠ ĐỘ RANH GIỚI CỤM CÔNG NGHIỆP"])
    sheet.append(["(Hệ VN-2000, KTT 104°45', múi chiếu 3°)"])
    sheet.append(["Số thửa", "Tên điểm", "X (m)", "Y (m)"])
    for n, (east, north) in enumerate(_vn2000().exterior.coords, start=1):
        sheet.append(["5" if n == 1 else None, f"M{n}", north, east])
    sheet.append([None, "Diện tích: 500 ha", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    boundary = read_boundary(buffer.getvalue(), "phu_luc.xlsx", max_bytes=LIMIT)
    assert boundary.file_format is FileFormat.XLSX and boundary.source_srid == 9208
    assert boundary.table.parcels == ("5",) and boundary.table.point == "Tên điểm"
    assert _zone_area(boundary) == pytest.approx(_vn2000().area, rel=1e-6)


def test_coord_table_swapped_x_and_y_is_refused_saying_so():
    rows = _points_csv(header="STT;Điểm;Y (m);X (m)")  # easting under X, northing under Y
    with pytest.raises(UnknownCRS, match="swapped") as caught:
        read_boundary(_annex(rows), "bang.csv", crs="EPSG:9208", max_bytes=LIMIT)
    assert "2 300 000–2 600 000" in caught.value.detail


def test_coord_table_degrees_are_refused_saying_so():
    rows = ["Điểm;X;Y", "1;22.29;104.13", "2;22.31;104.13", "3;22.31;104.15"]
    with pytest.raises(UnknownCRS, match="degrees"):
        read_table(_annex(rows), "bang.csv", xlsx=False)


def test_coord_table_non_numeric_cells_are_located():
    rows = _points_csv()
    rows[2] = rows[2].replace(".", "x", 1)  # 2465904x452
    with pytest.raises(UnreadableFile) as caught:
        read_table(_annex(rows), "bang.csv", xlsx=False)
    assert "row 5, column 'X (m)'" in caught.value.detail
    assert caught.value.errors[0].pointer == "/rows/5/X (m)"


def test_coord_table_of_two_points_is_refused():
    rows = _points_csv()[:3]
    with pytest.raises(InvalidGeometry, match="at least 3"):
        read_table(_annex(rows), "bang.csv", xlsx=False)


def test_coord_table_without_x_and_y_headings_is_refused():
    with pytest.raises(UnreadableFile, match="no header row with X and Y"):
        read_table(b"ten,dien_tich\nA,12\n", "bang.csv", xlsx=False)


def test_dxf_closed_polylines_are_the_proposal(tmp_path: Path):
    path = write_dxf(HOLED, 9208, ["VN-2000 / TM-3 104-45"], tmp_path / "ranh.dxf")
    boundary = read_boundary(path.read_bytes(), "ranh.dxf", crs="EPSG:9208", max_bytes=LIMIT)
    assert boundary.file_format is FileFormat.DXF and len(boundary.geometries) == 1
    assert _zone_area(boundary) == pytest.approx(_vn2000(HOLED).area, rel=1e-6)


def test_dxf_without_closed_polylines_is_refused(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"Layer": ["0", "0"]},
        geometry=[LineString([(436000, 2466000), (437000, 2467000)]), Point(436500, 2466500)],
        crs=TM3_ZONES[9208].proj4(),
    )
    pyogrio.write_dataframe(frame, tmp_path / "lines.dxf", driver="DXF")
    data = (tmp_path / "lines.dxf").read_bytes()
    with pytest.raises(InvalidGeometry, match="no closed polyline"):
        read_boundary(data, "lines.dxf", crs="EPSG:9208", max_bytes=LIMIT)


def test_dgn_v7_shapes_are_the_proposal(tmp_path: Path):
    frame = gpd.GeoDataFrame(geometry=[_vn2000()], crs=TM3_ZONES[9208].proj4())
    pyogrio.write_dataframe(frame, tmp_path / "ranh.dgn", driver="DGN")
    data = (tmp_path / "ranh.dgn").read_bytes()
    assert sniff_format("upload.bin", data) is FileFormat.DGN  # v7 by its first element
    boundary = read_boundary(data, "ranh.dgn", crs="EPSG:9208", max_bytes=LIMIT)
    # DGN v7 stores whole units of resolution (GDAL's seed file): vertices move by millimetres.
    assert _zone_area(boundary) == pytest.approx(_vn2000().area, rel=1e-5)


def test_dgn_v8_is_refused_as_the_importer_does():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(UnsupportedFormat, match="save it as DGN v7") as caught:
        read_boundary(data, "ranh_v8.dgn", crs="EPSG:9208", max_bytes=LIMIT)
    assert caught.value.detail.startswith("ranh_v8.dgn: ")


def test_old_excel_xls_is_refused_with_what_to_do():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(UnsupportedFormat, match=r"save the coordinate table as \.xlsx or CSV"):
        sniff_format("bang.xls", data)
