"""The synthetic demo forest layer: seeded, irregular, non-overlapping parcels (not real forest).

:func:`generate_forest` generates a seeded, **synthetic** forest-land layer (no public forest-land
polygons exist for Lào Cai or Lai Châu). Parcels are irregular, never overlap each other, cluster
around given hotspots (the demo sites) and are sparse elsewhere.

Blobs are drawn in metres in a local azimuthal-equidistant projection (AEQD) and transformed to
EPSG:4326 (lon/lat); parcels are returned in EPSG:4326. Areas are geodesic on WGS 84, in hectares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from spatial.synthetic.geodesy import M2_PER_HA, aeqd_transformers, geodesic_area_ha, reproject

ForestCategory = Literal["special_use", "protection", "production"]
ForestOrigin = Literal["natural", "planted"]

DEFAULT_FOREST_BBOX: Final = (102.2, 21.3, 104.9, 22.9)
"""Lon/lat box (west, south, east, north) for background parcels: Lào Cai and Lai Châu."""

HOTSPOT_RADIUS_M: Final = 3_000.0
"""Radius of the disc around a hotspot in which its parcel seeds are scattered."""

PARCEL_AREA_RANGE_HA: Final = (2.0, 60.0)
"""Target parcel areas are drawn log-uniformly from this range (clipping makes some smaller)."""

MIN_PARCEL_AREA_HA: Final = 1.0
"""Pieces smaller than this after clipping are dropped."""

MIN_PARCEL_VERTICES: Final = 8
"""Pieces with fewer distinct vertices than this (tiny clipped corners) are dropped."""

PARCEL_GAP_DEG: Final = 1e-6
"""Inward buffer (≈ 0.1 m) that keeps parcels disjoint after output rounding to 7 decimals."""

_CATEGORIES: Final[tuple[ForestCategory, ...]] = ("special_use", "protection", "production")
_CATEGORY_WEIGHTS: Final = (0.15, 0.30, 0.55)
_NATURAL_SHARE: Final[dict[ForestCategory, float]] = {
    "special_use": 0.9,
    "protection": 0.6,
    "production": 0.2,
}
_STAR_VERTICES: Final = 22


@dataclass(frozen=True, slots=True)
class ForestParcel:
    """One synthetic forest-land parcel.

    Attributes:
        code: Stable code, ``SYN-FOREST-000001`` …, in generation order.
        category: Forest-land category (special-use, protection or production forest).
        origin: Natural or planted forest.
        geometry: Valid Polygon or MultiPolygon in EPSG:4326 with counter-clockwise exterior rings.
    """

    code: str
    category: ForestCategory
    origin: ForestOrigin
    geometry: Polygon | MultiPolygon


def _star_polygon_m(
    rng: np.random.Generator, centre_xy: tuple[float, float], area_ha: float
) -> Polygon:
    """Return an irregular star-shaped blob of roughly ``area_ha`` around a point (metres)."""
    angles = np.sort(rng.uniform(0.0, 2.0 * math.pi, _STAR_VERTICES))
    mean_radius_m = math.sqrt(area_ha * M2_PER_HA / math.pi)
    # Smooth lobes (low harmonics) plus vertex noise make the outline look hand-drawn.
    phase1, phase2 = rng.uniform(0.0, 2.0 * math.pi, 2)
    lobes = 0.22 * np.sin(2 * angles + phase1) + 0.12 * np.sin(3 * angles + phase2)
    radii = mean_radius_m * np.clip(1.0 + lobes + rng.normal(0.0, 0.08, _STAR_VERTICES), 0.45, 1.8)
    xs = centre_xy[0] + radii * np.cos(angles)
    ys = centre_xy[1] + radii * np.sin(angles)
    return Polygon(np.column_stack((xs, ys)))


def _clean_polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """Keep only the polygonal part of ``geom`` (valid, CCW), or None if nothing is left."""
    if geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polygons: list[Polygon] = []
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(orient(part))
        elif isinstance(part, MultiPolygon):
            polygons.extend(orient(p) for p in part.geoms)
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _seed_points(
    rng: np.random.Generator,
    hotspots: Sequence[tuple[float, float]],
    parcels_per_hotspot: int,
    background_parcels: int,
    bbox: tuple[float, float, float, float],
) -> np.ndarray:
    """Return an (n, 2) array of lon/lat parcel seeds: dense discs at hotspots plus background."""
    chunks: list[np.ndarray] = []
    for lon, lat in hotspots:
        _forward, inverse = aeqd_transformers(lon, lat)
        # Uniform in the disc: r = R·sqrt(u).
        radius_m = HOTSPOT_RADIUS_M * np.sqrt(rng.uniform(0.0, 1.0, parcels_per_hotspot))
        theta = rng.uniform(0.0, 2.0 * math.pi, parcels_per_hotspot)
        xs, ys = inverse.transform(radius_m * np.cos(theta), radius_m * np.sin(theta))
        chunks.append(np.column_stack((xs, ys)))
    west, south, east, north = bbox
    chunks.append(
        np.column_stack(
            (
                rng.uniform(west, east, background_parcels),
                rng.uniform(south, north, background_parcels),
            )
        )
    )
    return np.vstack(chunks) if chunks else np.empty((0, 2))


def _parcel_in_cell(
    rng: np.random.Generator, seed_lonlat: tuple[float, float], cell: Polygon
) -> Polygon | MultiPolygon | None:
    """Intersect a random blob around the seed with its Voronoi cell, shrunk by a hair-line gap.

    The blob is drawn in local metres and transformed to lon/lat; the intersection with the cell
    is taken in lon/lat so that the parcel lies exactly inside the cell. The final inward buffer of
    :data:`PARCEL_GAP_DEG` keeps neighbouring parcels disjoint after coordinates are rounded to 7
    decimals on output.
    """
    lon, lat = seed_lonlat
    # A projection centred within ~10 km of the seed is plenty for drawing a blob of ≤ 1 km.
    forward, inverse = aeqd_transformers(round(lon, 1), round(lat, 1))
    low_ha, high_ha = PARCEL_AREA_RANGE_HA
    area_ha = float(math.exp(rng.uniform(math.log(low_ha), math.log(high_ha))))
    x, y = forward.transform(lon, lat)
    blob = reproject(_star_polygon_m(rng, (x, y), area_ha), inverse)
    piece = _clean_polygonal(cell.intersection(blob))
    if piece is None:
        return None
    return _clean_polygonal(piece.buffer(-PARCEL_GAP_DEG, join_style="mitre"))


def _distinct_vertices(geom: Polygon | MultiPolygon) -> int:
    """Return the number of distinct exterior vertices (closing points not counted)."""
    parts = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    return sum(len(part.exterior.coords) - 1 for part in parts)


def _pick_category(rng: np.random.Generator) -> tuple[ForestCategory, ForestOrigin]:
    """Draw a (category, origin) pair: production is commonest, special-use mostly natural."""
    category = _CATEGORIES[int(rng.choice(len(_CATEGORIES), p=_CATEGORY_WEIGHTS))]
    origin: ForestOrigin = "natural" if rng.uniform() < _NATURAL_SHARE[category] else "planted"
    return category, origin


def generate_forest(
    seed: int,
    *,
    hotspots: Sequence[tuple[float, float]],
    parcels_per_hotspot: int,
    background_parcels: int,
    bbox: tuple[float, float, float, float] = DEFAULT_FOREST_BBOX,
    mask: BaseGeometry | None = None,
) -> list[ForestParcel]:
    """Generate a deterministic synthetic forest-land layer (demo data, not real forest).

    Seeds are scattered uniformly in a disc of :data:`HOTSPOT_RADIUS_M` around every hotspot and
    uniformly over ``bbox`` for the background. One Voronoi diagram is built over all seeds; each
    parcel is the intersection of its seed's Voronoi cell with an irregular star-shaped blob of a
    log-uniform target area in :data:`PARCEL_AREA_RANGE_HA`. Because every parcel lies inside its
    own cell, **parcels never overlap**; because the blobs are smaller than most background cells,
    forest is dense near hotspots and patchy elsewhere. Pieces under :data:`MIN_PARCEL_AREA_HA` or
    with fewer than :data:`MIN_PARCEL_VERTICES` vertices are dropped, so parcels have roughly
    8–30 vertices.

    Args:
        seed: Seed of the random generator; the same seed and inputs give the same parcels.
        hotspots: (lon, lat) points around which parcels are dense (e.g. site centroids).
        parcels_per_hotspot: Number of parcel seeds scattered around each hotspot.
        background_parcels: Number of parcel seeds scattered uniformly over ``bbox``.
        bbox: (west, south, east, north) in degrees for the background seeds. Hotspot seeds are
            not limited to it.
        mask: Optional lon/lat polygonal area (e.g. the land of the provinces); parcels are
            clipped to it.

    Returns:
        Parcels in generation order, coded ``SYN-FOREST-000001`` onwards; every geometry is a valid
        Polygon or MultiPolygon with counter-clockwise exterior rings.
    """
    rng = np.random.default_rng(seed)
    seeds = _seed_points(rng, hotspots, parcels_per_hotspot, background_parcels, bbox)
    seeds = np.unique(np.round(seeds, 7), axis=0)  # exact duplicates break Voronoi cells
    order = np.lexsort((seeds[:, 1], seeds[:, 0]))
    seeds = seeds[order]
    west, south = (float(v) for v in seeds.min(axis=0))
    east, north = (float(v) for v in seeds.max(axis=0))
    frame = box(west - 0.5, south - 0.5, east + 0.5, north + 0.5)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame)
    cell_tree = shapely.STRtree(list(cells.geoms))
    parcels: list[ForestParcel] = []
    for lon, lat in seeds:
        point = Point(lon, lat)
        hits = cell_tree.query(point, predicate="intersects")
        if len(hits) == 0:
            continue
        cell = cell_tree.geometries[int(min(hits))]
        geometry = _parcel_in_cell(rng, (float(lon), float(lat)), cell)
        category, origin = _pick_category(rng)
        if geometry is not None and mask is not None:
            geometry = _clean_polygonal(geometry.intersection(mask))
        if geometry is None or geodesic_area_ha(geometry) < MIN_PARCEL_AREA_HA:
            continue
        if _distinct_vertices(geometry) < MIN_PARCEL_VERTICES:
            continue
        code = f"SYN-FOREST-{len(parcels) + 1:06d}"
        parcels.append(ForestParcel(code, category, origin, geometry))
    return parcels
