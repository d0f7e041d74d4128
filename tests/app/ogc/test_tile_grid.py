"""Generalised forest tiles: cells drawn as rectangles in tile units, as ST_AsMVTGeom drew them."""

import math

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from app.ogc.catalog import CATALOG
from app.ogc.tiles.sql import TileQuery, _statement, tile_plan, tile_select

# The generalised tile as it was made before: each cell's lon/lat square through ST_Transform
# and ST_AsMVTGeom (the cell range as app.ogc.tiles.sql selects it).
WITH_ST_ASMVTGEOM = sa.text(
    """
    WITH tile AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS envelope,
            ST_Transform(ST_Expand(ST_TileEnvelope(:z, :x, :y), :margin_m), 4326) AS buffered
    ),
    cells AS (
        SELECT DISTINCT ON (c.i, c.j) c.i, c.j, c.category, c.features
        FROM forest_tile_cells AS c, tile AS t
        WHERE c.zoom = :z
          AND c.i BETWEEN floor(ST_XMin(t.buffered) / :cell_deg)
                      AND floor(ST_XMax(t.buffered) / :cell_deg)
          AND c.j BETWEEN floor(ST_YMin(t.buffered) / :cell_deg)
                      AND floor(ST_YMax(t.buffered) / :cell_deg)
        ORDER BY c.i, c.j, c.features DESC, c.category
    )
    SELECT ST_AsMVT(mvt, 'forest', 4096, 'geom', 'id')
    FROM (
        SELECT row_number() OVER (ORDER BY c.i, c.j) AS id, c.category, c.features,
            ST_AsMVTGeom(
                ST_Transform(
                    ST_MakeEnvelope(c.i * :cell_deg, c.j * :cell_deg,
                        (c.i + 1) * :cell_deg, (c.j + 1) * :cell_deg, 4326),
                    3857),
                t.envelope, 4096, 64, true) AS geom
        FROM cells AS c, tile AS t
    ) AS mvt
    """
)


def _tiles_over_the_forest(engine: Engine, z: int) -> list[tuple[int, int, int]]:
    with engine.connect() as conn:
        west, south, east, north = conn.execute(
            sa.text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom) AS e FROM forest_parcels) AS x"
            )
        ).one()
    n = 1 << z

    def column(lon: float) -> int:
        return int((lon + 180) / 360 * n)

    def row(lat: float) -> int:
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    return [
        (z, x, y)
        for x in range(column(west), column(east) + 1)
        for y in range(row(north), row(south) + 1)
    ]


@pytest.mark.parametrize("z", [5, 7, 8, 9])
def test_grid_tiles_are_byte_identical_to_st_asmvtgeom_cells(engine: Engine, z: int):
    forest = CATALOG["forest"]
    tiles = _tiles_over_the_forest(engine, z)
    assert tiles
    with engine.connect() as conn:
        for _, x, y in tiles:
            query = tile_select(forest, z, x, y)
            ours = conn.exec_driver_sql(query.driver.sql, query.driver_params()).scalar_one()
            before = conn.execute(WITH_ST_ASMVTGEOM, query.params).scalar_one()
            assert ours and bytes(ours) == bytes(before), (z, x, y)


@pytest.mark.parametrize("z", [10, 11, 12])
def test_stored_tiles_of_cells_are_the_tiles_the_cells_make(engine: Engine, z: int):
    forest = CATALOG["forest"]
    tiles = _tiles_over_the_forest(engine, z)
    columns, rows = {x for _, x, _ in tiles}, {y for _, _, y in tiles}
    # One tile more all round: a stored tile for every tile whose buffer meets a cell, none else.
    around = [
        (x, y)
        for x in range(min(columns) - 1, max(columns) + 2)
        for y in range(min(rows) - 1, max(rows) + 2)
    ]
    with engine.connect() as conn:
        for x, y in around:
            (made,) = tile_plan(forest, z, x, y).dense
            stored = TileQuery(*_statement(forest, "stored"), params=made.params)
            row = conn.exec_driver_sql(stored.driver.sql, stored.driver_params()).first()
            now = conn.exec_driver_sql(made.driver.sql, made.driver_params()).scalar_one()
            assert (bytes(row[0]) if row else b"") == bytes(now or b""), (z, x, y)
