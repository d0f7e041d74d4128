"""Indicative outlines and the synthetic demo forest layer (pure functions, no database).

Two things live here, both used only to build the demo data in ``data/geojson/``:

* :func:`indicative_outline` draws a regular polygon of a stated *geodesic* area at a point. It is
  how a site with a known size but no published boundary is shown: an indicative shape, never a
  survey.
* :func:`generate_forest` generates a seeded, **synthetic** forest-land layer (no public forest-land
  polygons exist for Lào Cai or Lai Châu). Parcels are irregular, never overlap each other, cluster
  around given hotspots (the demo sites) and are sparse elsewhere.

Geometry is built in metres in a local azimuthal-equidistant projection (AEQD) centred on the area
being drawn and transformed to EPSG:4326 (lon/lat). Areas are geodesic on the WGS 84 ellipsoid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

ForestCategory = Literal["special_use", "protection", "production"]
ForestOrigin = Literal["natural", "planted"]

GEOD: Final = Geod(ellps="WGS84")
"""The WGS 84 ellipsoid used for every area and length here."""

AREA_TOLERANCE_REL: Final = 1e-6
"""Relative tolerance :func:`indicative_outline` iterates to (the contract is 1e-4, i.e. 0.01 %)."""

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
_M2_PER_HA: Final = 10_000.0


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


@lru_cache(maxsize=4096)
def aeqd_transformers(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """Return (lon/lat → local AEQD metres, AEQD metres → lon/lat) centred on the point."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inverse = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return forward, inverse


def reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """Return ``geom`` with every coordinate passed through ``transformer`` (2D)."""

    def _apply(xy: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((xs, ys))

    return shapely.transform(geom, _apply)


def geodesic_area_ha(geom: BaseGeometry) -> float:
    """Return the geodesic area of a lon/lat (Multi)Polygon on WGS 84, in hectares (unsigned)."""
    area_m2, _perimeter_m = GEOD.geometry_area_perimeter(geom)
    return abs(area_m2) / _M2_PER_HA


def _regular_polygon_m(radius_m: float, vertices: int) -> Polygon:
    """Return a regular polygon centred on (0, 0) in metres, first vertex due east, CCW."""
    angles = np.arange(vertices) * (2.0 * math.pi / vertices)
    return Polygon(np.column_stack((radius_m * np.cos(angles), radius_m * np.sin(angles))))


def indicative_outline(lon: float, lat: float, area_ha: float, *, vertices: int = 24) -> Polygon:
    """Return a regular polygon centred on (lon, lat) whose geodesic area is ``area_ha``.

    The polygon is built in a local azimuthal-equidistant projection centred on the point (so the
    vertices are equidistant from it on the ellipsoid), transformed to lon/lat, and its radius is
    rescaled until the geodesic area (``pyproj.Geod(ellps="WGS84").geometry_area_perimeter``)
    matches within 1e-6 (the contract is 0.01 %).

    Args:
        lon: Longitude of the centre, degrees (EPSG:4326).
        lat: Latitude of the centre, degrees (EPSG:4326).
        area_ha: Target geodesic area in hectares (> 0).
        vertices: Number of vertices of the regular polygon (≥ 3).

    Returns:
        A valid lon/lat Polygon with a counter-clockwise exterior ring.

    Raises:
        ValueError: If ``area_ha`` is not positive or ``vertices`` is below 3.
    """
    if area_ha <= 0 or not math.isfinite(area_ha):
        raise ValueError(f"area_ha must be a positive number, got {area_ha!r}")
    if vertices < 3:
        raise ValueError(f"vertices must be at least 3, got {vertices}")
    _forward, inverse = aeqd_transformers(lon, lat)
    target_m2 = area_ha * _M2_PER_HA
    # Planar area of a regular n-gon of circumradius r is n/2 · r² · sin(2π/n).
    radius_m = math.sqrt(2.0 * target_m2 / (vertices * math.sin(2.0 * math.pi / vertices)))
    outline = Polygon()
    for _ in range(20):
        outline = orient(reproject(_regular_polygon_m(radius_m, vertices), inverse))
        actual_ha = geodesic_area_ha(outline)
        if abs(actual_ha - area_ha) <= AREA_TOLERANCE_REL * area_ha:
            return outline
        radius_m *= math.sqrt(area_ha / actual_ha)
    raise ArithmeticError(f"indicative_outline did not converge for {area_ha} ha at {lon},{lat}")


def _star_polygon_m(
    rng: np.random.Generator, centre_xy: tuple[float, float], area_ha: float
) -> Polygon:
    """Return an irregular star-shaped blob of roughly ``area_ha`` around a point (metres)."""
    angles = np.sort(rng.uniform(0.0, 2.0 * math.pi, _STAR_VERTICES))
    mean_radius_m = math.sqrt(area_ha * _M2_PER_HA / math.pi)
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
