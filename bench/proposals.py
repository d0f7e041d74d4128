"""Seeded ~500 ha proposal polygons placed near the benchmark sites, as GeoJSON and EWKB."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import psycopg
import shapely
from bench_sites import star_outline
from shapely.geometry import Polygon, mapping

PROPOSAL_HA: Final = 500.0
MAX_OFFSET_M: Final = 1_500.0
"""Largest distance between a site's centre and the proposal's centre."""


@dataclass(frozen=True)
class Proposal:
    """One proposed boundary: the polygon (EPSG:4326), its GeoJSON body and its EWKB."""

    near_site: str
    polygon: Polygon
    body: bytes
    ewkb: bytes


def make_proposals(conn: psycopg.Connection, count: int, seed: int) -> list[Proposal]:
    """Return ``count`` proposals of ~500 ha, each centred near a seeded random site."""
    sites = conn.execute(
        "SELECT code, ST_X(c), ST_Y(c) FROM ("
        "SELECT code, ST_PointOnSurface(geom) AS c FROM sites ORDER BY code) AS s"
    ).fetchall()
    rng = np.random.default_rng(seed + 2)
    proposals: list[Proposal] = []
    for _ in range(count):
        code, lon, lat = sites[int(rng.integers(len(sites)))]
        distance_m, bearing = rng.uniform(0.0, MAX_OFFSET_M), rng.uniform(0.0, 2.0 * math.pi)
        lon += distance_m * math.cos(bearing) / (111_320.0 * math.cos(math.radians(lat)))
        lat += distance_m * math.sin(bearing) / 110_574.0
        polygon = star_outline(rng, lon, lat, PROPOSAL_HA)
        feature = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": f"near {code}"},
                    "geometry": mapping(polygon),
                }
            ],
        }
        ewkb = shapely.to_wkb(shapely.set_srid(polygon, 4326), include_srid=True)
        proposals.append(Proposal(code, polygon, json.dumps(feature).encode(), bytes(ewkb)))
    return proposals
