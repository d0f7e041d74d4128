"""Decide the CRS of a layer file being imported, and say why.

VN-2000 is recognised from the file's CRS whatever its flavour: with or without TOWGS84, on a
provincial TM-3 meridian (3°) or a 6° zone, with or without an EPSG code. The project's own
VN-2000 definitions (the pinned EPSG:6960 datum shift, ``spatial.crs``) are then used, never
the file's datum parameters, so a .prj without TOWGS84 moves nothing by 200 m. Without a CRS in
the file, ``--crs`` names it: an EPSG code, or a province whose TM-3 zone it is. A file whose
coordinates are metres but whose CRS nobody states is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyproj

from spatial.crs import PROVINCE_ZONES, TM3_ZONES, UTM_ZONES, WGS84, ZONE_HINT, epsg_code, match_crs
from spatial.errors import UnknownCRS
from spatial.text import fold


@dataclass(frozen=True)
class CrsChoice:
    """The CRS the file's coordinates are in, and a sentence saying how it was decided."""

    srid: int
    reason: str


def decide_crs(
    file_crs: str | None, declared: str | None, bounds: tuple[float, float, float, float] | None
) -> CrsChoice:
    """Return the file's CRS from its own statement, ``declared`` (--crs), or its coordinates.

    ``bounds`` (min x, min y, max x, max y of some of its features) tells degrees from metres.

    Raises:
        UnknownCRS: a CRS sitereg does not support, a ``declared`` one that contradicts the
            file's, or metres with no CRS stated.
    """
    stated = _from_declared(declared) if declared else None
    if file_crs:
        srid = match_crs(pyproj.CRS.from_user_input(file_crs))
        if stated is not None and stated.srid != srid:
            raise UnknownCRS(
                f"--crs says EPSG:{stated.srid} but the file states EPSG:{srid} ({_label(srid)}); "
                "leave --crs out, or fix the file's CRS"
            )
        return CrsChoice(srid, f"the file states {_label(srid)} (EPSG:{srid}); {PINNED}")
    if stated is not None:
        return stated
    if bounds is not None and _degrees(bounds):
        return CrsChoice(WGS84, "the file states no CRS and its coordinates are degrees: WGS 84")
    raise UnknownCRS(
        "the file states no CRS (no .prj) and its coordinates are metres: say which VN-2000 zone "
        f"with --crs ({ZONE_HINT}, or the province's name, e.g. --crs 'Lào Cai')"
    )


PINNED = "VN-2000 is shifted to WGS 84 by EPSG:6960 whatever the file's TOWGS84 says"


def _from_declared(declared: str) -> CrsChoice:
    zone = PROVINCE_ZONES.get(_province(declared) or "")
    if zone is not None:
        return CrsChoice(
            zone, f"--crs names {declared}: its TM-3 zone {_label(zone)} (EPSG:{zone})"
        )
    text = declared.strip()
    code = text.upper().removeprefix("EPSG:")
    srid = int(code) if code.isdigit() and int(code) in UTM_ZONES else epsg_code(text)
    return CrsChoice(srid, f"--crs says EPSG:{srid} ({_label(srid)})")


def _province(text: str) -> str | None:
    wanted = fold(text).replace("-", " ").replace("_", " ").strip()
    for name in PROVINCE_ZONES:
        if fold(name) == wanted:
            return name
    return None


def _label(srid: int) -> str:
    zone = TM3_ZONES.get(srid) or UTM_ZONES.get(srid)
    if zone is not None:
        return zone.label
    return pyproj.CRS.from_epsg(srid).name


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    min_x, min_y, max_x, max_y = bounds
    return -180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90
