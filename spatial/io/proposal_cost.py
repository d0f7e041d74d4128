"""What a proposal check may cost: vertices, parts and area, refused before any database work.

A check's database time grows with the proposal's vertices (every edge is tested against the
parcels it crosses), its parts and its area (the parcels under it). The statement timeout of
the analysis class bounds one check, but a few costly checks at once would still take every
slot: a 2 000-vertex star took 8.6 s and four of them made a trivial check wait 15 s
(issue 18). These limits refuse such proposals up front, with the limit in the message, so the
caller knows what to split or simplify. The area is geodesic on WGS 84 (pyproj's ``Geod``,
Karney's algorithm), the same measure as the registry's hectares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from spatial.errors import SpatialError

WGS84 = Geod(ellps="WGS84")
M2_PER_HA = 10_000.0

BOX_BOUND_MAX_DEG: Final = 0.5
"""Boxes up to this many degrees wide and high bound their polygon's area (``box_bound_ha``)."""

BOX_MARGIN_DEG: Final = 0.005
"""How far a box is widened on every side for the bound: about 550 m.

A geodesic edge between two corners of a box leaves it on the pole's side by at most its
sagitta, about R·d²/8 for an edge of d radians: 120 m for the 0.71° diagonal of a 0.5° box."""


class ProposalTooCostly(SpatialError):
    """A proposal has more vertices, parts or area than one check may take."""


@dataclass(frozen=True)
class ProposalLimits:
    """The most one proposal check may hold."""

    max_vertices: int
    max_parts: int
    max_area_ha: float


@dataclass(frozen=True)
class ProposalCost:
    """How much a proposal holds: vertices, polygon parts and geodesic hectares."""

    vertices: int
    parts: int
    area_ha: float
    """NaN when ``check`` did not need it: within the limit by its boxes, or far over the
    vertex limit."""


def count(geometries: Sequence[BaseGeometry]) -> tuple[int, int]:
    """Return the vertices and polygon parts of polygons: vectorised, microseconds."""
    listed = list(geometries)
    vertices = int(shapely.get_num_coordinates(listed).sum())
    return vertices, int(shapely.get_num_geometries(listed).sum())


def geodesic_area_ha(geometries: Sequence[BaseGeometry]) -> float:
    """Return the geodesic area (ha, WGS 84) of EPSG:4326 polygons; linear in their vertices."""
    # pyproj sums signed ring areas: exteriors counter-clockwise and holes clockwise.
    oriented = (shapely.orient_polygons(g, exterior_cw=False) for g in geometries)
    return sum(abs(WGS84.geometry_area_perimeter(g)[0]) for g in oriented) / M2_PER_HA


def _zone_m2_per_rad(lat_deg: float) -> float:
    """Return the WGS 84 ellipsoid's area between the equator and ``lat_deg``, per radian."""
    sin = math.sin(math.radians(lat_deg))
    e = math.sqrt(WGS84.es)
    authalic = sin / (1.0 - WGS84.es * sin**2) + math.log((1.0 + e * sin) / (1.0 - e * sin)) / (
        2 * e
    )
    return WGS84.b**2 / 2.0 * authalic


def box_bound_ha(geometries: Sequence[BaseGeometry]) -> float:
    """Return at least the geodesic area (ha) of EPSG:4326 polygons, from their boxes alone.

    The sum of the ellipsoidal areas of their lon/lat boxes, each widened by
    ``BOX_MARGIN_DEG``; infinite when a box is over ``BOX_BOUND_MAX_DEG`` (then only measuring
    tells). Four numbers per polygon, whatever its vertices.
    """
    m2 = 0.0
    for geometry in geometries:
        west, south, east, north = geometry.bounds
        if max(east - west, north - south) > BOX_BOUND_MAX_DEG:
            return math.inf
        south, north = max(south - BOX_MARGIN_DEG, -90.0), min(north + BOX_MARGIN_DEG, 90.0)
        width_rad = math.radians(east - west + 2 * BOX_MARGIN_DEG)
        m2 += width_rad * (_zone_m2_per_rad(north) - _zone_m2_per_rad(south))
    return m2 / M2_PER_HA


def measure(geometries: Sequence[BaseGeometry]) -> ProposalCost:
    """Return the vertices, polygon parts and geodesic area (ha) of EPSG:4326 polygons."""
    vertices, parts = count(geometries)
    return ProposalCost(vertices, parts, geodesic_area_ha(geometries))


AREA_MEASURED_UP_TO: Final = 10
"""Over this many times the vertex limit, a proposal's area is not measured before refusing it.

Counting vertices costs microseconds whatever the size; the geodesic area is linear in them
(about 0.1 µs a vertex). A proposal far over the vertex limit is refused on its count alone,
so a 1 000 000-vertex upload costs no area work; one only a few times over still has its
area named, so the caller learns every limit to work on."""


def check(geometries: Sequence[BaseGeometry], limits: ProposalLimits) -> ProposalCost:
    """Return the proposal's cost, or refuse it naming every limit it is over.

    The vertices and parts are counted first; the area is measured only when the vertex count
    is within ``AREA_MEASURED_UP_TO`` times its limit, and the boxes do not already keep it
    within its limit (``box_bound_ha``, 30-50 µs: a 36-vertex proposal's area cost 0.4 ms, a
    3 000-vertex one's 5 ms); otherwise ``area_ha`` is NaN.

    Raises:
        ProposalTooCostly: the proposal is over one or more of ``limits``.
    """
    vertices, parts = count(geometries)
    measured = vertices <= AREA_MEASURED_UP_TO * limits.max_vertices
    needed = measured and box_bound_ha(geometries) > limits.max_area_ha
    cost = ProposalCost(vertices, parts, geodesic_area_ha(geometries) if needed else math.nan)
    over = []
    if cost.vertices > limits.max_vertices:
        over.append(f"{cost.vertices:,} vertices (limit {limits.max_vertices:,})")
    if cost.parts > limits.max_parts:
        over.append(f"{cost.parts:,} polygon parts (limit {limits.max_parts:,})")
    if cost.area_ha > limits.max_area_ha:
        over.append(f"{cost.area_ha:,.0f} ha (limit {limits.max_area_ha:,.0f} ha)")
    if over:
        raise ProposalTooCostly(
            "the proposal is over what one check may take: "
            + "; ".join(over)
            + ("" if measured else " (area not measured)")
            + ". Simplify the outline or check it in smaller pieces."
        )
    return cost
