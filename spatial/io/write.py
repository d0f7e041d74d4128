"""Write feature layers to GeoPackage, zipped Shapefile, KML or CSV with pyogrio (GDAL).

Input is what PostGIS returned: property columns plus WKB geometries in the layer's CRS (the
WKB is decoded once, vectorised, by shapely). Text stays UTF-8 in every format: the Shapefile
gets a ``.cpg`` saying so, CSV starts with a byte-order mark so spreadsheets read Vietnamese
correctly. Provenance and licence go into the file's metadata where the format has a place for
it (GeoPackage metadata, the README.txt inside a Shapefile zip). Fields are typed through Arrow
(a GeoPackage DATE, DATETIME, REAL, INTEGER, BOOLEAN; CSV types in GDAL's ``.csvt``), and the
layer's styles travel with it: QGIS's ``layer_styles`` table in a GeoPackage, ``.qml`` and
``.sld`` beside each ``.shp``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
import pyproj
import shapely

from spatial.crs import WGS84
from spatial.io.formats import FileFormat
from spatial.io.qml import qml
from spatial.io.shapefile_fields import field_names, fit_text
from spatial.io.sld import sld
from spatial.io.styles import LayerStyle, renamed

GEOMETRY_COLUMN = "geometry_wkb"
GPKG_GEOMETRY = "geom"
CRS_COLUMN = "crs"
CSV_OPTIONS = {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES", "CREATE_CSVT": "YES"}
FAMILIES = {"Point": "points", "LineString": "lines", "Polygon": "polygons"}


@dataclass(frozen=True)
class ExportLayer:
    """One layer to write: property columns, rows (WKB geometry last), types and metadata.

    ``types`` gives a column's JSON type (``number``, ``integer``, ``boolean``, ``date``,
    ``date-time``; anything else is text), so GeoPackage and CSV fields are typed; ``styles``
    (the first is the default) go into a GeoPackage's ``layer_styles`` table, and the default
    one beside each ``.shp`` of a Shapefile zip as ``.qml`` (which QGIS loads with the layer)
    and ``.sld``.
    """

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    srid: int = WGS84
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    styles: tuple[LayerStyle, ...] = ()


def _plain(value: Any) -> Any:
    """Dates and times become ISO 8601 text, which every format keeps exactly."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _typed(values: pd.Series, kind: str | None, *, text_times: bool) -> Any:
    """Return a column with the pandas type GDAL writes as ``kind`` (Real, Date, ...)."""
    items = values.tolist()
    if kind == "number":
        return pd.array([None if v is None else float(v) for v in items], dtype="Float64")
    if kind == "integer":
        return pd.array(items, dtype="Int64")
    if kind == "boolean":
        return pd.array(items, dtype="boolean")
    if kind == "date" and not text_times:
        return pd.array(items, dtype=pd.ArrowDtype(pa.date32()))
    if kind == "date-time" and not text_times:
        return pd.to_datetime(pd.Series(items, dtype=object), utc=True).array
    return values.map(_plain) if values.dtype == object else values


def to_frame(layer: ExportLayer, *, text_times: bool = False) -> gpd.GeoDataFrame:
    """Return the layer as a GeoDataFrame in its CRS (geometry decoded from WKB), typed.

    ``text_times``: dates and times as ISO 8601 text (KML, and a Shapefile's date-times,
    which a .dbf cannot hold).
    """
    frame = pd.DataFrame.from_records(layer.rows, columns=layer.columns)
    wkb = frame.pop(GEOMETRY_COLUMN) if GEOMETRY_COLUMN in frame else pd.Series([None] * len(frame))
    for column in frame.columns:
        frame[column] = _typed(frame[column], layer.types.get(column), text_times=text_times)
    geometry = shapely.from_wkb([bytes(item) if item is not None else None for item in wkb])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=f"EPSG:{layer.srid}")


