"""Run one prepared statement on a psycopg connection: beneath a SQLAlchemy one, or pooled.

Two of the ways to reach the database that ``app.db`` lists (``spatial`` never imports ``app``).
"""

from __future__ import annotations

from typing import Any, cast

import psycopg
import sqlalchemy as sa


def fetch_prepared(conn: sa.Connection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run psycopg-style ``sql`` (``%(name)s`` binds) prepared on ``conn``; rows as tuples.

    For a hot statement that must run on a SQLAlchemy connection (the synchronous proposal
    check): it skips SQLAlchemy's compilation, cache lookup and result layer, about 0.3 ms of
    CPU per statement, more than PostgreSQL needs for a z14 tile (bench/README.md). The
    statement runs inside whatever transaction ``conn`` is in. A lost connection is
    invalidated, as SQLAlchemy would do, so the pool never hands it out again.
    """
    raw = cast("psycopg.Connection[tuple[Any, ...]]", conn.connection.dbapi_connection)
    try:
        with raw.cursor() as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    except psycopg.OperationalError:
        conn.invalidate()
        raise


async def fetch_prepared_async(
    conn: psycopg.AsyncConnection[tuple[Any, ...]],
    sql: str,
    params: dict[str, Any],
    *,
    binary: bool = False,
) -> list[tuple[Any, ...]]:
    """Run psycopg-style ``sql`` prepared on an asyncio connection; rows as tuples.

    The asyncio twin of ``fetch_prepared``, for a connection from a ``psycopg_pool`` pool, which
    discards a connection that broke during the statement when it is returned. ``binary``
    asks for results in binary (bytea as it is, not hex text twice its size).
    """
    cursor = await conn.execute(sql, params, prepare=True, binary=binary)
    return await cursor.fetchall()
