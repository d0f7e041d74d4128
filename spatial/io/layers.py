"""Read a whole layer file as agencies deliver it, in batches, through GDAL (pyogrio + Arrow).

Zipped Shapefiles, GeoPackage, GeoJSON, KML/KMZ, MapInfo TAB/MIF, DGN v7, DXF and CSV (WKT or
lon/lat columns). Features stream in batches (``read_batches``), so memory stays bounded
whatever the file's size. Text of the formats that carry no encoding of their own (a
Shapefile's .dbf, MapInfo, DGN, DXF, CSV) is read as raw bytes, for ``dbf_encoding`` to decode:
agencies write TCVN3, VNI or Windows-1258 there and rarely say which.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from spatial.errors import UnreadableFile, UnsupportedFormat
from spatial.io.archive import IMPORT_ZIP_LIMITS, check_members

SUFFIX_DRIVERS: Final = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".kmz": "LIBKML",
    ".tab": "MapInfo File",
    ".mif": "MapInfo File",
    ".dgn": "DGN",
    ".dxf": "DXF",
    ".csv": "CSV",
}
"""File name endings the importer reads, and the GDAL driver of each."""

RAW_TEXT_DRIVERS: Final = frozenset({"ESRI Shapefile", "MapInfo File", "DGN", "DXF", "CSV"})
"""Drivers whose text has no declared encoding: read as bytes (latin-1 maps bytes 1:1)."""

CSV_OPTIONS: Final = {
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom,the_geom",
    "X_POSSIBLE_NAMES": "lon,longitude,lng,x,kinh_do,kinhdo",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,vi_do,vido",
    "KEEP_GEOM_COLUMNS": "NO",
}
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""DGN v8 files are OLE compound documents; v7 files are not."""


@dataclass(frozen=True)
class LayerFile:
    """An opened layer: where GDAL reads it, its driver, columns, CRS and feature count."""

    path: str
    name: str
    driver: str
    columns: tuple[str, ...]
    crs: str | None
    feature_count: int | None
    raw_text: bool
    cpg: str | None
    layer: str | None = None  # the layer read in a multi-layer file (GeoPackage, DXF, ...)


# Tables a GeoPackage may carry beside its data (QGIS styles, sitereg's own exports).
STYLE_TABLES = frozenset({"layer_styles"})


@dataclass(frozen=True)
class Batch:
    """Some features: each column's values, and each geometry as WKB (None where missing)."""

    first_row: int
    columns: dict[str, list[Any]]
    wkb: list[bytes | None]


def open_layer(path: Path, layer: str | None = None) -> LayerFile:
    """Open a file (or the one layer file inside a .zip) and describe its layer.

    Raises:
        UnsupportedFormat: an ending GDAL is not asked to read, or a DGN v8 file.
        UnreadableFile: the file is missing, or GDAL cannot read it.
    """
    import pyogrio

    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    gdal_path, inner = _gdal_path(path)
    driver = _driver(inner)
    if driver == "DGN":
        _refuse_dgn_v8(path, inner)
    options = CSV_OPTIONS if driver == "CSV" else {}
    try:
        layer = layer if layer is not None else _data_layer(gdal_path)
        info = pyogrio.read_info(gdal_path, layer=layer, **options)
    except Exception as exc:  # noqa: BLE001 (GDAL raises many types for broken files)
        raise UnreadableFile(f"{path.name}: GDAL cannot read it ({exc})") from exc
    count = int(info["features"]) if info.get("features", -1) >= 0 else None
    return LayerFile(
        path=gdal_path,
        name=path.name,
        driver=driver,
        columns=tuple(str(name) for name in info["fields"]),
        crs=info.get("crs"),
        feature_count=count,
        raw_text=driver in RAW_TEXT_DRIVERS,
        cpg=_cpg(path, inner) if driver == "ESRI Shapefile" else None,
        layer=layer,
    )


def _data_layer(gdal_path: str) -> str | None:
    """Return the first layer that holds data: not a style table (None: the only layer)."""
    import pyogrio

    names = [str(row[0]) for row in pyogrio.list_layers(gdal_path)]
    data = [name for name in names if name not in STYLE_TABLES]
    return data[0] if len(names) > 1 and data else None


