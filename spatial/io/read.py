"""Read a proposed boundary from any file an officer holds, in any CRS we know.

GeoJSON, a zipped Shapefile, GeoPackage, KML, a coordinate table (CSV, XLSX) or a drawing
(DXF, DGN v7).

GIS files other than GeoJSON, and drawings, go through the importer's GDAL reader
(``spatial.io.layers``): one reader for imports, proposal checks and the map's upload. A
drawing's polygons and closed polylines are its areas (``spatial.io.rings``); a coordinate
table is read by ``spatial.io.coord_table``, which returns the columns it found.

The file's own CRS (a ``.prj``, a GeoPackage's SRS, GeoJSON's legacy ``crs`` member) is used
when present; an explicit ``crs`` fills in when the file has none and must agree when it has one.
Coordinates that are plainly projected metres read as degrees, or a VN-2000 table with X
(northing) and Y (easting) swapped, are rejected with a message that says so. Every geometry is
reprojected once to EPSG:4326 and validated; nothing is repaired.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from spatial.crs import WGS84, ZONE_HINT, epsg_code, match_crs, transform_geometry
from spatial.errors import (
    MAX_PROBLEMS,
    InvalidGeometry,
    Problem,
    TooLarge,
    UnknownCRS,
    UnreadableFile,
    UnsupportedFormat,
)
from spatial.io.archive import PROPOSAL_ZIP_LIMITS, ZipLimits, check_members, read_member
from spatial.io.coord_table import TableLayout, read_table
from spatial.io.formats import CAD_FORMATS, TABLE_FORMATS, FileFormat, sniff_format
from spatial.io.json_depth import too_deep
from spatial.io.layers import open_layer, read_batches
from spatial.io.rings import cad_areas
from spatial.validate import check_geometry

MAX_VERTICES = 200_000


@dataclass(frozen=True)
class ReadBoundary:
    """The proposal as read: EPSG:4326 polygons, one per feature, and where they came from."""

    geometries: list[BaseGeometry]
    source_srid: int
    file_format: FileFormat
    crs_from: str  # "file", "parameter" or "default (RFC 7946)"
    table: TableLayout | None = None  # how a coordinate table was read, for people to confirm


def read_boundary(
    data: bytes,
    file_name: str,
    *,
    crs: str | None = None,
    max_bytes: int,
    zip_limits: ZipLimits = PROPOSAL_ZIP_LIMITS,
) -> ReadBoundary:
    """Read, reproject to EPSG:4326 and validate the polygons of an uploaded file.

    Raises:
        TooLarge, UnreadableFile, UnsupportedFormat, UnknownCRS, InvalidGeometry, OutsideVietnam
        (as ``InvalidGeometry`` problems located by feature).
    """
    if len(data) > max_bytes:
        raise TooLarge(
            f"{file_name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit"
        )
    if not data.strip():
        raise UnreadableFile(f"{file_name}: the file is empty")
    file_format = sniff_format(file_name, data)
    requested = epsg_code(crs) if crs else None
    table: TableLayout | None = None
    if file_format is FileFormat.GEOJSON:
        geometries, file_srid = _read_geojson(data, file_name)
    elif file_format in TABLE_FORMATS:
        read = read_table(data, file_name, xlsx=file_format is FileFormat.XLSX)
        geometries, file_srid, table = read.geometries, read.srid, read.layout
    else:
        geometries, file_srid = _read_with_gdal(data, file_name, file_format, zip_limits)
    srid, crs_from = _decide_crs(file_name, file_format, file_srid, requested)
    _check_vertices(geometries, file_name)
    _check_axes(geometries, srid, file_name)
    reprojected = [transform_geometry(geom, srid, WGS84) for geom in geometries]
    _validate(reprojected, srid)
    return ReadBoundary(reprojected, srid, file_format, crs_from, table)


def _decide_crs(
    file_name: str, file_format: FileFormat, file_srid: int | None, requested: int | None
) -> tuple[int, str]:
    if file_srid is not None and requested is not None and file_srid != requested:
        raise UnknownCRS(
            f"{file_name} declares EPSG:{file_srid} but the request says EPSG:{requested}; "
            "remove one of them"
        )
    if file_srid is not None:
        return file_srid, "file"
    if requested is not None:
        return requested, "parameter"
    if file_format is FileFormat.SHAPEFILE_ZIP:
        raise UnknownCRS(
            f"{file_name} has no .prj: add it to the .zip or pass crs= ({ZONE_HINT}, "
            "EPSG:4326 for WGS 84)"
        )
    if file_format is FileFormat.GEOJSON:
        return WGS84, "default (RFC 7946)"
    if file_format in TABLE_FORMATS or file_format in CAD_FORMATS:
        raise UnknownCRS(
            f"{file_name} does not say which VN-2000 TM-3 zone its metres are in: pass crs= "
            f"({ZONE_HINT}) or province=, or write the zone above the table (e.g. 'VN-2000, "
            "kinh tuyến trục 104°45′')"
        )
    raise UnknownCRS(f"{file_name} declares no CRS: pass crs=")


def _read_geojson(data: bytes, file_name: str) -> tuple[list[BaseGeometry], int | None]:
    deep = too_deep(data)
    if deep is not None:
        raise UnreadableFile(f"{file_name}: {deep}")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile(f"{file_name}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise UnreadableFile(f"{file_name}: a GeoJSON object was expected")
    features = _geojson_features(document, file_name)
    geometries: list[BaseGeometry] = []
    problems: list[Problem] = []
    found = 0
    for index, geometry in enumerate(features):
        try:
            geometries.append(_geometry(geometry))
        except (
            TypeError,
            ValueError,
            KeyError,
            AttributeError,
            RecursionError,
            shapely.errors.GEOSException,
        ) as exc:
            found += 1
            if len(problems) < MAX_PROBLEMS:  # counted, not kept: the error body stays small
                problems.append(
                    Problem(f"/features/{index}/geometry", f"unreadable geometry: {exc}")
                )
    if problems:
        raise InvalidGeometry(f"{file_name}: {found} unreadable geometries", problems, found)
    return geometries, _legacy_crs(document)


def _geometry(geometry: Any) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON geometry object.

    Polygons and multipolygons, what a proposal is, are built from numpy arrays: half the CPU
    of ``shapely.geometry.shape``, which converts and checks every coordinate in Python
    (bench/README.md). Anything else, and anything the fast path cannot read (ragged or
    non-numeric coordinates, rings too short), goes through ``shape``, whose errors say what
    is wrong; the geometry built is the same either way.
    """
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    try:
        if kind == "Polygon":
            return _polygon(geometry["coordinates"])
        if kind == "MultiPolygon":
            return shapely.multipolygons([_polygon(part) for part in geometry["coordinates"]])
    except (TypeError, ValueError, KeyError, IndexError, shapely.errors.GEOSException):
        pass
    return shape(geometry)


