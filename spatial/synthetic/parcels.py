"""Synthetic land-clearance parcels: seeded subdivisions of a site with invented statuses.

:func:`subdivide` splits a site into Voronoi cells of random points, each inset slightly so that
parcels lie strictly inside the site and never touch. Input and output are EPSG:4326 (lon/lat);
the work is done in metres in a local azimuthal-equidistant projection (AEQD) centred on the site.
:func:`assign_statuses` and :func:`status_history` invent statuses and dated histories. Nothing
here is official clearance data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from spatial.synthetic.geodesy import M2_PER_HA, aeqd_transformers, oriented, reproject

CLEARANCE_STATUSES: Final = ("not_started", "compensating", "cleared", "handed_over")
"""Clearance statuses in the order a parcel goes through them."""

PARCEL_GAP_M: Final = 0.5
"""Inward buffer of every parcel, in metres: parcels lie strictly inside the site."""

MIN_PIECE_AREA_M2: Final = 500.0
"""Pieces smaller than this (0.05 ha) after the inset are dropped as slivers."""

MIN_PARCELS: Final = 4
"""Smallest number of Voronoi seeds per site."""


def random_points_in(rng: np.random.Generator, polygon_m: BaseGeometry, count: int) -> np.ndarray:
    """Return ``count`` uniform random points (an (n, 2) array) inside a planar polygon."""
    west, south, east, north = polygon_m.bounds
    found: list[np.ndarray] = []
    total = 0
    while total < count:  # rejection sampling in the bounding box
        candidates = np.column_stack(
            (rng.uniform(west, east, 4 * count), rng.uniform(south, north, 4 * count))
        )
        inside = candidates[shapely.contains_xy(polygon_m, candidates[:, 0], candidates[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.vstack(found)[:count]


def _inset_piece(cell_m: BaseGeometry, site_m: BaseGeometry, gap_m: float) -> BaseGeometry | None:
    """Return a Voronoi cell clipped to the site and inset by ``gap_m`` metres, or None."""
    piece = cell_m.intersection(site_m).buffer(-gap_m, join_style="mitre")
    polygons = [p for p in getattr(piece, "geoms", [piece]) if isinstance(p, Polygon)]
    polygons = [p for p in polygons if p.area >= MIN_PIECE_AREA_M2]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def subdivide(
    rng: np.random.Generator, site: BaseGeometry, cell_ha: float, *, gap_m: float = PARCEL_GAP_M
) -> list[BaseGeometry]:
    """Split a lon/lat site into disjoint lon/lat parcels of about ``cell_ha`` ha inside it.

    Parcels are numbered north to south, then west to east; their exterior rings are
    counter-clockwise.
    """
    centre = site.centroid
    forward, inverse = aeqd_transformers(round(centre.x, 5), round(centre.y, 5))
    site_m = reproject(site, forward)
    count = max(MIN_PARCELS, round(site_m.area / (cell_ha * M2_PER_HA)))
    seeds = random_points_in(rng, site_m, count)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=site_m.envelope.buffer(100)
    )
    parcels: list[BaseGeometry] = []
    for cell in cells.geoms:
        piece = _inset_piece(cell, site_m, gap_m)
        if piece is not None:
            parcels.append(oriented(reproject(piece, inverse)))
    return sorted(parcels, key=lambda g: (-round(g.centroid.y, 6), round(g.centroid.x, 6)))


def assign_statuses(
    rng: np.random.Generator, areas_ha: Sequence[float], shares: tuple[float, float, float]
) -> list[str]:
    """Assign statuses in a seeded random order until each share of the total area is reached.

    ``shares`` are the (handed_over, cleared, compensating) fractions of the total area; the rest
    is ``not_started``.
    """
    total = sum(areas_ha)
    handed, cleared, compensating = shares
    limits = (
        ("handed_over", handed * total),
        ("cleared", (handed + cleared) * total),
        ("compensating", (handed + cleared + compensating) * total),
    )
    statuses = ["not_started"] * len(areas_ha)
    done = 0.0
    for index in rng.permutation(len(areas_ha)):
        for status, limit in limits:
            if done + areas_ha[index] / 2.0 <= limit:
                statuses[index] = status
                break
        done += areas_ha[index]
    return statuses


def status_history(
    rng: np.random.Generator, status: str, *, start: dt.date, end: dt.date
) -> list[dict[str, str]]:
    """Return a chronological status history ending with ``status``, dated within start … end."""
    steps = CLEARANCE_STATUSES.index(status)
    first_day = int(rng.integers(0, 60))
    gaps = [int(rng.integers(60, 300)), int(rng.integers(45, 240)), int(rng.integers(20, 150))][
        :steps
    ]
    span_days = (end - start).days - first_day
    scale = min(1.0, span_days / sum(gaps)) if gaps else 1.0
    offsets = [first_day]
    for gap in gaps:
        offsets.append(offsets[-1] + max(1, math.floor(gap * scale)))
    return [
        {"status": CLEARANCE_STATUSES[i], "date": (start + dt.timedelta(days=day)).isoformat()}
        for i, day in enumerate(offsets)
    ]
