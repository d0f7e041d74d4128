from shapely.geometry import LineString, Polygon

from spatial.validate import check_geometry


def test_check_geometry_accepts_valid_polygon_in_vietnam():
    square = Polygon([(104.1, 22.3), (104.11, 22.3), (104.11, 22.31), (104.1, 22.31)])
    assert check_geometry(square, "/features/0") == []


def test_check_geometry_reports_self_intersection_with_location():
    bowtie = Polygon([(104.1, 22.3), (104.11, 22.31), (104.11, 22.3), (104.1, 22.31)])
    problems = check_geometry(bowtie, "/features/2")
    assert len(problems) == 1
    assert problems[0].pointer == "/features/2"
    assert "Self-intersection" in problems[0].detail


def test_check_geometry_rejects_outside_vietnam():
    paris = Polygon([(2.3, 48.8), (2.4, 48.8), (2.4, 48.9)])
    problems = check_geometry(paris, "/features/0")
    assert "outside Vietnam" in problems[0].detail


def test_check_geometry_flags_projected_metres_as_not_degrees():
    metres = Polygon([(436425, 2469254), (436525, 2469254), (436525, 2469354)])
    problems = check_geometry(metres, "/features/0")
    assert "VN-2000" in problems[0].detail


def test_check_geometry_rejects_lines_where_polygons_are_needed():
    line = LineString([(104.1, 22.3), (104.2, 22.4)])
    problems = check_geometry(line, "/features/1")
    assert "LineString" in problems[0].detail


def test_check_geometry_rejects_empty():
    assert "empty" in check_geometry(Polygon(), "/features/0")[0].detail
