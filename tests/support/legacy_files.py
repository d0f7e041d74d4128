"""Write Shapefiles the way Vietnamese agencies deliver them: legacy-encoded text, no .cpg."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from spatial.io.dbf_encoding import TextEncoding, encode

# A point in Lào Cai in VN-2000 / TM-3 104°45′ (EPSG:9208) metres: easting, northing.
DEFAULT_ORIGIN = (430_000.0, 2_470_000.0)


def _squares(count: int, origin: tuple[float, float], side_m: float) -> list[BaseGeometry]:
    """Return ``count`` squares of ``side_m`` metres in a row east of ``origin`` (file CRS)."""
    easting, northing = origin
    step = 2 * side_m
    return [
        box(easting + i * step, northing, easting + i * step + side_m, northing + side_m)
        for i in range(count)
    ]


def _legacy_frame(
    rows: list[dict[str, Any]], encoding: TextEncoding, geometries: list[BaseGeometry], srid: int
) -> gpd.GeoDataFrame:
    """Build a frame whose text columns hold one Latin-1 character per legacy byte."""
    records = [
        {
            key: encode(value, encoding).decode("latin1") if isinstance(value, str) else value
            for key, value in row.items()
            if key != "geometry"
        }
        for row in rows
    ]
    return gpd.GeoDataFrame(records, geometry=geometries, crs=f"EPSG:{srid}")


def _check_dbf(dbf: Path, rows: list[dict[str, Any]], encoding: TextEncoding) -> None:
    """Check that the raw .dbf holds every text value as its legacy bytes."""
    content = dbf.read_bytes()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and key != "geometry":
                assert encode(value, encoding) in content, f"{value!r} not stored as expected"


def write_shapefile_zip(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: TextEncoding,
    srid: int,
    with_prj: bool,
    *,
    prj_text: str | None = None,
    origin: tuple[float, float] = DEFAULT_ORIGIN,
    side_m: float = 100.0,
) -> Path:
    """Write ``rows`` as a zipped Shapefile of polygons with text in ``encoding`` and no .cpg.

    A row's ``geometry`` (in the CRS of ``srid``) is used when given; otherwise each row gets a
    square of ``side_m`` metres east of ``origin``. ``prj_text`` replaces the .prj GDAL writes.
    """
    generated = _squares(len(rows), origin, side_m)
    geometries = [
        square if row.get("geometry") is None else row["geometry"]
        for row, square in zip(rows, generated, strict=True)
    ]
    frame = _legacy_frame(rows, encoding, geometries, srid)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{path.stem}.shp"
        # Latin-1 maps each character back to one byte, so the .dbf gets the legacy bytes.
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="latin1")
        shp.with_suffix(".cpg").unlink(missing_ok=True)
        _check_dbf(shp.with_suffix(".dbf"), rows, encoding)
        prj = shp.with_suffix(".prj")
        if prj_text is not None:
            prj.write_text(prj_text, encoding="ascii")
        if not with_prj:
            prj.unlink(missing_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)
    return path
