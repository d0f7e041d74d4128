import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from async_pool import with_read_pool

from app.db.read_pool import fetch_one_prepared, libpq_conninfo

PID = "SELECT pg_backend_pid()"


def _with_pool(database_url: str, idle_ping_s: float, body: Callable[[Any], Awaitable[None]]):
    with_read_pool(database_url, body, max_size=1, idle_ping_s=idle_ping_s)


async def _terminate(database_url: str, pid: int) -> None:
    async with await psycopg.AsyncConnection.connect(
        libpq_conninfo(database_url), autocommit=True
    ) as other:
        # Waits (up to 5 s) until the backend has exited, so its socket is closed.
        await other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def test_libpq_conninfo_drops_the_sqlalchemy_driver_name():
    url = "postgresql+psycopg://me:s%40cret@127.0.0.1:5432/db"
    assert libpq_conninfo(url) == "postgresql://me:s%40cret@127.0.0.1:5432/db"


def test_read_pool_connections_autocommit_with_jit_off(database_url: str):
    async def body(pool: Any) -> None:
        async with pool.connection() as conn:
            assert conn.autocommit
            assert (await (await conn.execute("SHOW jit")).fetchone()) == ("off",)
        assert await fetch_one_prepared(pool, "SELECT %(n)s::int + 1", {"n": 41}) == (42,)

    _with_pool(database_url, 10.0, body)


def test_read_pool_replaces_a_connection_that_died_while_idle(database_url: str):
    async def body(pool: Any) -> None:
        (first,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        await _terminate(database_url, first)
        # The only connection is dead; the idle ping notices before the statement does.
        (second,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        assert second is not None and second != first

    _with_pool(database_url, 0.0, body)


def test_read_pool_replaces_a_connection_the_server_closed_without_a_ping(database_url: str):
    async def body(pool: Any) -> None:
        (first,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        await _terminate(database_url, first)
        # Steady use (no idle ping): the closed socket shows the connection is gone.
        (second,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        assert second is not None and second != first

    _with_pool(database_url, 60.0, body)


def test_read_pool_discards_a_connection_lost_during_a_statement(database_url: str):
    async def body(pool: Any) -> None:
        (first,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        sleeping = asyncio.create_task(fetch_one_prepared(pool, "SELECT pg_sleep(10)", {}))
        await asyncio.sleep(0.3)
        await _terminate(database_url, first)
        with pytest.raises(psycopg.OperationalError):
            await sleeping
        (second,) = await fetch_one_prepared(pool, PID, {}) or (None,)
        assert second != first

    _with_pool(database_url, 60.0, body)
