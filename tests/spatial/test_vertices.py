"""The VN-2000 vertex table: X northing, Y easting, point order, holes as their own rings."""

from shapely.geometry import Polygon, box

from spatial.crs import transform_geometry
from spatial.vertices import vertex_table


def test_vertex_table_writes_x_as_northing_and_y_as_easting():
    proposal = box(104.13, 22.29, 104.1517, 22.3105)
    rows = vertex_table(proposal, 9208)
    expected = list(transform_geometry(proposal, 4326, 9208).exterior.coords)[:-1]
    assert [(r.polygon, r.ring, r.point) for r in rows] == [(1, 0, n) for n in range(1, 5)]
    assert [(r.y_east_m, r.x_north_m) for r in rows] == [
        (round(e, 3), round(n, 3)) for e, n in expected
    ]
    assert all(2_000_000 < r.x_north_m < 2_700_000 and r.y_east_m < 1_000_000 for r in rows)


def test_vertex_table_numbers_a_hole_as_ring_one():
    outer = box(104.10, 22.28, 104.16, 22.32).exterior.coords
    hole = box(104.12, 22.29, 104.13, 22.30).exterior.coords
    rows = vertex_table(Polygon(outer, [hole]), 9208)
    assert [r.ring for r in rows] == [0] * 4 + [1] * 4
