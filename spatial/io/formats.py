"""The vector file formats sitereg reads and writes, and how to recognise them."""

from __future__ import annotations

from enum import StrEnum

from spatial.errors import UnsupportedFormat


class FileFormat(StrEnum):
    """A vector file format: suffix, media type and whether the file can state a CRS.

    Uploads are GeoJSON, zipped Shapefile, GeoPackage or KML (:func:`sniff_format`); downloads
    add CSV, alone or zipped with its .csvt (column types) and .prj (CRS) sidecars. The value is
    the file name's ending (``shp.zip``).
    """

    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHAPEFILE_ZIP = "shp.zip"
    KML = "kml"
    CSV = "csv"
    CSV_ZIP = "csv.zip"

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

        GeoJSON (RFC 7946) and KML are WGS 84 longitude/latitude by definition.
        """
        return self not in (FileFormat.GEOJSON, FileFormat.KML)


MEDIA_TYPES = {
    FileFormat.GEOJSON: "application/geo+json",
    FileFormat.GPKG: "application/geopackage+sqlite3",
    FileFormat.SHAPEFILE_ZIP: "application/zip",
    FileFormat.KML: "application/vnd.google-earth.kml+xml",
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.CSV_ZIP: "application/zip",
}


def sniff_format(file_name: str, data: bytes) -> FileFormat:
    """Recognise a format by its first bytes, falling back on the file name.

    Raises:
        UnsupportedFormat: for anything but GeoJSON, zipped Shapefile, GeoPackage and KML.
    """
    head = data[:512].lstrip()
    lowered = file_name.lower()
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.SHAPEFILE_ZIP
    if head.startswith(b"SQLite format 3\x00"):
        return FileFormat.GPKG
    if head.startswith((b"{", b"\xef\xbb\xbf{")):
        return FileFormat.GEOJSON
    if head.startswith(b"<") and (b"<kml" in data[:4096] or lowered.endswith(".kml")):
        return FileFormat.KML
    if lowered.endswith(".kmz"):
        raise UnsupportedFormat(f"{file_name}: KMZ is not supported; unzip it and send the .kml")
    raise UnsupportedFormat(
        f"{file_name}: unsupported format; send GeoJSON, a zipped Shapefile (.zip with .shp, "
        ".shx, .dbf, .prj), a GeoPackage (.gpkg) or KML"
    )
