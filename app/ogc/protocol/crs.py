"""CRS identifiers of OGC API – Features Part 2: URIs, axis order and output precision.

Storage is EPSG:4326 with lon/lat axes, which OGC names CRS84. Part 2 requires that a CRS is
used with the axis order of its definition, so ``EPSG:4326`` output is lat/lon and the VN-2000
TM-3 grids are easting/northing. The SRIDs come from :mod:`spatial.crs`; PostGIS transforms with
the pinned VN-2000 parameters of migration 0004.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import InvalidParameter
from spatial.crs import TM3_ZONES, WEB_MERCATOR, WGS84, epsg_code, is_crs84
from spatial.errors import UnknownCRS

EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{srid}"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class OgcCrs:
    """One CRS the API serves: its URI, SRID, axis order and coordinate precision."""

    uri: str
    srid: int
    lat_lon: bool
    precision: int
    label: str

    @property
    def is_crs84(self) -> bool:
        """Return True for lon/lat WGS 84, the GeoJSON (RFC 7946) CRS."""
        return self.uri == CRS84_URI

    @property
    def header(self) -> str:
        """Return the ``Content-Crs`` header value (the URI in angle brackets)."""
        return f"<{self.uri}>"


CRS84 = OgcCrs(CRS84_URI, WGS84, lat_lon=False, precision=7, label="WGS 84 lon/lat (CRS84)")
EPSG_4326 = OgcCrs(
    EPSG_URI.format(srid=WGS84), WGS84, lat_lon=True, precision=7, label="WGS 84 lat/lon"
)
EPSG_3857 = OgcCrs(
    EPSG_URI.format(srid=WEB_MERCATOR),
    WEB_MERCATOR,
    lat_lon=False,
    precision=3,
    label="WGS 84 / Pseudo-Mercator",
)
TM3 = tuple(
    OgcCrs(EPSG_URI.format(srid=zone.srid), zone.srid, lat_lon=False, precision=3, label=zone.label)
    for zone in TM3_ZONES.values()
)
SUPPORTED: tuple[OgcCrs, ...] = (CRS84, EPSG_4326, EPSG_3857, *TM3)
SERVED = {crs.srid: crs for crs in SUPPORTED if crs is not CRS84}
"""The CRS an EPSG code stands for: EPSG:4326 keeps its lat/lon axis order (Part 2)."""


def parse_ogc_crs(text: str | None, parameter: str) -> OgcCrs:
    """Return the CRS named by a query parameter; absent means CRS84.

    The name is read by :func:`spatial.crs.epsg_code` (``EPSG:9208``, ``[EPSG:9208]``, a URI);
    CRS84 is told apart from EPSG:4326 because their axis orders differ.

    Raises:
        InvalidParameter: when the CRS is not one the API serves (names the parameter).
    """
    if text is None or text == "":
        return CRS84
    value = text.strip().strip("[]")
    if is_crs84(value):
        return CRS84
    try:
        found = SERVED.get(epsg_code(value))
    except UnknownCRS:
        found = None
    if found is None:
        raise InvalidParameter(
            parameter,
            f"CRS '{text}' is not supported; use {CRS84_URI}, "
            f"{EPSG_URI.format(srid=WGS84)}, {EPSG_URI.format(srid=WEB_MERCATOR)} or a VN-2000 "
            f"TM-3 zone {EPSG_URI.format(srid=min(TM3_ZONES))}–{max(TM3_ZONES)} "
            "(Lai Châu 9205, Lào Cai 9208)",
        )
    return found


def crs_uris() -> list[str]:
    """Return the URIs of every CRS the API serves, CRS84 first."""
    return [crs.uri for crs in SUPPORTED]
