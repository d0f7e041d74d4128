import datetime as dt
import itertools

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.ops import unary_union

from spatial.synthetic import (
    CLEARANCE_STATUSES,
    assign_statuses,
    exit_point,
    fwd_point,
    generate_forest,
    geodesic_area_ha,
    geodesic_length_km,
    indicative_outline,
    oriented,
    place_adjacent,
    road_line,
    status_history,
    subdivide,
)
from spatial.synthetic.forest import HOTSPOT_RADIUS_M, MIN_PARCEL_AREA_HA, PARCEL_AREA_RANGE_HA
from spatial.synthetic.outlines import ADJACENT_BEARINGS_DEG, ADJACENT_MAX_OFFSET_M

# KCN Tằng Loỏng's neighbourhood, Lào Cai (EPSG:4326).
LON, LAT = 104.135, 22.320
START, END = dt.date(2025, 1, 1), dt.date(2026, 11, 1)


def _parts(geom: Polygon | MultiPolygon) -> list[Polygon]:
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]


def _site() -> Polygon:
    """An irregular 120 ha lon/lat site: a regular outline with one corner cut off."""
    outline = indicative_outline(LON, LAT, 120.0)
    return oriented(outline.difference(box(LON + 0.002, LAT + 0.002, LON + 0.01, LAT + 0.01)))


# --- geodesy ---------------------------------------------------------------------------------


def test_geodesic_area_of_a_one_minute_box_at_the_equator():
    # 1′ × 1′ at the equator on WGS 84 is about 1 855.3 m × 1 843.2 m = 342 ha.
    side = 1.0 / 60.0
    assert geodesic_area_ha(box(0.0, 0.0, side, side)) == pytest.approx(341.97, rel=1e-3)


def test_fwd_point_and_geodesic_length_agree():
    lon, lat = fwd_point(LON, LAT, 30.0, 2_500.0)
    assert geodesic_length_km(shapely.LineString([(LON, LAT), (lon, lat)])) == pytest.approx(
        2.5, rel=1e-9
    )


def test_oriented_makes_exteriors_counter_clockwise():
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    assert oriented(clockwise).exterior.is_ccw
    assert all(p.exterior.is_ccw for p in oriented(MultiPolygon([clockwise])).geoms)


# --- indicative outlines ---------------------------------------------------------------------


@pytest.mark.parametrize("area_ha", [3.5, 100.0, 1_500.0])
def test_indicative_outline_has_the_stated_area_at_the_point(area_ha: float):
    outline = indicative_outline(LON, LAT, area_ha, vertices=24)
    assert outline.is_valid and outline.exterior.is_ccw
    assert len(outline.exterior.coords) == 25
    assert abs(geodesic_area_ha(outline) / area_ha - 1.0) < 1e-4
    radius_deg = (area_ha * 10_000.0 / np.pi) ** 0.5 / 100_000.0
    assert outline.centroid.distance(Point(LON, LAT)) < 0.01 * radius_deg


@pytest.mark.parametrize(("area_ha", "vertices"), [(0.0, 24), (-1.0, 24), (10.0, 2)])
def test_indicative_outline_rejects_impossible_sizes(area_ha: float, vertices: int):
    with pytest.raises(ValueError, match="must be"):
        indicative_outline(LON, LAT, area_ha, vertices=vertices)


def test_place_adjacent_clears_the_avoided_area_at_the_stated_size():
    anchor = indicative_outline(LON, LAT, 200.0)
    neighbour = indicative_outline(*fwd_point(LON, LAT, 180.0, 1_200.0), 50.0)
    avoid = unary_union([anchor, neighbour])
    outline, bearing, offset_m = place_adjacent(anchor, 20.0, avoid)
    assert not outline.intersects(avoid)
    assert abs(geodesic_area_ha(outline) / 20.0 - 1.0) < 1e-4
    assert bearing in ADJACENT_BEARINGS_DEG and bearing != 180.0  # south is blocked
    assert 0.0 < offset_m < ADJACENT_MAX_OFFSET_M
    # Adjacent: pulled 10 m back towards the anchor, it would touch the avoided area.
    closer = indicative_outline(*fwd_point(LON, LAT, bearing, offset_m - 10.0), 20.0)
    assert closer.intersects(avoid)
    assert place_adjacent(anchor, 20.0, avoid) == (outline, bearing, offset_m)


# --- clearance parcels -----------------------------------------------------------------------


def test_subdivide_is_deterministic_for_a_seed():
    first = subdivide(np.random.default_rng(7), _site(), 6.0)
    again = subdivide(np.random.default_rng(7), _site(), 6.0)
    other = subdivide(np.random.default_rng(8), _site(), 6.0)
    assert [g.wkb for g in first] == [g.wkb for g in again]
    assert [g.wkb for g in first] != [g.wkb for g in other]


