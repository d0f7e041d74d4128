"""Run one tile's statement on the asyncio read pool and return its Mapbox Vector Tile bytes."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from app.db.read_pool import AsyncConnection, fetch_one_prepared
from app.ogc.catalog import Collection
from app.ogc.tiles.sql import tile_select


async def fetch_tile(
    pool: AsyncConnectionPool[AsyncConnection], collection: Collection, z: int, x: int, y: int
) -> bytes:
    """Return the Mapbox Vector Tile of one tile (empty bytes when no feature touches it).

    One statement, awaited on a connection of the asyncio read pool (``app.db.read_pool``:
    autocommit, no BEGIN/ROLLBACK), from SQL compiled once per collection and variant
    (``app.ogc.tiles.sql.compile_for_driver``) and prepared on each connection.
    """
    query = tile_select(collection, z, x, y)
    row = await fetch_one_prepared(pool, query.driver.sql, query.driver_params())
    return bytes(row[0] or b"") if row else b""