def _polygon(rings: Any) -> BaseGeometry:
    arrays = [np.asarray(ring, dtype=float) for ring in rings]
    if not arrays or any(a.ndim != 2 or a.shape[1] not in (2, 3) for a in arrays):
        raise ValueError("not a list of coordinate rings")
    shell, *holes = (shapely.linearrings(a) for a in arrays)
    return shapely.polygons(shell, holes=holes or None)


def _geojson_features(document: dict[str, Any], file_name: str) -> list[Any]:
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise UnreadableFile(f"{file_name}: 'features' is not a list")
        if not features:
            raise InvalidGeometry(
                f"{file_name}: the FeatureCollection has no features",
                [Problem("/features", "no features")],
            )
        return [
            feature.get("geometry") if isinstance(feature, dict) else None for feature in features
        ]
    if kind == "Feature":
        return [document.get("geometry")]
    if kind in {"Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point", "MultiPoint"}:
        return [document]
    raise UnreadableFile(f"{file_name}: GeoJSON type {kind!r} is not a geometry or feature")


def _legacy_crs(document: dict[str, Any]) -> int | None:
    """Return the EPSG code of a pre-RFC 7946 ``crs`` member, if the file has one."""
    member = document.get("crs")
    if not isinstance(member, dict):
        return None
    name = (member.get("properties") or {}).get("name")
    if not name:
        return None
    return epsg_code(str(name).replace("urn:ogc:def:crs:", "").replace("::", ":"))


def _read_with_gdal(
    data: bytes, file_name: str, file_format: FileFormat, zip_limits: ZipLimits
) -> tuple[list[BaseGeometry], int | None]:
    """Read the geometries through the importer's reader (``spatial.io.layers``)."""
    with tempfile.TemporaryDirectory(prefix="sitereg-upload-") as folder:
        path = _materialise(data, file_name, file_format, Path(folder), zip_limits)
        try:
            layer = open_layer(path)
        except (UnreadableFile, UnsupportedFormat) as exc:  # e.g. DGN v8: the importer's words
            detail = f"{file_name}: {exc}".replace(f"{path.name}: ", "").replace(
                str(path), file_name
            )
            raise type(exc)(detail) from None
        wkb = [item for batch in read_batches(layer) for item in batch.wkb]
    if not wkb:
        raise InvalidGeometry(
            f"{file_name}: the file has no features", [Problem("/features", "no features")]
        )
    geometries = list(shapely.from_wkb(wkb, on_invalid="ignore"))
    if file_format in CAD_FORMATS:
        geometries = _drawing_areas(geometries, file_name)
    return geometries, (match_crs(pyproj.CRS(layer.crs)) if layer.crs else None)


