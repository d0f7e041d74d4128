"""Run one tile's statements on the asyncio read pool and return its Mapbox Vector Tile bytes."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from app.db.read_pool import AsyncConnection, fetch_one_prepared
from app.ogc.catalog import Collection
from app.ogc.tiles.sql import TileQuery, tile_plan


async def fetch_tile(
    pool: AsyncConnectionPool[AsyncConnection], collection: Collection, z: int, x: int, y: int
) -> bytes:
    """Return the Mapbox Vector Tile of one tile (empty bytes when no feature touches it).

    Each statement is awaited on a connection of the asyncio read pool (``app.db.read_pool``:
    autocommit, no BEGIN/ROLLBACK), from SQL compiled once per collection and variant
    (``app.ogc.tiles.sql.compile_for_driver``) and prepared on each connection. Where a count
    chooses between the features and cells (``tile_plan``), the count runs first; where tiles
    of cells are stored, it brings the stored tile too when the cells are chosen.
    """
    plan = tile_plan(collection, z, x, y)
    count = None
    if plan.count is not None:
        row = await _fetch(pool, plan.count)
        stored = plan.stored(row)
        if stored is not None:
            return stored
        count = int(row[0]) if row else 0
    for query in plan.chosen(count):
        row = await _fetch(pool, query)
        if row is not None:
            return bytes(row[0] or b"")
    return b""


async def _fetch(
    pool: AsyncConnectionPool[AsyncConnection], query: TileQuery
) -> tuple[Any, ...] | None:
    return await fetch_one_prepared(pool, query.driver.sql, query.driver_params())
