"""The vector file formats sitereg reads and writes, and how to recognise them."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

from spatial.errors import UnsupportedFormat
from spatial.io.layers import OLE_MAGIC  # DGN v8, and the old Excel .xls


class FileFormat(StrEnum):
    """A vector file format: suffix, media type and whether the file can state a CRS.

    Uploads are GeoJSON, zipped Shapefile, GeoPackage, KML, a VN-2000 coordinate table (CSV or
    XLSX) or a CAD drawing (DXF, DGN v7) (:func:`sniff_format`); collection downloads are the
    first four and CSV, alone or zipped with its .csvt (column types) and .prj (CRS) sidecars;
    a site's boundary also comes as a coordinate table and DXF. The value is the file name's
    ending (``shp.zip``).
    """

    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHAPEFILE_ZIP = "shp.zip"
    KML = "kml"
    CSV = "csv"
    CSV_ZIP = "csv.zip"
    XLSX = "xlsx"
    DXF = "dxf"
    DGN = "dgn"

    @property
    def suffix(self) -> str:
        """Return the file suffix GDAL expects, with its dot."""
        return ".zip" if self.value.endswith(".zip") else f".{self.value}"

    @property
    def media_type(self) -> str:
        """Return the IANA media type."""
        return MEDIA_TYPES[self]

    @property
    def carries_crs(self) -> bool:
        """Return True when the format records a CRS other than WGS 84 (GPKG, .prj, CSV name).

        GeoJSON (RFC 7946) and KML are WGS 84 longitude/latitude by definition; a coordinate
        table or a CAD drawing holds projected metres but has no place to say which CRS.
        """
        return self in CRS_FORMATS


MEDIA_TYPES = {
    FileFormat.GEOJSON: "application/geo+json",
    FileFormat.GPKG: "application/geopackage+sqlite3",
    FileFormat.SHAPEFILE_ZIP: "application/zip",
    FileFormat.KML: "application/vnd.google-earth.kml+xml",
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.CSV_ZIP: "application/zip",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.DXF: "image/vnd.dxf",
    FileFormat.DGN: "application/octet-stream",
}
CRS_FORMATS = frozenset(
    {FileFormat.GPKG, FileFormat.SHAPEFILE_ZIP, FileFormat.CSV, FileFormat.CSV_ZIP}
)
COLLECTION_FORMATS = (
    FileFormat.GEOJSON,
    FileFormat.GPKG,
    FileFormat.SHAPEFILE_ZIP,
    FileFormat.KML,
    FileFormat.CSV,
    FileFormat.CSV_ZIP,
)
"""The formats a collection downloads in."""
TABLE_FORMATS = frozenset({FileFormat.CSV, FileFormat.XLSX})
"""Uploads read as VN-2000 coordinate tables (points with X northing, Y easting)."""
CAD_FORMATS = frozenset({FileFormat.DXF, FileFormat.DGN})
"""Uploads read as drawings: closed polylines and shapes become areas."""


def sniff_format(file_name: str, data: bytes) -> FileFormat:
    """Recognise a format by its first bytes, falling back on the file name.

    Raises:
        UnsupportedFormat: for anything but GeoJSON, zipped Shapefile, GeoPackage, KML, a
            CSV or XLSX coordinate table, DXF and DGN.
    """
    head = data[:512].lstrip()
    lowered = file_name.lower()
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.XLSX if _is_workbook(data, lowered) else FileFormat.SHAPEFILE_ZIP
    if head.startswith(b"SQLite format 3\x00"):
        return FileFormat.GPKG
    if head.startswith((b"{", b"\xef\xbb\xbf{")):
        return FileFormat.GEOJSON
    if head.startswith(b"<") and (b"<kml" in data[:4096] or lowered.endswith(".kml")):
        return FileFormat.KML
    drawing = _drawing(data, lowered)
    if drawing is not None:
        return drawing
    if lowered.endswith(".csv"):
        return FileFormat.CSV
    raise _refusal(file_name, lowered, data)


def _is_workbook(data: bytes, lowered: str) -> bool:
    if lowered.endswith(".xlsx"):
        return True
    try:
        return "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _drawing(data: bytes, lowered: str) -> FileFormat | None:
    """Recognise DXF (text or by name) and DGN (v7's first element, v8's OLE, or by name)."""
    if lowered.endswith(".dxf") or data[:64].split()[:2] == [b"0", b"SECTION"]:
        return FileFormat.DXF
    v7 = len(data) > 4 and data[0] in (0x08, 0xC8) and data[1:4] == b"\x09\xfe\x02"
    if v7 or lowered.endswith(".dgn"):
        return FileFormat.DGN  # a v8 file is refused by the reader (spatial.io.layers)
    return None


def _refusal(file_name: str, lowered: str, data: bytes) -> UnsupportedFormat:
    if lowered.endswith(".kmz"):
        return UnsupportedFormat(f"{file_name}: KMZ is not supported; unzip it and send the .kml")
    if lowered.endswith(".xls") or data.startswith(OLE_MAGIC):
        return UnsupportedFormat(
            f"{file_name}: an old Excel .xls workbook (or another Office file); save the "
            "coordinate table as .xlsx or CSV"
        )
    return UnsupportedFormat(
        f"{file_name}: unsupported format; send GeoJSON, a zipped Shapefile (.zip with .shp, "
        ".shx, .dbf, .prj), a GeoPackage (.gpkg), KML, a VN-2000 coordinate table (.csv, "
        ".xlsx) or a drawing (.dxf, DGN v7)"
    )
