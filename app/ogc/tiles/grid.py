"""The generalised tile statements of a collection with a grid: cells, their count, stored tiles.

A dense layer (the forest) is drawn up to some zoom as square cells of ``grid.cell_px`` pixels
with the dominant value of ``grid.by`` (``grid_tile_statement``), read from the counts that
``grid.cells`` keeps per cell and value, never from the features. Where the features may be
drawn instead, ``count_statement`` estimates how many a tile holds. From
``grid.stored_min_zoom`` the tile of cells is also stored, rendered by the database triggers
that keep the cells (migrations ``0032_tile_pyramid``, ``0036_z12_tiles``):
``count_and_stored_statement`` reads it with the count, ``stored_tile_statement`` alone.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import distinct_on

from app.ogc.catalog import Collection
from app.ogc.catalog.types import TileGrid
from app.ogc.tiles.mercator import (
    EARTH_RADIUS_M,
    MVT_BUFFER,
    MVT_EXTENT,
    WEB_MERCATOR_WIDTH_M,
    X,
    Y,
    Z,
    bound,
    buffered_tile,
    mvt,
    tile_size_deg,
    tile_size_m,
)
from spatial.crs import WGS84


def grid_params(grid: TileGrid, z: int, x: int, y: int) -> dict[str, Any]:
    """Return the binds of the grid part of a tile: the cells it shows, and those it counts."""
    tile_m = tile_size_m(z)
    cell_zoom, count_zoom = min(z, grid.max_zoom), max(0, min(z - 3, grid.max_zoom))
    return {
        "cell_zoom": cell_zoom,
        "cell_deg": tile_size_deg(cell_zoom) / 256 * grid.cell_px,
        "count_zoom": count_zoom,
        "count_cell_deg": tile_size_deg(count_zoom) / 256 * grid.cell_px,
        "tile_west_m": -WEB_MERCATOR_WIDTH_M / 2 + x * tile_m,
        "tile_north_m": WEB_MERCATOR_WIDTH_M / 2 - y * tile_m,
        "units_per_m": MVT_EXTENT / tile_m,
    }


def _grid_cells(grid: TileGrid) -> Any:
    """Return the precomputed cells of zoom ``cell_zoom`` whose squares meet the buffered tile.

    The cell range is computed once from the tile envelope (immutable functions of bound
    values), so the primary key ``(zoom, i, j, …)`` serves it as an index range.
    """
    cells = grid.cells
    return (
        sa.select(cells.c.i, cells.c.j, cells.c[grid.by].label("value"), cells.c.features)
        .where(*_cells_in_tile(grid))
        .subquery("cells")
    )


def _cells_in_tile(grid: TileGrid) -> list[Any]:
    """Return the conditions of the cells of zoom ``cell_zoom`` meeting the buffered tile."""
    cell_deg, bounds = bound("cell_deg"), buffered_tile()

    def first(edge: Any) -> Any:
        return sa.func.floor(edge(bounds) / cell_deg)

    return _cell_range(grid, "cell_zoom", first, first)


def _cells_counted(grid: TileGrid) -> list[Any]:
    """Return the conditions of the cells of zoom ``count_zoom`` whose corner is in the tile.

    The cells whose south-west corner lies nearest inside the tile (no buffer): their counts
    sum to about the tile's parcels, a row of cells more or less at each edge.
    """
    cell_deg = bound("count_cell_deg")
    bounds = sa.func.ST_Transform(sa.func.ST_TileEnvelope(Z, X, Y), WGS84)

    def first(edge: Any) -> Any:
        return sa.func.round(edge(bounds) / cell_deg)

    def last(edge: Any) -> Any:
        return sa.func.round(edge(bounds) / cell_deg) - 1

    return _cell_range(grid, "count_zoom", first, last)


def _cell_range(grid: TileGrid, zoom: str, first: Any, last: Any) -> list[Any]:
    """Return the cells of zoom ``:zoom`` from ``first`` to ``last`` of the tile's edges."""
    cells = grid.cells

    def index(position: Any, edge: Any) -> Any:
        return sa.cast(position(edge), sa.Integer)

    # i = ANY(the tile's columns), not i BETWEEN: the primary key (zoom, i, j, …) then gives
    # one short j range per column, where a range on i scans every j of those columns (at z11,
    # the whole layer's height): 20 → 1.4 ms for a z12 tile's count (bench/README.md).
    columns = sa.select(
        sa.func.generate_series(index(first, sa.func.ST_XMin), index(last, sa.func.ST_XMax))
    )
    return [
        cells.c.zoom == sa.bindparam(zoom, type_=sa.SmallInteger),
        cells.c.i == sa.any_(sa.func.array(columns.scalar_subquery())),
        cells.c.j.between(index(first, sa.func.ST_YMin), index(last, sa.func.ST_YMax)),
    ]


