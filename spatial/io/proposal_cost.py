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
    is within ``AREA_MEASURED_UP_TO`` times its limit (then ``area_ha`` of a refusal is NaN).

    Raises:
        ProposalTooCostly: the proposal is over one or more of ``limits``.
    """
    vertices, parts = count(geometries)
    measured = vertices <= AREA_MEASURED_UP_TO * limits.max_vertices
    cost = ProposalCost(vertices, parts, geodesic_area_ha(geometries) if measured else math.nan)
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
