import json

import pytest
import shapely
from shapely.geometry import shape

from spatial.errors import InvalidGeometry
from spatial.io.read import _geometry, read_boundary

SQUARE = [[103.0, 22.0], [103.01, 22.0], [103.01, 22.01], [103.0, 22.01], [103.0, 22.0]]
HOLE = [[103.002, 22.002], [103.004, 22.002], [103.004, 22.004], [103.002, 22.002]]
EAST = [[x + 0.1, y] for x, y in SQUARE]

GEOMETRIES = {
    "polygon": {"type": "Polygon", "coordinates": [SQUARE]},
    "polygon with a hole": {"type": "Polygon", "coordinates": [SQUARE, HOLE]},
    "ring left open": {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
    "3D": {"type": "Polygon", "coordinates": [[[x, y, 12.5] for x, y in SQUARE]]},
    "multipolygon": {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [EAST]]},
    "empty polygon": {"type": "Polygon", "coordinates": []},
    "empty multipolygon": {"type": "MultiPolygon", "coordinates": []},
    "line": {"type": "LineString", "coordinates": SQUARE},
    "integers": {"type": "Polygon", "coordinates": [[[103, 22], [104, 22], [104, 23], [103, 22]]]},
}

BROKEN = {
    "ring of two points": {"type": "Polygon", "coordinates": [SQUARE[:2]]},
    "text coordinate": {"type": "Polygon", "coordinates": [[[103, 22], ["x", 22], [104, 23]]]},
    "ragged coordinate": {"type": "Polygon", "coordinates": [[[103, 22], [104], [104, 23]]]},
    "no coordinates": {"type": "Polygon"},
    "empty part": {"type": "MultiPolygon", "coordinates": [[SQUARE], []]},
}


@pytest.mark.parametrize("name", GEOMETRIES)
def test_geojson_geometries_are_built_exactly_as_shapely_shape_builds_them(name):
    geometry = GEOMETRIES[name]
    built, expected = _geometry(geometry), shape(geometry)
    assert built.geom_type == expected.geom_type
    assert shapely.to_wkb(built) == shapely.to_wkb(expected)


@pytest.mark.parametrize("name", BROKEN)
def test_broken_geojson_geometries_fail_as_shapely_shape_fails(name):
    geometry = BROKEN[name]
    with pytest.raises(Exception) as expected:
        shape(geometry)
    with pytest.raises(type(expected.value), match=str(expected.value)[:40] or None):
        _geometry(geometry)


def test_a_broken_polygon_in_an_upload_is_named_by_its_feature():
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": GEOMETRIES["polygon"]},
            {"type": "Feature", "properties": {}, "geometry": BROKEN["ring of two points"]},
        ],
    }
    with pytest.raises(InvalidGeometry) as raised:
        read_boundary(json.dumps(document).encode(), "plan.geojson", max_bytes=1_000_000)
    assert [problem.pointer for problem in raised.value.errors] == ["/features/1/geometry"]
    assert "unreadable geometry" in raised.value.errors[0].detail
