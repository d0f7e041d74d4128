"""Sites and reference features within a distance of a site or a point."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection
from sqlalchemy import types as sqltypes

from spatial.analysis._sql import GEOMETRY_4326, geometry_bind, recorded_params, statement

_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class NearbyFeature:
    """A feature near the origin, with its geodesic distance in metres (0 = overlapping)."""

    layer: str
    code: str
    name: str
    kind: str | None
    distance_m: float


def margin_deg(geom: BaseGeometry, distance_m: float) -> float:
    """Return a bbox margin in degrees that surely covers ``distance_m`` around ``geom``."""
    max_lat = max(abs(geom.bounds[1]), abs(geom.bounds[3]))
    shrink = max(math.cos(math.radians(min(max_lat + 1.0, 89.0))), 0.01)
    return 1.1 * distance_m / (_METRES_PER_DEGREE * shrink)


def run(
    conn: Connection,
    *,
    geom: BaseGeometry,
    distance_m: float,
    exclude_code: str | None = None,
    recorded_at: datetime | None = None,
) -> list[NearbyFeature]:
    """Return features within ``distance_m`` metres of ``geom`` (EPSG:4326), nearest first.

    With ``recorded_at``: the registry as it was recorded then.
    """
    query = statement(
        "nearby",
        recorded=recorded_at is not None,
        geom=GEOMETRY_4326,
        distance_m=sqltypes.Float,
        margin_deg=sqltypes.Float,
        exclude_code=sqltypes.Text,
    )
    params = {
        "geom": geometry_bind(geom),
        "distance_m": distance_m,
        "margin_deg": margin_deg(geom, distance_m),
        "exclude_code": exclude_code,
    }
    return [
        NearbyFeature(*row) for row in conn.execute(query, recorded_params(params, recorded_at))
    ]
