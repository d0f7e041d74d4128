import zipfile
from datetime import date
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from spatial.io.formats import FileFormat
from spatial.io.shapefile_fields import ABBREVIATIONS, MAX_TEXT_BYTES, field_names, fit_text
from spatial.io.write import ExportLayer, write_layers

NAME = "KCN Tằng Loỏng — Đông Phố Mới"


def _layer(geometries: list, srid: int = 4326) -> ExportLayer:
    rows = [
        (f"S-{index}", NAME, 12.5 * index, date(2025, 2, 20), shapely.to_wkb(geometry))
        for index, geometry in enumerate(geometries)
    ]
    return ExportLayer(
        name="sites",
        columns=["code", "name", "planned_area_ha", "legal_decision_date", "geometry_wkb"],
        rows=rows,
        srid=srid,
        title="Sites",
        metadata={"LICENCE": "Sở Công Thương Lào Cai", "PROVENANCE": "test"},
    )


SQUARE = Polygon([(104.0, 22.0), (104.01, 22.0), (104.01, 22.01), (104.0, 22.01)])


def test_field_names_fit_ten_characters_and_stay_unique():
    names = [
        "planned_area_ha",
        "legal_decision_number",
        "legal_decision_date",
        "very_long_unknown_name_a",
        "very_long_unknown_name_b",
        "code",
    ]
    mapping = field_names(names)
    assert mapping["planned_area_ha"] == "plan_ha" and mapping["code"] == "code"
    assert all(len(short) <= 10 for short in mapping.values())
    assert len(set(mapping.values())) == len(names)


def test_every_abbreviation_is_short_and_distinct():
    assert all(len(short) <= 10 for short in ABBREVIATIONS.values())
    assert len(set(ABBREVIATIONS.values())) == len(ABBREVIATIONS)


def test_fit_text_cuts_at_a_character_boundary():
    text = "Đường " * 100
    cut = fit_text(text)
    assert len(cut.encode()) <= MAX_TEXT_BYTES
    assert text.startswith(cut)


@pytest.mark.parametrize("fmt", [FileFormat.GPKG, FileFormat.KML, FileFormat.CSV])
def test_vietnamese_text_survives_a_round_trip(tmp_path: Path, fmt: FileFormat):
    path = write_layers([_layer([SQUARE])], fmt, tmp_path, "sites")
    frame = pyogrio.read_dataframe(path)
    column = "Name" if fmt is FileFormat.KML else "name"
    assert list(frame[column]) == [NAME]


def test_shapefile_round_trip_keeps_text_types_and_crs(tmp_path: Path):
    path = write_layers([_layer([SQUARE], srid=4326)], FileFormat.SHAPEFILE_ZIP, tmp_path, "s")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "out")
        assert "Sở Công Thương" in archive.read("README.txt").decode()
    frame = pyogrio.read_dataframe(tmp_path / "out" / "sites.shp")
    assert list(frame["name"]) == [NAME]
    assert list(frame["legal_date"]) == ["2025-02-20"]
    assert frame.crs.to_epsg() == 4326


def test_shapefile_splits_points_lines_and_polygons(tmp_path: Path):
    layer = _layer([SQUARE, LineString([(104, 22), (104.1, 22.1)]), Point(104, 22)])
    path = write_layers([layer], FileFormat.SHAPEFILE_ZIP, tmp_path, "mixed")
    names = set(zipfile.ZipFile(path).namelist())
    assert {"sites_points.shp", "sites_lines.shp", "sites_polygons.shp"} <= names


def test_shapefile_cuts_long_text_to_254_bytes(tmp_path: Path):
    layer = _layer([SQUARE])
    long_layer = ExportLayer(
        layer.name, layer.columns, [(*row[:1], "Đ" * 300, *row[2:]) for row in layer.rows]
    )
    path = write_layers([long_layer], FileFormat.SHAPEFILE_ZIP, tmp_path, "long")
    zipfile.ZipFile(path).extractall(tmp_path / "out")
    value = pyogrio.read_dataframe(tmp_path / "out" / "sites.shp")["name"].iloc[0]
    assert value == "Đ" * (MAX_TEXT_BYTES // 2)


def test_gpkg_holds_several_layers_and_the_metadata(tmp_path: Path):
    first, second = _layer([SQUARE]), _layer([SQUARE])
    second = ExportLayer("parcels", second.columns, second.rows, title="Parcels")
    path = write_layers([first, second], FileFormat.GPKG, tmp_path, "bundle")
    assert [name for name, _ in pyogrio.list_layers(path)] == ["sites", "parcels"]
    assert (
        pyogrio.read_info(path, layer="sites")["dataset_metadata"]["LICENCE"]
        == "Sở Công Thương Lào Cai"
    )


def test_csv_takes_one_layer_only(tmp_path: Path):
    with pytest.raises(ValueError, match="one layer"):
        write_layers([_layer([SQUARE]), _layer([SQUARE])], FileFormat.CSV, tmp_path, "x")


def test_geojson_is_not_written_to_a_file(tmp_path: Path):
    with pytest.raises(ValueError, match="not written"):
        write_layers([_layer([SQUARE])], FileFormat.GEOJSON, tmp_path, "x")


def test_only_gpkg_shapefile_and_csv_carry_a_crs():
    assert {fmt for fmt in FileFormat if fmt.carries_crs} == {
        FileFormat.GPKG,
        FileFormat.SHAPEFILE_ZIP,
        FileFormat.CSV,
        FileFormat.CSV_ZIP,
    }
