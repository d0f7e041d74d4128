"""``area_ha`` against pyproj's geodesic areas: equal-area when small, geodesic otherwise."""

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from geodesic import geodesic_ha
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Engine

AREAS = sa.text(
    "SELECT area_ha(ST_GeomFromEWKB(g)), ST_Area(ST_GeomFromEWKB(g)::geography, true) / 1e4 "
    "FROM unnest(CAST(:geoms AS bytea[])) WITH ORDINALITY AS t (g, i) ORDER BY i"
)
SQUARE_METRE_HA = 1e-4


def _areas(
    engine: Engine, geoms: list[BaseGeometry], srid: int = 4326
) -> list[tuple[float, float]]:
    blobs = [bytes(shapely.to_wkb(shapely.set_srid(g, srid), include_srid=True)) for g in geoms]
    with engine.connect() as conn:
        return [(row[0], row[1]) for row in conn.execute(AREAS, {"geoms": blobs})]


def _random_polygons(count: int, diagonal_deg: float, seed: int) -> list[Polygon]:
    """Convex hulls of 3-6 random points in boxes of the given diagonal across Viet Nam.

    Slivers included: they are the worst case, where the straight projected edge and the
    geodesic differ most relative to the area between them.
    """
    rng = np.random.default_rng(seed)
    side = diagonal_deg / np.sqrt(2)
    polygons = []
    while len(polygons) < count:
        corner = rng.uniform((102.0, 8.5), (109.5 - side, 23.4 - side))
        points = corner + rng.uniform(0.0, side, size=(int(rng.integers(3, 7)), 2))
        hull = shapely.convex_hull(shapely.multipoints(points))
        if isinstance(hull, Polygon):
            polygons.append(hull)
    return polygons


def test_small_polygons_in_viet_nam_agree_with_geodesic_areas_to_a_square_metre(engine: Engine):
    polygons = _random_polygons(400, 0.01, seed=7) + _random_polygons(400, 0.003, seed=8)
    for polygon, (area, _) in zip(polygons, _areas(engine, polygons), strict=True):
        expected = geodesic_ha(polygon)
        assert abs(area - expected) <= SQUARE_METRE_HA, polygon.wkt
        assert abs(area - expected) <= 2e-4 * expected, polygon.wkt


@pytest.mark.parametrize(
    "polygon",
    [
        Polygon([(103.0, 22.0), (104.0, 22.0), (103.0, 22.8)]),  # long edges, 1°
        Polygon([(103.0, 22.0), (103.02, 22.0), (103.0, 22.0001)]),  # a 2 km sliver
        Polygon([(115.0, 40.0), (115.005, 40.0), (115.0, 40.005)]),  # small, outside Viet Nam
    ],
)
def test_other_polygons_keep_the_geodesic_formula(engine: Engine, polygon: Polygon):
    ((area, geodesic),) = _areas(engine, [polygon])
    assert area == pytest.approx(geodesic, rel=1e-12)
    assert area == pytest.approx(geodesic_ha(polygon), rel=1e-6)


def test_srid_zero_reads_as_wgs84_as_before(engine: Engine):
    # A 28 ha square, the size of a forest parcel: well within a millionth of the geodesic area.
    small = Polygon([(103.0, 22.0), (103.005, 22.0), (103.005, 22.005), (103.0, 22.005)])
    ((with_srid, _),) = _areas(engine, [small])
    ((without, _),) = _areas(engine, [small], srid=0)
    assert without == with_srid
    assert with_srid == pytest.approx(geodesic_ha(small), rel=1e-6)