def _cell_rectangle(i: Any, j: Any, cell_deg: Any) -> Any:
    """Return cell (i, j) as the rectangle ``ST_AsMVTGeom`` would make of it, without it.

    A lon/lat square is a rectangle in Web Mercator (x = R·λ, y = R·ln tan(π/4 + φ/2)), so its
    tile units are four numbers: scaled, rounded to the integer grid and clipped to the
    buffered tile as ``ST_AsMVTGeom`` does, with its ring order and orientation, and NULL where
    the clipped rectangle has no area (``ST_AsMVTGeom`` returns NULL there too). A z8 forest
    tile holds about 3 000 cells; ``ST_Transform`` plus ``ST_AsMVTGeom`` cost about 9 µs each,
    most of the tile's time. The tests compare every cell with ``ST_AsMVTGeom``'s.
    """
    per_m = bound("units_per_m")

    def units(value: Any) -> Any:
        return sa.func.greatest(
            -MVT_BUFFER, sa.func.least(MVT_EXTENT + MVT_BUFFER, sa.func.round(value * per_m))
        )

    def mercator_y(lat_deg: Any) -> Any:
        half_angle = math.pi / 4 + sa.func.radians(lat_deg) / 2
        return EARTH_RADIUS_M * sa.func.ln(sa.func.tan(half_angle))

    west_m, north_m = bound("tile_west_m"), bound("tile_north_m")
    x0 = units(EARTH_RADIUS_M * sa.func.radians(i * cell_deg) - west_m)
    x1 = units(EARTH_RADIUS_M * sa.func.radians((i + 1) * cell_deg) - west_m)
    y0 = units(north_m - mercator_y((j + 1) * cell_deg))
    y1 = units(north_m - mercator_y(j * cell_deg))
    corners = [(x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y0)]
    ring = sa.func.ST_MakeLine(postgresql.array([sa.func.ST_MakePoint(*c) for c in corners]))
    return sa.case((sa.and_(x1 > x0, y1 > y0), sa.func.ST_MakePolygon(ring)), else_=None)


def grid_tile_statement(collection: Collection, grid: TileGrid) -> Any:
    """Return the generalised tile: square cells with the dominant value of ``grid.by``.

    Reads the counts that ``grid.cells`` keeps per cell and value (a feature counts in the
    cell of its south-west bbox corner), never the features: a z8 forest tile covers 60 000.
    """
    cells, cell_deg = _grid_cells(grid), bound("cell_deg")
    dominant = (
        sa.select(cells)
        .ext(distinct_on(cells.c.i, cells.c.j))
        .order_by(cells.c.i, cells.c.j, cells.c.features.desc(), cells.c.value)
        .subquery("dominant")
    )
    geom = _cell_rectangle(dominant.c.i, dominant.c.j, cell_deg)
    rows = sa.select(
        sa.func.row_number().over(order_by=(dominant.c.i, dominant.c.j)).label("id"),
        dominant.c.value.label(grid.by),
        dominant.c.features.label("features"),
        geom.label("geom"),
    ).subquery("mvt")
    return mvt(rows, collection)


def count_statement(grid: TileGrid) -> Any:
    """Return about how many features a tile holds: the counts of zoom z − 3 cells inside it.

    8 × 8 cells, never the features: the tile's own cells (66 × 66) lie scattered in the
    table's heap, and reading them took 18 ms of a z12 tile at 1 000 000 parcels. It is an
    estimate (a row of cells more or less at the edges), which is all a budget needs. A
    statement of its own (not a branch of the tile's): PostgreSQL then keeps a generic plan
    for it and for each of the two tiles it chooses between, where a statement with both
    branches was planned again on every execution (4–7 ms).
    """
    cells = grid.cells
    return sa.select(sa.func.coalesce(sa.func.sum(cells.c.features), 0)).where(
        *_cells_counted(grid)
    )


def stored_tile_statement(grid: TileGrid) -> Any:
    """Return the stored tile of cells (no row when none is stored: the caller makes it)."""
    tiles = grid.tiles
    return sa.select(tiles.c.tile).where(
        tiles.c.zoom == sa.bindparam("z", type_=sa.SmallInteger), tiles.c.x == X, tiles.c.y == Y
    )


def count_and_stored_statement(grid: TileGrid) -> Any:
    """Return ``count_statement``'s count and, when it exceeds ``:budget``, the stored tile.

    One round trip for a dense tile where the count and then the stored tile took two: each
    costs the API process about as much as PostgreSQL's whole work for it (a pool checkout, a
    prepared execute, its result). The stored tile is a ``CASE`` branch, read only when chosen;
    it is NULL when the count is within the budget or no tile is stored.
    """
    counted = count_statement(grid).subquery("counted")
    features = counted.c[0]
    stored = stored_tile_statement(grid).scalar_subquery()
    budget = sa.bindparam("budget", type_=sa.Integer)
    return sa.select(features, sa.case((features > budget, stored), else_=None))