def _write_gpkg(layers: Sequence[ExportLayer], path: Path) -> Path:
    for layer in layers:
        pyogrio.write_dataframe(
            to_frame(layer),
            path,
            layer=layer.name,
            driver="GPKG",
            promote_to_multi=True,
            use_arrow=True,  # Arrow's date32 becomes a GeoPackage DATE, not text
            layer_options={"GEOMETRY_NAME": GPKG_GEOMETRY},
            layer_metadata={"IDENTIFIER": layer.name, "DESCRIPTION": layer.title},
            dataset_metadata=layers[0].metadata,
        )
    styles = layer_styles(layers)
    if len(styles):
        pyogrio.write_dataframe(
            styles, path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"}
        )
    return path


def layer_styles(layers: Sequence[ExportLayer]) -> pd.DataFrame:
    """Return the rows of QGIS's ``layer_styles`` table: each layer's styles, its default first.

    QGIS looks a layer's styles up by ``f_table_catalog`` and ``f_table_schema`` (both empty
    in a GeoPackage), ``f_table_name`` and ``f_geometry_column``, and applies the default one
    when the layer is added.
    """
    rows = [
        (layer.name, style, index == 0)
        for layer in layers
        for index, style in enumerate(layer.styles)
    ]
    now = datetime.now(UTC)
    return pd.DataFrame(
        {
            "f_table_catalog": pd.array([""] * len(rows), dtype="string"),
            "f_table_schema": pd.array([""] * len(rows), dtype="string"),
            "f_table_name": pd.array([name for name, _, _ in rows], dtype="string"),
            "f_geometry_column": pd.array([GPKG_GEOMETRY] * len(rows), dtype="string"),
            "styleName": pd.array([style.name for _, style, _ in rows], dtype="string"),
            "styleQML": pd.array([qml(style) for _, style, _ in rows], dtype="string"),
            "styleSLD": pd.array([sld(style) for _, style, _ in rows], dtype="string"),
            "useAsDefault": pd.array([default for _, _, default in rows], dtype="boolean"),
            "description": pd.array(
                [f"{style.title}: sitereg web map style" for _, style, _ in rows], dtype="string"
            ),
            "owner": pd.array(["sitereg"] * len(rows), dtype="string"),
            "ui": pd.array([None] * len(rows), dtype="string"),
            "update_time": pd.to_datetime([now] * len(rows), utc=True),
        }
    )


def _family(geometry: Any) -> str:
    if geometry is None:
        return "polygons"
    return FAMILIES.get(geometry.geom_type.removeprefix("Multi"), "polygons")


def _shapefile_parts(layer: ExportLayer) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Split a layer by geometry family: a Shapefile holds one geometry type only."""
    frame = to_frame(layer, text_times=True)
    mapping = field_names(column for column in frame.columns if column != "geometry")
    frame = frame.rename(columns=mapping)
    for column in mapping.values():
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: fit_text(v) if isinstance(v, str) else v)
    families = frame.geometry.map(_family)
    if families.nunique() <= 1:
        return [(layer.name, frame)]
    return [
        (f"{layer.name}_{family}", frame[families == family]) for family in sorted(set(families))
    ]


def _readme(layers: Sequence[ExportLayer]) -> str:
    lines = ["sitereg export — ESRI Shapefile (UTF-8, see .cpg)", ""]
    for key, value in layers[0].metadata.items():
        lines.append(f"{key}: {value}")
    for layer in layers:
        lines += ["", f"Layer {layer.name}: {layer.title}", "field      <- property"]
        mapping = field_names(c for c in layer.columns if c != GEOMETRY_COLUMN)
        lines += [f"{short:<10} <- {name}" for name, short in mapping.items()]
    lines += ["", "Texts longer than 254 bytes are cut in the .dbf; GeoPackage keeps them whole."]
    return "\n".join(lines) + "\n"


def _write_shapefile_style(layer: ExportLayer, name: str, folder: Path) -> None:
    """Write the layer's default style beside ``<name>.shp``, in its 10-character field names."""
    if not layer.styles:
        return
    names = field_names(c for c in layer.columns if c != GEOMETRY_COLUMN)
    style = renamed(layer.styles[0], names, name)
    (folder / f"{name}.qml").write_text(qml(style), encoding="utf-8")
    (folder / f"{name}.sld").write_text(sld(style), encoding="utf-8")


