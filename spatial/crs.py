"""CRS constants, the VN-2000 TM-3 zone table and the pinned VN-2000 ↔ WGS 84 transformation.

Legal sources: VN-2000 is defined by QĐ 83/2000/QĐ-TTg (12/07/2000); the provincial central
meridians of the TM-3 grids (k = 0.9999, false easting 500 000 m) come from Thông tư
973/2001/TT-TCĐC, appendix: Lai Châu 103°00′ (EPSG:9205), Lào Cai and former Yên Bái 104°45′
(EPSG:9208). See ``shared/data/sites-locations.md``.

The datum step is pinned to **EPSG:6960** "VN-2000 to WGS 84 (2)" (Coordinate Frame rotation,
accuracy 1 m) instead of leaving the choice to PROJ. PROJ's ``+towgs84`` uses the Position
Vector convention, so the three rotations are written with flipped signs there; a control-point
test guards the result (a point moves about 220 m between the datums in this region).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from pyproj import Transformer
from pyproj.enums import TransformDirection
from shapely.geometry.base import BaseGeometry

from spatial.errors import UnknownCRS
from spatial.text import fold

WGS84 = 4326
WEB_MERCATOR = 3857
VN2000_GEOGRAPHIC = 4756

# EPSG:6960 parameters, Coordinate Frame convention (EPSG method 9607).
EPSG_6960 = {
    "x": -191.90441429,
    "y": -39.30318279,
    "z": -111.45032835,
    "rx": -0.00928836,
    "ry": 0.01975479,
    "rz": -0.00427372,
    "s": 0.252906278,
}
# The same transformation as a PROJ +towgs84 (Position Vector: rotations negated).
TOWGS84_6960 = (
    f"{EPSG_6960['x']},{EPSG_6960['y']},{EPSG_6960['z']},"
    f"{-EPSG_6960['rx']},{-EPSG_6960['ry']},{-EPSG_6960['rz']},{EPSG_6960['s']}"
)


@dataclass(frozen=True)
class TM3Zone:
    """A VN-2000 TM-3 grid: EPSG code and central meridian in degrees."""

    srid: int
    central_meridian_deg: float
    label: str
    scale: float = 0.9999

    def proj4(self) -> str:
        """Return the PROJ string of this zone with the pinned datum shift."""
        return (
            f"+proj=tmerc +lat_0=0 +lon_0={self.central_meridian_deg} +k={self.scale} "
            f"+x_0=500000 +y_0=0 +ellps=WGS84 +towgs84={TOWGS84_6960} +units=m +no_defs"
        )


TM3_ZONES: dict[int, TM3Zone] = {
    zone.srid: zone
    for zone in (
        TM3Zone(9205, 103.0, "VN-2000 / TM-3 103-00"),
        TM3Zone(9206, 104.0, "VN-2000 / TM-3 104-00"),
        TM3Zone(9207, 104.5, "VN-2000 / TM-3 104-30"),
        TM3Zone(9208, 104.75, "VN-2000 / TM-3 104-45"),
        TM3Zone(9209, 105.5, "VN-2000 / TM-3 105-30"),
        TM3Zone(9210, 105.75, "VN-2000 / TM-3 105-45"),
        TM3Zone(9211, 106.0, "VN-2000 / TM-3 106-00"),
        TM3Zone(9212, 106.25, "VN-2000 / TM-3 106-15"),
        TM3Zone(9213, 106.5, "VN-2000 / TM-3 106-30"),
        TM3Zone(9214, 107.0, "VN-2000 / TM-3 107-00"),
        TM3Zone(9215, 107.25, "VN-2000 / TM-3 107-15"),
        TM3Zone(9216, 107.5, "VN-2000 / TM-3 107-30"),
        TM3Zone(9217, 108.25, "VN-2000 / TM-3 108-15"),
        TM3Zone(9218, 108.5, "VN-2000 / TM-3 108-30"),
    )
}

UTM_ZONES: dict[int, TM3Zone] = {
    3405: TM3Zone(3405, 105.0, "VN-2000 / UTM zone 48N", 0.9996),
    3406: TM3Zone(3406, 111.0, "VN-2000 / UTM zone 49N", 0.9996),
}
"""VN-2000 on 6° zones (k = 0.9996): older national sheets. Imports read them; the API does not
offer them as output CRSs."""

# Province (2025 name, and the former Yên Bái) → its TM-3 zone.
PROVINCE_ZONES: dict[str, int] = {
    "Lai Châu": 9205,
    "Điện Biên": 9205,
    "Sơn La": 9206,
    "Lào Cai": 9208,
    "Yên Bái": 9208,
    "Phú Thọ": 9208,
}


def province_zone(province: str) -> int:
    """Return the TM-3 zone (EPSG code) of a province named with or without diacritics.

    Raises:
        UnknownCRS: for a province the zone table does not hold.
    """
    zones = {fold(name): srid for name, srid in PROVINCE_ZONES.items()}
    srid = zones.get(fold(province))
    if srid is None:
        known = ", ".join(sorted(PROVINCE_ZONES))
        raise UnknownCRS(f"no VN-2000 TM-3 zone is recorded for province '{province}' ({known})")
    return srid


ZONE_HINT = "EPSG:9208 for Lào Cai, EPSG:9205 for Lai Châu"
"""The two zones to name when a user must say which VN-2000 TM-3 zone a file is in."""

SUPPORTED_CRS = (WGS84, WEB_MERCATOR, VN2000_GEOGRAPHIC, *TM3_ZONES)


def is_crs84(text: str) -> bool:
    """Return True when ``text`` names OGC CRS84 (WGS 84 with lon/lat axes), in any spelling."""
    upper = text.strip().upper()
    return upper in {"CRS84", "OGC:CRS84"} or upper.endswith("/OGC/1.3/CRS84")


def epsg_code(value: str | int) -> int:
    """Return the EPSG code of a CRS given as 4326, "EPSG:9208", an EPSG/OGC URI or "CRS84".

    This is the one rule that reads a CRS name; the OGC layer adds axis order on top of it.

    Raises:
        UnknownCRS: when the value is not one of the supported CRSs.
    """
    text = str(value).strip()
    if is_crs84(text):
        return WGS84
    code = text.upper().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if code.isdigit() and int(code) in SUPPORTED_CRS:
        return int(code)
    raise UnknownCRS(
        f"CRS '{text}' is not supported; use EPSG:4326, EPSG:3857, EPSG:4756 or a VN-2000 TM-3 "
        f"zone EPSG:{min(TM3_ZONES)}–{max(TM3_ZONES)} (Lai Châu 9205, Lào Cai 9208)"
    )


def _pipeline_from_tm3(zone: TM3Zone) -> str:
    params = " ".join(f"+{key}={value}" for key, value in EPSG_6960.items())
    return (
        "+proj=pipeline "
        f"+step +inv +proj=tmerc +lat_0=0 +lon_0={zone.central_meridian_deg} +k={zone.scale} "
        "+x_0=500000 +y_0=0 +ellps=WGS84 "
        "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
        f"+step +proj=helmert {params} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


def _pipeline_from_vn2000_geographic() -> str:
    params = " ".join(f"+{key}={value}" for key, value in EPSG_6960.items())
    return (
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
        f"+step +proj=helmert {params} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


@lru_cache(maxsize=64)
def to_wgs84(srid: int) -> Transformer:
    """Return the cached transformer from ``srid`` to EPSG:4326 lon/lat.

    Input x/y are easting/northing or lon/lat; the VN-2000 datum step is pinned to EPSG:6960.
    """
    zone = TM3_ZONES.get(srid) or UTM_ZONES.get(srid)
    if zone is not None:
        return Transformer.from_pipeline(_pipeline_from_tm3(zone))
    if srid == VN2000_GEOGRAPHIC:
        return Transformer.from_pipeline(_pipeline_from_vn2000_geographic())
    return Transformer.from_crs(pyproj.CRS.from_epsg(srid), WGS84, always_xy=True)


def _vn2000_pinned(srid: int) -> bool:
    return srid in TM3_ZONES or srid in UTM_ZONES or srid == VN2000_GEOGRAPHIC


def transform_geometry(geom: BaseGeometry, from_srid: int, to_srid: int) -> BaseGeometry:
    """Reproject a shapely geometry between EPSG:4326 and a supported CRS (x/y = lon/lat or E/N).

    VN-2000 CRSs go through the pinned EPSG:6960 pipeline in either direction.
    """
    if from_srid == to_srid:
        return geom
    if to_srid == WGS84:
        transformer, direction = to_wgs84(from_srid), TransformDirection.FORWARD
    elif from_srid == WGS84 and _vn2000_pinned(to_srid):
        transformer, direction = to_wgs84(to_srid), TransformDirection.INVERSE
    elif from_srid == WGS84:
        transformer = Transformer.from_crs(WGS84, to_srid, always_xy=True)
        direction = TransformDirection.FORWARD
    else:
        return transform_geometry(transform_geometry(geom, from_srid, WGS84), WGS84, to_srid)

    def apply(coords: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(coords[:, 0], coords[:, 1], direction=direction)
        return np.column_stack([xs, ys])

    return shapely.transform(geom, apply)


def match_crs(crs: pyproj.CRS) -> int:
    """Return the supported EPSG code a file's CRS stands for.

    Vietnamese software often writes VN-2000 TM-3 grids without an EPSG code; they are matched
    by their projection parameters (Transverse Mercator, k = 0.9999, false easting 500 000 m).

    Raises:
        UnknownCRS: when the CRS is none of those sitereg supports.
    """
    code = crs.to_epsg(min_confidence=70)
    if code in SUPPORTED_CRS or code in UTM_ZONES:
        return int(code)
    params = crs.to_dict()
    if params.get("proj") in ("tmerc", "utm"):
        scale = float(params.get("k", params.get("k_0", 0.9996 if "zone" in params else 0)))
        meridian = float(params.get("lon_0", -999))
        if "zone" in params:
            meridian = int(params["zone"]) * 6 - 183
        # TM-3 (k = 0.9999 on a provincial meridian) is VN-2000 whatever datum the .prj names;
        # a 6° UTM zone is VN-2000 only when the .prj does not say WGS 84.
        zones = [*TM3_ZONES.values()] + ([] if _says_wgs84(crs) else [*UTM_ZONES.values()])
        for zone in zones:
            if abs(scale - zone.scale) < 1e-9 and abs(meridian - zone.central_meridian_deg) < 1e-6:
                return zone.srid
    if crs.is_geographic and _says_wgs84(crs):
        return WGS84
    raise UnknownCRS(
        f"the file's CRS ({crs.name}) is not supported; use WGS 84 or a VN-2000 TM-3 zone "
        "(EPSG:9205 Lai Châu, EPSG:9208 Lào Cai)"
    )


def _says_wgs84(crs: pyproj.CRS) -> bool:
    datum = (crs.datum.name if crs.datum is not None else "").upper()
    return "WGS" in datum and "2000" not in datum
