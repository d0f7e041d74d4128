"""Vector-tile queries: one statement per collection and variant, built once, bound per tile.

Identifiers come from :mod:`app.ogc.catalog`; the tile (``z``, ``x``, ``y``) and every value
derived from it are bound parameters. Building and cache-keying a SQLAlchemy statement costs
about 2 ms of Python, more than PostgreSQL needs for a z14 tile, so each variant (features,
simplified or full detail, affine or ``ST_Transform`` projection; cells; their count; the
stored tile of cells) is built once per collection and reused. Tiles leave PostgreSQL as
finished Mapbox Vector Tiles (``ST_AsMVT``). The statements themselves are in ``features``
(the features) and ``grid`` (cells, counts, stored tiles); ``mercator`` holds the arithmetic.

Measured on the synthetic forest (``bench/interop.py``, ``bench/scale.py``; bench/README.md)
against tipg's generic tile query, at 16 connections: 20-22x tipg's tiles per second at z8 and
3.2-3.5x at z10 on 200 000 parcels, from precomputed cells, statements prepared once, an
affine projection where it is exact enough, and no clipping of features inside the tile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

from app.ogc.catalog import Collection
from app.ogc.catalog.types import TileGrid
from app.ogc.tiles.features import feature_tile_statement
from app.ogc.tiles.grid import (
    count_and_stored_statement,
    count_statement,
    grid_params,
    grid_tile_statement,
    stored_tile_statement,
)
from app.ogc.tiles.mercator import (
    MAX_AFFINE_ERROR_UNITS,
    MVT_BUFFER,
    MVT_EXTENT,
    affine_y,
    tile_size_deg,
    tile_size_m,
    tile_units,
)

FULL_DETAIL_ZOOM = 12
# A collection with a tile grid (the forest) shows only cells up to GRID_ONLY_ZOOM; up to
# HYBRID_MAX_ZOOM a tile with more features than its budget (feature_budget) shows cells too
# (at z12 the cells of z11, 8 pixels). A forest parcel of the synthetic layer costs 30-86
# bytes of tile from z10 to z12: about 2 500 of them make 200 KB, and a tile of cells holds
# at most 66 x 66 cells, whatever the density (bench/README.md, issue 20).
GRID_ONLY_ZOOM = 9
HYBRID_MAX_ZOOM = 12
TILE_FEATURE_BUDGET = 2500
TILE_PX = 256
# Below full detail, vertices closer than 1/4 pixel to a simplified edge go: 40 % less data in
# a z10 forest tile, and still half a device pixel on a 2× screen.
SIMPLIFY_UNITS = 4


@dataclass(frozen=True)
class DriverStatement:
    """A tile statement compiled once for psycopg: its SQL and its constant parameter values."""

    sql: str
    constants: dict[str, Any]


@dataclass(frozen=True)
class TileQuery:
    """The statement of a tile (shared by all tiles of its variant) and the tile's values."""

    statement: Any
    driver: DriverStatement
    params: dict[str, Any]

    def driver_params(self) -> dict[str, Any]:
        """Return the parameters of ``driver.sql``: the constants and this tile's values."""
        return {**self.driver.constants, **self.params}


