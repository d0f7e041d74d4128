"""The file formats sitereg reads, and how to recognise them."""

from __future__ import annotations

from enum import StrEnum

from spatial.errors import UnsupportedFormat


class FileFormat(StrEnum):
    """A vector file format, with the file suffix GDAL expects."""

    GEOJSON = "geojson"
    SHAPEFILE_ZIP = "shp.zip"
    GPKG = "gpkg"
    KML = "kml"

    @property
    def suffix(self) -> str:
        """Return the file suffix, with its dot."""
        return ".zip" if self is FileFormat.SHAPEFILE_ZIP else f".{self.value}"


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