def test_subdivide_gives_disjoint_valid_parcels_strictly_inside_the_site():
    site = _site()
    parcels = subdivide(np.random.default_rng(7), site, 6.0)
    assert len(parcels) == round(geodesic_area_ha(site) / 6.0)
    for parcel in parcels:
        assert parcel.is_valid and site.contains(parcel)
        assert all(part.exterior.is_ccw for part in _parts(parcel))
        assert 0.05 <= geodesic_area_ha(parcel) <= 6.0 * 4
        assert site.exterior.distance(parcel) > 0.0
    for one, two in itertools.combinations(parcels, 2):
        assert not one.intersects(two)
    covered_ha = sum(geodesic_area_ha(p) for p in parcels)
    assert 0.97 < covered_ha / geodesic_area_ha(site) < 1.0
    northings = [round(p.centroid.y, 6) for p in parcels]
    assert northings == sorted(northings, reverse=True)


def test_assign_statuses_fills_each_share_of_the_area_in_order():
    areas_ha = [1.0] * 100
    statuses = assign_statuses(np.random.default_rng(3), areas_ha, (0.2, 0.3, 0.1))
    counts = {status: statuses.count(status) for status in CLEARANCE_STATUSES}
    assert counts == {"handed_over": 20, "cleared": 30, "compensating": 10, "not_started": 40}
    assert statuses == assign_statuses(np.random.default_rng(3), areas_ha, (0.2, 0.3, 0.1))


@pytest.mark.parametrize("status", CLEARANCE_STATUSES)
def test_status_history_is_chronological_and_ends_with_the_status(status: str):
    for seed in range(20):
        history = status_history(np.random.default_rng(seed), status, start=START, end=END)
        assert [step["status"] for step in history] == list(
            CLEARANCE_STATUSES[: CLEARANCE_STATUSES.index(status) + 1]
        )
        dates = [dt.date.fromisoformat(step["date"]) for step in history]
        assert dates == sorted(set(dates))
        assert dates[0] >= START and dates[-1] <= END


# --- roads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bearing_deg", [0.0, 45.0, 225.0])
def test_road_line_leaves_the_site_edge_at_the_stated_length(bearing_deg: float):
    site = _site()
    line = road_line(site, bearing_deg, 2.6)
    assert line.is_valid and len(line.coords) == 11
    assert geodesic_length_km(line) == pytest.approx(2.6, rel=1e-6)
    start = Point(line.coords[0])
    assert start.coords[0] == exit_point(site, bearing_deg)
    assert not site.contains(start) and site.exterior.distance(start) < 1e-6  # ≈ 0.1 m
    assert site.intersection(line).length < 1e-6


# --- forest ----------------------------------------------------------------------------------

FOREST_BBOX = (104.0, 22.2, 104.3, 22.45)
HOTSPOTS = [(LON, LAT), (104.05, 22.40)]


def _forest(seed: int, mask: Polygon | None = None) -> list:
    return generate_forest(
        seed,
        hotspots=HOTSPOTS,
        parcels_per_hotspot=25,
        background_parcels=60,
        bbox=FOREST_BBOX,
        mask=mask,
    )


def test_generate_forest_is_deterministic_for_a_seed():
    first, again, other = _forest(11), _forest(11), _forest(12)
    assert [(p.code, p.category, p.origin, p.geometry.wkb) for p in first] == [
        (p.code, p.category, p.origin, p.geometry.wkb) for p in again
    ]
    assert [p.geometry.wkb for p in first] != [p.geometry.wkb for p in other]


def test_generate_forest_parcels_are_valid_disjoint_and_in_range():
    parcels = _forest(11)
    assert len(parcels) > 60
    assert [p.code for p in parcels] == [f"SYN-FOREST-{i:06d}" for i in range(1, len(parcels) + 1)]
    west, south, east, north = FOREST_BBOX
    margin_deg = HOTSPOT_RADIUS_M / 100_000.0 + 0.02  # hotspot disc plus one blob
    extent = box(west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    largest_ha = PARCEL_AREA_RANGE_HA[1] * 1.8**2  # star radii are clipped to 1.8 × the mean
    for parcel in parcels:
        geom = parcel.geometry
        assert geom.is_valid and all(part.exterior.is_ccw for part in _parts(geom))
        assert extent.contains(geom)
        assert MIN_PARCEL_AREA_HA <= geodesic_area_ha(geom) <= largest_ha
    tree = shapely.STRtree([p.geometry for p in parcels])
    left, right = tree.query([p.geometry for p in parcels], predicate="intersects")
    assert all(a == b for a, b in zip(left, right, strict=True))
    assert {p.category for p in parcels} == {"special_use", "protection", "production"}


def test_generate_forest_is_clipped_to_the_mask():
    mask = box(104.0, 22.25, 104.2, 22.45)
    parcels = _forest(11, mask)
    assert parcels
    assert all(mask.buffer(1e-9).contains(p.geometry) for p in parcels)