def feature_budget(grid: TileGrid, z: int) -> int:
    """Return how many features a tile of zoom ``z`` may show before it shows cells instead.

    Two bounds, the lower wins. Size: ``TILE_FEATURE_BUDGET`` (about 200 KB of parcels).
    Legibility: a feature is drawn only where, on average, it gets at least the area of the
    cell that would replace it, so a tile of ``TILE_PX`` pixels shows at most
    ``(TILE_PX / cell pixels)²`` features. Cells are ``grid.cell_px`` pixels up to
    ``grid.max_zoom`` (4096 features: the size bound holds) and twice as wide a zoom later
    (z12: 8 pixels, 1 024 features, parcels of 8 × 8 pixels on average).
    """
    cell_px = grid.cell_px << max(0, z - grid.max_zoom)
    return min(TILE_FEATURE_BUDGET, (TILE_PX // cell_px) ** 2)


@dataclass(frozen=True)
class TilePlan:
    """How one tile is made: its statement, or a count that chooses the features or the cells.

    With ``count``, the caller runs it first. Its row is the count and, where tiles of cells
    are stored, the stored tile when the count exceeds ``budget`` (``feature_budget``): then
    that is the tile (``stored``). Otherwise, above ``budget`` the tile is the first row that
    the ``dense`` statements give (the cells made now), else ``tile``.
    """

    tile: TileQuery
    count: TileQuery | None = None
    dense: tuple[TileQuery, ...] = ()
    budget: int = TILE_FEATURE_BUDGET

    def chosen(self, count: int | None) -> tuple[TileQuery, ...]:
        """Return the statements to try in order, given the count (None when not counted)."""
        if count is not None and count > self.budget:
            return self.dense
        return (self.tile,)

    @staticmethod
    def stored(count_row: tuple[Any, ...] | None) -> bytes | None:
        """Return the stored tile that the count's row carries, or None."""
        if count_row is None or len(count_row) < 2 or count_row[1] is None:
            return None
        return bytes(count_row[1])


_STATEMENTS: dict[tuple[str, str], tuple[Collection, Any, DriverStatement]] = {}
_DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]  # (untyped in SQLAlchemy)


def compile_for_driver(statement: Any) -> DriverStatement:
    """Compile a Core statement once into psycopg SQL plus its constants, types applied.

    A tile then costs one ``cursor.execute`` with no SQLAlchemy compilation, cache lookup or
    result layer: at z12–z14 those cost more than PostgreSQL needs for the tile
    (bench/README.md). The tile's own binds (``z``, ``x``, ``y`` and derived values) are plain
    ints and floats, which psycopg adapts itself.
    """
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    per_tile = {name: None for name, bind in compiled.binds.items() if bind.required}
    constants: dict[str, Any] = {}
    for name, value in compiled.construct_params(params=per_tile).items():
        if name in per_tile:
            continue  # filled by TileQuery.params for each tile
        bind = compiled.binds.get(name)
        processor = bind.type.bind_processor(_DIALECT) if bind is not None else None
        constants[name] = processor(value) if processor else value
    return DriverStatement(compiled.string, constants)


def tile_plan(collection: Collection, z: int, x: int, y: int) -> TilePlan:
    """Return how to make one WebMercatorQuad tile of a collection (docs/map.md).

    A collection with a grid shows cells up to ``GRID_ONLY_ZOOM``; up to ``HYBRID_MAX_ZOOM`` a
    tile shows its features when it holds at most ``feature_budget`` of them and cells
    otherwise, stored from ``grid.stored_min_zoom`` to ``grid.stored_max_zoom``; above, the
    features.
    """
    query = tile_select(collection, z, x, y)
    grid = collection.tile_grid
    if grid is None or z <= GRID_ONLY_ZOOM or z > HYBRID_MAX_ZOOM:
        return TilePlan(query)
    budget = feature_budget(grid, z)
    params = {**query.params, "budget": budget}
    cells = TileQuery(*_statement(collection, "grid"), params=params)
    counting = "count"
    if grid.tiles is not None and grid.stored_min_zoom <= z <= grid.stored_max_zoom:
        counting = "count-stored"
    count = TileQuery(*_statement(collection, counting), params=params)
    return TilePlan(query, count, (cells,), budget)


def tile_select(collection: Collection, z: int, x: int, y: int) -> TileQuery:
    """Return the query of a tile's features, or of its cells up to ``GRID_ONLY_ZOOM``.

    Its ``params`` hold every value of the tile that any of its statements binds.
    """
    tile_m = tile_size_m(z)
    params: dict[str, Any] = {"z": z, "x": x, "y": y, "margin_m": tile_m * MVT_BUFFER / MVT_EXTENT}
    grid = collection.tile_grid
    if grid is not None and z <= HYBRID_MAX_ZOOM:
        params.update(grid_params(grid, z, x, y))
        if z <= GRID_ONLY_ZOOM:
            return TileQuery(*_statement(collection, "grid"), params=params)
    params["unclipped_margin_m"] = tile_m * (MVT_BUFFER - MAX_AFFINE_ERROR_UNITS) / MVT_EXTENT
    params["tolerance_deg"] = tile_size_deg(z) / MVT_EXTENT * SIMPLIFY_UNITS
    params["pixel_deg"] = tile_size_deg(z) / 256
    affine = affine_y(z, y)
    if affine is not None:
        params["m_per_deg_y"], params["y_offset_m"] = affine
        params.update(tile_units(z, x, y, *affine))
    detail = "detail" if z >= FULL_DETAIL_ZOOM else "simplified"
    variant = f"{detail}-{'affine' if affine else 'transform'}"
    return TileQuery(*_statement(collection, variant), params=params)


def _statement(collection: Collection, variant: str) -> tuple[Any, DriverStatement]:
    cached = _STATEMENTS.get((collection.id, variant))
    if cached is not None and cached[0] is collection:
        return cached[1], cached[2]
    statement = _build(collection, variant)
    driver = compile_for_driver(statement)
    _STATEMENTS[(collection.id, variant)] = (collection, statement, driver)
    return statement, driver


GRID_VARIANTS: dict[str, Callable[[Collection, TileGrid], Any]] = {
    "grid": grid_tile_statement,
    "count": lambda _, grid: count_statement(grid),
    "count-stored": lambda _, grid: count_and_stored_statement(grid),
    "stored": lambda _, grid: stored_tile_statement(grid),
}


def _build(collection: Collection, variant: str) -> Any:
    """Return the statement of a variant: a grid one, or ``<detail>-<projection>``."""
    grid = collection.tile_grid
    if variant in GRID_VARIANTS:
        assert grid is not None
        return GRID_VARIANTS[variant](collection, grid)
    detail, projection = variant.split("-")
    return feature_tile_statement(
        collection, detail=detail == "detail", affine=projection == "affine"
    )
