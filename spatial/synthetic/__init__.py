"""Seeded generators of indicative and synthetic demo geometry (pure: no database, no I/O).

Used to build the demo data in ``data/geojson/`` (``scripts/build_demo_data.py``); every function
takes its parameters and, where random, a seeded ``numpy`` generator, and returns geometries or
rows. Geometries are EPSG:4326 (lon/lat); areas and lengths are geodesic on WGS 84.

* :mod:`.geodesy`: geodesic area/length, forward points, local metric projections, ring order;
* :mod:`.outlines`: regular outlines of a stated area at a point or next to a site;
* :mod:`.parcels`: synthetic clearance parcels subdividing a site, their statuses and histories;
* :mod:`.roads`: straight indicative roads of a stated length leaving a site;
* :mod:`.forest`: the synthetic forest-land layer.
"""

from spatial.synthetic.forest import (
    DEFAULT_FOREST_BBOX,
    ForestCategory,
    ForestOrigin,
    ForestParcel,
    generate_forest,
)
from spatial.synthetic.geodesy import (
    GEOD,
    aeqd_transformers,
    fwd_point,
    geodesic_area_ha,
    geodesic_length_km,
    oriented,
    reproject,
)
from spatial.synthetic.outlines import indicative_outline, place_adjacent
from spatial.synthetic.parcels import (
    CLEARANCE_STATUSES,
    assign_statuses,
    random_points_in,
    status_history,
    subdivide,
)
from spatial.synthetic.roads import exit_point, road_line

__all__ = [
    "CLEARANCE_STATUSES",
    "DEFAULT_FOREST_BBOX",
    "GEOD",
    "ForestCategory",
    "ForestOrigin",
    "ForestParcel",
    "aeqd_transformers",
    "assign_statuses",
    "exit_point",
    "fwd_point",
    "generate_forest",
    "geodesic_area_ha",
    "geodesic_length_km",
    "indicative_outline",
    "oriented",
    "place_adjacent",
    "random_points_in",
    "reproject",
    "road_line",
    "status_history",
    "subdivide",
]