ARROW_LATIN1_DRIVERS: Final = frozenset({"ESRI Shapefile"})
"""GDAL's Arrow stream recodes only a Shapefile's text to latin-1; the others are read in
slices (``skip_features``), which MapInfo, DGN, DXF and CSV files are small enough for."""


def read_batches(layer: LayerFile, batch_size: int = 10_000) -> Iterator[Batch]:
    """Yield the layer's features in batches; text comes raw (latin-1) where ``raw_text``."""
    if layer.raw_text and layer.driver not in ARROW_LATIN1_DRIVERS:
        yield from _sliced_batches(layer, batch_size)
        return
    from pyogrio.raw import open_arrow

    options = CSV_OPTIONS if layer.driver == "CSV" else {}
    encoding = "latin1" if layer.raw_text else None
    first = 0
    with open_arrow(
        layer.path,
        layer=layer.layer,
        encoding=encoding,
        batch_size=batch_size,
        use_pyarrow=True,
        **options,
    ) as (meta, reader):
        geometry_name = meta.get("geometry_name") or "wkb_geometry"
        for record_batch in reader:
            names = [name for name in record_batch.schema.names if name != geometry_name]
            columns = {name: record_batch.column(name).to_pylist() for name in names}
            wkb = record_batch.column(geometry_name).to_pylist()
            yield Batch(first, columns, wkb)
            first += record_batch.num_rows


def _sliced_batches(layer: LayerFile, batch_size: int) -> Iterator[Batch]:
    from pyogrio.raw import read

    options = CSV_OPTIONS if layer.driver == "CSV" else {}
    first = 0
    while True:
        meta, _, geometry, fields = read(
            layer.path,
            layer=layer.layer,
            encoding="latin1",
            skip_features=first,
            max_features=batch_size,
            force_2d=True,
            **options,
        )
        if len(geometry) == 0:
            return
        columns = {
            str(name): list(values) for name, values in zip(meta["fields"], fields, strict=True)
        }
        yield Batch(first, columns, list(geometry))
        first += len(geometry)


def _gdal_path(path: Path) -> tuple[str, str]:
    """Return GDAL's path of the layer file and the inner file's name (for its ending)."""
    if path.suffix.lower() != ".zip":
        return str(path), path.name
    try:
        with zipfile.ZipFile(path) as archive:
            check_members(archive, path.name, IMPORT_ZIP_LIMITS)  # before GDAL inflates any
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{path.name}: not a valid .zip ({exc})") from exc
    readable = [m for m in members if Path(m).suffix.lower() in SUFFIX_DRIVERS]
    # A Shapefile set or a MapInfo TAB set has several files; the layer is the .shp or .tab.
    main = [m for m in readable if Path(m).suffix.lower() in {".shp", ".tab"}] or readable
    if len(main) != 1:
        found = ", ".join(main) or "none"
        raise UnreadableFile(f"{path.name}: the .zip must hold exactly one layer file ({found})")
    return f"/vsizip/{path.resolve()}/{main[0]}", main[0]


def _driver(inner: str) -> str:
    suffix = Path(inner).suffix.lower()
    driver = SUFFIX_DRIVERS.get(suffix)
    if driver is None:
        endings = ", ".join(sorted(SUFFIX_DRIVERS))
        raise UnsupportedFormat(
            f"{inner}: unsupported format '{suffix}'; the importer reads "
            f"{endings}, and a .zip holding one of them"
        )
    return driver


def _refuse_dgn_v8(path: Path, inner: str) -> None:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive, archive.open(inner) as member:
            head = member.read(8)
    else:
        with path.open("rb") as handle:
            head = handle.read(8)
    if head == OLE_MAGIC:
        raise UnsupportedFormat(
            f"{inner}: a MicroStation DGN v8 file, which GDAL cannot read; save it as DGN v7 "
            "(MicroStation: File > Save As > V7 DGN) or as DXF, and import that"
        )


def _cpg(path: Path, inner: str) -> str | None:
    """Return the encoding a Shapefile's .cpg names, if it has one."""
    name = str(Path(inner).with_suffix(".cpg"))
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                matches = [m for m in archive.namelist() if m.lower() == name.lower()]
                return archive.read(matches[0]).decode("ascii").strip() if matches else None
        cpg = path.with_suffix(".cpg")
        return cpg.read_text("ascii").strip() if cpg.exists() else None
    except (OSError, UnicodeDecodeError, KeyError):
        return None