def _drawing_areas(geometries: list[BaseGeometry], file_name: str) -> list[BaseGeometry]:
    """Keep a drawing's polygons and closed polylines; refuse one that has neither."""
    areas = cad_areas(geometries)
    if not areas:
        raise InvalidGeometry(
            f"{file_name}: the drawing has {len(geometries)} element(s) but no closed polyline "
            "or polygon; draw the boundary as a closed polyline (or a DGN shape)",
            [Problem("/features", "no closed polyline or polygon")],
        )
    return areas


def _materialise(
    data: bytes, file_name: str, file_format: FileFormat, folder: Path, zip_limits: ZipLimits
) -> Path:
    if file_format is not FileFormat.SHAPEFILE_ZIP:
        path = folder / f"upload{file_format.suffix}"
        path.write_bytes(data)
        return path
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{file_name}: not a valid .zip ({exc})") from exc
    check_members(archive, file_name, zip_limits)  # from the listing, before any inflating
    members = [name for name in archive.namelist() if not name.endswith("/")]
    shapefiles = [name for name in members if name.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise UnreadableFile(
            f"{file_name}: the .zip must hold exactly one .shp (found {len(shapefiles)})"
        )
    stem = shapefiles[0][: -len(".shp")]
    budget = zip_limits.max_unzipped_bytes  # enforced again while inflating: a listing may lie
    for name in members:
        if name.startswith(stem) and "/" not in name[len(stem) :]:
            target = folder / ("upload" + name[len(stem) :].lower())
            content = read_member(archive, name, file_name, budget)
            budget -= len(content)
            target.write_bytes(content)
    if not (folder / "upload.dbf").exists() or not (folder / "upload.shx").exists():
        raise UnreadableFile(f"{file_name}: the .zip lacks the .shx or .dbf of {shapefiles[0]}")
    return folder / "upload.shp"


def _check_vertices(geometries: list[BaseGeometry], file_name: str) -> None:
    vertices = int(
        sum(shapely.get_num_coordinates(geom) for geom in geometries if geom is not None)
    )
    if vertices > MAX_VERTICES:
        raise TooLarge(f"{file_name}: {vertices} vertices is over the limit of {MAX_VERTICES}")


def _check_axes(geometries: list[BaseGeometry], srid: int, file_name: str) -> None:
    """Reject metres read as degrees, and VN-2000 tables with X (northing) and Y swapped."""
    bounds = [geom.bounds for geom in geometries if geom is not None and not geom.is_empty]
    if not bounds:
        return
    min_x = min(b[0] for b in bounds)
    max_x = max(b[2] for b in bounds)
    min_y = min(b[1] for b in bounds)
    max_y = max(b[3] for b in bounds)
    if srid == WGS84 and (max(abs(min_x), abs(max_x)) > 180 or max(abs(min_y), abs(max_y)) > 90):
        raise UnknownCRS(
            f"{file_name}: coordinates like ({min_x:.0f}, {min_y:.0f}) are metres, not degrees — "
            f"they look like VN-2000: pass crs= ({ZONE_HINT})",
            [Problem("/features/0/geometry/coordinates", f"x={min_x:.2f}, y={min_y:.2f}")],
        )
    if srid != WGS84 and min_x > 1_000_000 and max_y < 1_000_000:
        raise UnknownCRS(
            f"{file_name}: X ≈ {min_x:.0f} and Y ≈ {min_y:.0f} look swapped: Vietnamese tables "
            "print X = northing, Y = easting; GIS files need x = easting, y = northing",
            [Problem("/features/0/geometry/coordinates", "easting and northing swapped")],
        )


def _validate(geometries: list[BaseGeometry], srid: int) -> None:
    problems: list[Problem] = []
    found = 0
    for index, geom in enumerate(geometries):
        issues = check_geometry(geom, f"/features/{index}/geometry")
        found += len(issues)
        problems.extend(issues[: MAX_PROBLEMS - len(problems)])
    if problems:
        raise InvalidGeometry(
            f"{found} problem(s) in the proposal (read as EPSG:{srid}): " + problems[0].detail,
            problems,
            found,
        )
