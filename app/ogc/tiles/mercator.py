"""Web Mercator tile arithmetic and the SQL pieces every tile statement shares.

The Web Mercator constants below serve the tile SQL (``features``, ``grid``); the published
TileMatrixSet document comes from morecantile (``routes``). The tile (``z``, ``x``, ``y``) and
every value derived from it are bound parameters.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from app.ogc.catalog import Collection
from spatial.crs import WGS84

MVT_EXTENT = 4096
MVT_BUFFER = 64
WEB_MERCATOR_WIDTH_M = 40075016.685578488
EARTH_RADIUS_M = 6378137.0
M_PER_DEG_X = WEB_MERCATOR_WIDTH_M / 360
# 2 of 4096 units is 1/8 of a screen pixel of a 256-pixel tile.
MAX_AFFINE_ERROR_UNITS = 2.0
# Rounding to the integer grid moves a vertex by at most √½ unit, so a vertex and an edge come
# at most √2 units closer: a valid polygon with this much clearance stays valid (migration 0011).
SNAP_SAFE_UNITS = 2.0
Z, X, Y = (sa.bindparam(name, type_=sa.Integer) for name in ("z", "x", "y"))


def bound(name: str) -> Any:
    """Return a float bind parameter (a value derived from the tile)."""
    return sa.bindparam(name, type_=sa.Float)


def tile_size_m(z: int) -> float:
    """Return the width of a tile of zoom ``z`` in Web Mercator metres."""
    return WEB_MERCATOR_WIDTH_M / (1 << z)


def tile_size_deg(z: int) -> float:
    """Return the width of a tile of zoom ``z`` in degrees of longitude."""
    return 360.0 / (1 << z)


def affine_y(z: int, y: int) -> tuple[float, float] | None:
    """Return the affine lat → Web Mercator y (m/°, offset m) of a tile row, or None.

    ``ST_Transform`` costs about 20 µs per parcel, most of a z10 tile's time. Within one tile,
    Web Mercator is an affine map of lon/lat up to the curvature of y(lat): the secant through
    the tile's top and bottom edges is exact on both edges (no seams between tiles) and off by
    at most ``R·sec φ·tan φ·h²/8`` inside. Where that exceeds ``MAX_AFFINE_ERROR_UNITS`` of the
    4096 tile units (below z10 at Vietnam's latitudes), the caller keeps ``ST_Transform``.
    """
    tile_m = tile_size_m(z)
    top_m = WEB_MERCATOR_WIDTH_M / 2 - y * tile_m
    top_deg, bottom_deg = _latitude_deg(top_m), _latitude_deg(top_m - tile_m)
    worst = math.radians(max(abs(top_deg), abs(bottom_deg)))
    height_rad = math.radians(top_deg - bottom_deg)
    error_m = EARTH_RADIUS_M * math.tan(worst) / math.cos(worst) * height_rad**2 / 8
    if error_m / tile_m * MVT_EXTENT > MAX_AFFINE_ERROR_UNITS:
        return None
    m_per_deg_y = tile_m / (top_deg - bottom_deg)
    return m_per_deg_y, top_m - m_per_deg_y * top_deg


def tile_units(z: int, x: int, y: int, m_per_deg_y: float, y_offset_m: float) -> dict[str, float]:
    """Return the affine lon/lat → tile units (0–4096, y down) of a tile, and the snap clearance.

    The affine composes the same secant lon/lat → Web Mercator map with the Mercator → tile-unit
    map that ``ST_AsMVTGeom`` applies. The clearance (degrees) is what a polygon needs to be
    snapped to those units without re-validation (``SNAP_SAFE_UNITS``): the map only scales each
    axis, so a distance of d degrees is at least d times the smaller scale in tile units.
    """
    tile_m = tile_size_m(z)
    per_m = MVT_EXTENT / tile_m
    west_m = -WEB_MERCATOR_WIDTH_M / 2 + x * tile_m
    top_m = WEB_MERCATOR_WIDTH_M / 2 - y * tile_m
    unit_x, unit_y = per_m * M_PER_DEG_X, -per_m * m_per_deg_y
    return {
        "unit_x": unit_x,
        "unit_x_offset": -per_m * west_m,
        "unit_y": unit_y,
        "unit_y_offset": per_m * (top_m - y_offset_m),
        "snap_clearance_deg": SNAP_SAFE_UNITS / min(unit_x, -unit_y),
    }


def _latitude_deg(y_m: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y_m / EARTH_RADIUS_M)) - math.pi / 2)


def buffered_tile() -> Any:
    """Return the tile with the MVT buffer, in lon/lat (computed once per query)."""
    return sa.func.ST_Transform(
        sa.func.ST_Expand(sa.func.ST_TileEnvelope(Z, X, Y), bound("margin_m")), WGS84
    )


def mvt(rows: Any, collection: Collection) -> Any:
    """Return the statement that encodes ``rows`` (id, properties, geom) as the tile's layer."""
    layer = sa.literal(collection.id, sa.Text)
    return sa.select(
        sa.func.ST_AsMVT(
            rows.table_valued(), layer, MVT_EXTENT, sa.literal("geom"), sa.literal("id")
        )
    ).select_from(rows)