def _write_shapefile_zip(layers: Sequence[ExportLayer], path: Path) -> Path:
    folder = path.parent / "shp"
    folder.mkdir()
    for layer in layers:
        for name, frame in _shapefile_parts(layer):
            _write_shapefile_style(layer, name, folder)
            pyogrio.write_dataframe(
                frame,
                folder / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                promote_to_multi=True,
                use_arrow=True,
            )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(folder.iterdir()):
            archive.write(member, member.name)
        archive.writestr("README.txt", _readme(layers))
    return path


def _write_kml(layers: Sequence[ExportLayer], path: Path) -> Path:
    for layer in layers:
        frame = to_frame(layer, text_times=True)  # KML is WGS 84: callers export CRS84
        name_field = "name" if "name" in frame.columns else "code"
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer.name,
            driver="KML",
            dataset_options={"NameField": name_field},
            use_arrow=True,
        )
    return path


def crs_name(srid: int) -> str:
    """Return the CRS named in a CSV's ``crs`` column: ``OGC:CRS84`` (lon/lat) or ``EPSG:n``."""
    return "OGC:CRS84" if srid == WGS84 else f"EPSG:{srid}"


def _write_csv(layers: Sequence[ExportLayer], path: Path) -> Path:
    """Write CSV with WKT geometry, a ``crs`` column and GDAL's ``.csvt`` of column types.

    A CSV has no place for its CRS that GDAL and spreadsheets both accept (a comment line is
    not CSV), so every row names it in ``crs``; the ``.csv.zip`` adds a ``.prj`` beside it.
    """
    (layer,) = layers
    frame = to_frame(layer)
    frame.insert(len(frame.columns) - 1, CRS_COLUMN, crs_name(layer.srid))
    pyogrio.write_dataframe(frame, path, driver="CSV", use_arrow=True, layer_options=CSV_OPTIONS)
    return path


def _write_csv_zip(layers: Sequence[ExportLayer], path: Path) -> Path:
    """Zip the CSV with its ``.csvt`` (column types) and ``.prj`` (WKT 1 naming the EPSG code)."""
    folder = path.parent / "csv"
    folder.mkdir()
    csv_path = _write_csv(layers, folder / path.name.removesuffix(".zip"))
    prj = pyproj.CRS.from_epsg(layers[0].srid).to_wkt(pyproj.enums.WktVersion.WKT1_GDAL)
    csv_path.with_suffix(".prj").write_text(prj, encoding="utf-8")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(folder.iterdir()):
            archive.write(member, member.name)
    return path


WRITERS = {
    FileFormat.GPKG: _write_gpkg,
    FileFormat.SHAPEFILE_ZIP: _write_shapefile_zip,
    FileFormat.KML: _write_kml,
    FileFormat.CSV: _write_csv,
    FileFormat.CSV_ZIP: _write_csv_zip,
}


def write_layers(
    layers: Sequence[ExportLayer], fmt: FileFormat, directory: Path, stem: str
) -> Path:
    """Write ``layers`` as one file of ``fmt`` in ``directory``; return its path.

    ``directory`` must be empty and private to this call (a temporary folder). CSV takes one
    layer; GeoJSON is streamed by the caller and never written here.
    """
    if fmt not in WRITERS:
        raise ValueError(f"{fmt} is not written to a file")
    if fmt in (FileFormat.CSV, FileFormat.CSV_ZIP) and len(layers) != 1:
        raise ValueError("CSV holds exactly one layer")
    return WRITERS[fmt](layers, directory / f"{stem}.{fmt.value}")
