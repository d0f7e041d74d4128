"""Stream the rows of a Core statement in libpq's chunked-rows mode (psycopg ``Cursor.stream``).

Rows flow without a pause, as fast as ``COPY … TO STDOUT``, and psycopg holds one chunk at a
time. A server-side cursor stops PostgreSQL at every ``FETCH`` until Python has sent the
previous batch: whole forest layer 57–65 → 90–111 MB/s (bench/README.md, round 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa


def driver_statement(statement: Any, dialect: sa.Dialect) -> tuple[str, dict[str, Any]]:
    """Return a Core statement as driver SQL and the values the dialect would send for it.

    Public SQLAlchemy API only: ``construct_expanded_state`` expands IN lists and gives the
    processors of the expanded binds; every other bind goes through its type's
    ``bind_processor`` for ``dialect`` (enum members to their values, geometries to EWKT, ...),
    and bind expressions (``ST_GeomFromEWKT(…)``) are in the SQL.
    """
    compiled = statement.compile(dialect=dialect)
    state = compiled.construct_expanded_state()
    params = {}
    for name, value in state.parameters.items():
        processor = state.processors.get(name)
        bind = compiled.binds.get(name)
        if processor is None and bind is not None:
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        params[name] = processor(value) if processor else value
    return state.statement, params


def stream_rows(
    connection: sa.Connection, statement: Any, *, size: int
) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of ``statement`` from psycopg beneath ``connection``, ``size`` at a time.

    It runs inside whatever transaction ``connection`` is in. If the consumer stops early,
    closing this generator closes psycopg's, which cancels the query.
    """
    sql_text, params = driver_statement(statement, connection.dialect)
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor:
        yield from cursor.stream(sql_text, params, size=size)
