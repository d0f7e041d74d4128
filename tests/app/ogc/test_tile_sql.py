import math

import pytest
import sqlalchemy as sa
from async_pool import with_read_pool
from pyproj import Transformer
from sqlalchemy import Engine

from app.ogc.catalog import CATALOG
from app.ogc.tiles.fetch import fetch_tile
from app.ogc.tiles.mercator import MVT_EXTENT, WEB_MERCATOR_WIDTH_M
from app.ogc.tiles.sql import (
    TILE_FEATURE_BUDGET,
    TilePlan,
    feature_budget,
    tile_plan,
    tile_select,
)

TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)


def _row_edges_deg(z: int, y: int) -> tuple[float, float]:
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return lat(y), lat(y + 1)


def test_tile_select_projects_by_an_affine_map_exact_on_the_tile_edges():
    z, y = 10, 447  # over Lào Cai
    params = tile_select(CATALOG["forest"], z, 806, y).params
    top_deg, bottom_deg = _row_edges_deg(z, y)
    for lat in (top_deg, bottom_deg):
        _, expected_m = TO_3857.transform(104.0, lat)
        assert math.isclose(params["m_per_deg_y"] * lat + params["y_offset_m"], expected_m)


def test_tile_select_affine_map_stays_within_two_tile_units_inside_the_tile():
    z, y = 10, 447
    params = tile_select(CATALOG["forest"], z, 806, y).params
    top_deg, bottom_deg = _row_edges_deg(z, y)
    unit_m = WEB_MERCATOR_WIDTH_M / (1 << z) / MVT_EXTENT
    for step in range(1, 10):
        lat = bottom_deg + (top_deg - bottom_deg) * step / 10
        _, expected_m = TO_3857.transform(104.0, lat)
        assert abs(params["m_per_deg_y"] * lat + params["y_offset_m"] - expected_m) < 2 * unit_m


def test_tile_select_keeps_st_transform_where_the_affine_map_would_be_visible():
    params = tile_select(CATALOG["sites"], 6, 50, 28).params
    assert "m_per_deg_y" not in params


def test_tile_select_builds_one_statement_per_variant():
    forest = CATALOG["forest"]
    assert tile_select(forest, 14, 12906, 7160).statement is (
        tile_select(forest, 14, 12907, 7161).statement
    )
    assert tile_select(forest, 8, 201, 111).statement is not (
        tile_select(forest, 14, 12906, 7160).statement
    )


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


@pytest.mark.parametrize(
    ("collection_id", "table", "z"),
    [
        ("forest", "forest_parcels", 8),  # generalised grid
        ("forest", "forest_parcels", 10),  # few parcels: simplified, affine projection (hybrid)
        ("forest", "forest_parcels", 14),  # full detail
        ("industrial_clusters", "sites WHERE kind = 'industrial_cluster'", 12),  # a constant
        ("sites", "sites", 6),  # ST_Transform
    ],
)
def test_driver_sql_gives_the_same_tile_as_the_sqlalchemy_statement(
    engine: Engine, database_url: str, collection_id: str, table: str, z: int
):
    with engine.connect() as conn:
        point = f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM {table}"
        lon, lat = conn.execute(sa.text(point + " ORDER BY id LIMIT 1) AS first")).one()
        x, y = _tile_at(lon, lat, z)
        collection = CATALOG[collection_id]
        query = tile_select(collection, z, x, y)
        expected = conn.execute(query.statement, query.params).scalar_one()
    tile = with_read_pool(database_url, lambda pool: fetch_tile(pool, collection, z, x, y))
    assert tile and tile == bytes(expected)


def test_tile_plan_counts_only_where_the_choice_is_made():
    forest = CATALOG["forest"]
    assert tile_plan(forest, 9, 402, 224).count is None  # cells only
    assert tile_plan(forest, 13, 6450, 3580).count is None  # features only
    assert tile_plan(CATALOG["sites"], 10, 806, 447).count is None  # no grid
    for z, x, y in ((10, 806, 447), (11, 1612, 894), (12, 3225, 1789)):
        plan = tile_plan(forest, z, x, y)
        assert plan.count is not None, z
        assert plan.chosen(plan.budget) == (plan.tile,), z
        assert plan.chosen(plan.budget + 1) == plan.dense, z
        # The count brings the stored tile of cells (z10-z12) in the same round trip.
        assert "forest_cell_tiles" in plan.count.driver.sql, z


def test_feature_budget_is_the_size_bound_then_one_cell_per_feature():
    grid = CATALOG["forest"].tile_grid
    assert grid is not None
    budgets = [feature_budget(grid, z) for z in (10, 11, 12)]
    # 4-pixel cells to z11 (4 096 a tile: the 200 KB bound is lower), z11's at z12: 8 pixels.
    assert budgets == [TILE_FEATURE_BUDGET, TILE_FEATURE_BUDGET, (256 // 8) ** 2]
    assert tile_plan(CATALOG["forest"], 12, 3225, 1789).budget == 1024


def test_tile_plan_reads_the_stored_tile_from_the_count_row():
    assert TilePlan.stored(None) is None
    assert TilePlan.stored((5,)) is None  # a count alone (no stored zoom)
    assert TilePlan.stored((5, None)) is None  # within the budget, or none stored
    assert TilePlan.stored((3000, memoryview(b"tile"))) == b"tile"
