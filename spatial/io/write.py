"""Write feature layers to GeoPackage, zipped Shapefile, KML or CSV with pyogrio (GDAL).

Input is what PostGIS returned: property columns plus WKB geometries in the layer's CRS (the
WKB is decoded once, vectorised, by shapely). Text stays UTF-8 in every format: the Shapefile
gets a ``.cpg`` saying so, CSV starts with a byte-order mark so spreadsheets read Vietnamese
correctly. Provenance and licence go into the file's metadata where the format has a place for
it (GeoPackage metadata, the README.txt inside a Shapefile zip).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from spatial.crs import WGS84
from spatial.io.formats import FileFormat
from spatial.io.shapefile_fields import field_names, fit_text

GEOMETRY_COLUMN = "geometry_wkb"
FAMILIES = {"Point": "points", "LineString": "lines", "Polygon": "polygons"}


@dataclass(frozen=True)
class ExportLayer:
    """One layer to write: property columns, rows (WKB geometry last) and metadata."""

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    srid: int = WGS84
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """Dates and times become ISO 8601 text, which every format keeps exactly."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_frame(layer: ExportLayer) -> gpd.GeoDataFrame:
    """Return the layer as a GeoDataFrame in its CRS (geometry decoded from WKB)."""
    frame = pd.DataFrame.from_records(layer.rows, columns=layer.columns)
    wkb = frame.pop(GEOMETRY_COLUMN) if GEOMETRY_COLUMN in frame else pd.Series([None] * len(frame))
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_plain)
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
            layer_metadata={"IDENTIFIER": layer.name, "DESCRIPTION": layer.title},
            dataset_metadata=layers[0].metadata,
        )
    return path


def _family(geometry: Any) -> str:
    if geometry is None:
        return "polygons"
    return FAMILIES.get(geometry.geom_type.removeprefix("Multi"), "polygons")


def _shapefile_parts(layer: ExportLayer) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Split a layer by geometry family: a Shapefile holds one geometry type only."""
    frame = to_frame(layer)
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


def _write_shapefile_zip(layers: Sequence[ExportLayer], path: Path) -> Path:
    folder = path.parent / "shp"
    folder.mkdir()
    for layer in layers:
        for name, frame in _shapefile_parts(layer):
            pyogrio.write_dataframe(
                frame,
                folder / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                promote_to_multi=True,
            )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(folder.iterdir()):
            archive.write(member, member.name)
        archive.writestr("README.txt", _readme(layers))
    return path


def _write_kml(layers: Sequence[ExportLayer], path: Path) -> Path:
    for layer in layers:
        frame = to_frame(layer)  # KML is WGS 84 by definition: callers export CRS84
        name_field = "name" if "name" in frame.columns else "code"
        pyogrio.write_dataframe(
            frame, path, layer=layer.name, driver="KML", dataset_options={"NameField": name_field}
        )
    return path


def _write_csv(layers: Sequence[ExportLayer], path: Path) -> Path:
    (layer,) = layers
    pyogrio.write_dataframe(
        to_frame(layer),
        path,
        driver="CSV",
        layer_options={"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"},
    )
    return path


WRITERS = {
    FileFormat.GPKG: _write_gpkg,
    FileFormat.SHAPEFILE_ZIP: _write_shapefile_zip,
    FileFormat.KML: _write_kml,
    FileFormat.CSV: _write_csv,
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
    if fmt is FileFormat.CSV and len(layers) != 1:
        raise ValueError("CSV holds exactly one layer")
    return WRITERS[fmt](layers, directory / f"{stem}.{fmt.value}")
