"""An asyncio pool of autocommit psycopg connections for the hottest single-statement reads.

Vector tiles, proposal checks and a check's overlap pieces are one prepared statement each.
Run from a plain ``def`` endpoint, every tile paid for a hop to a worker thread and back, a
SQLAlchemy pool checkout, and the worker thread's contention for the GIL with the event loop,
which spread the latencies under load (bench/README.md). Here the statement is awaited on the
event loop itself.

Connections run with JIT off, as the engine's do (``app.db.engine``), in autocommit (no
BEGIN/ROLLBACK around one statement), and one that has idled for more than ``IDLE_PING_S`` is
pinged before use, so a connection that died while idle is replaced before a request sees it.
A connection that breaks during a statement is discarded by the pool when it is returned.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import make_url

from app.db.engine import IDLE_PING_S, connection_options, has_pending_input
from spatial.analysis.prepared import fetch_prepared_async

AsyncConnection = psycopg.AsyncConnection[tuple[Any, ...]]


def libpq_conninfo(url: str) -> str:
    """Return the libpq URI of a SQLAlchemy URL (``postgresql+psycopg://…`` → ``postgresql://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _IdleClock:
    """When each pooled connection was last returned (weakly keyed: gone with the connection)."""

    def __init__(self, idle_ping_s: float) -> None:
        self.idle_ping_s = idle_ping_s
        self._returned: weakref.WeakKeyDictionary[AsyncConnection, float] = (
            weakref.WeakKeyDictionary()
        )

    def returned(self, conn: AsyncConnection) -> None:
        """Note the time the connection came back (``ReadPool.putconn``)."""
        self._returned[conn] = time.monotonic()

    async def check(self, conn: AsyncConnection) -> None:
        """Pool ``check`` hook: ping a connection that idled too long (raises when it is dead)."""
        returned = self._returned.get(conn)
        if returned is not None and time.monotonic() - returned > self.idle_ping_s:
            await conn.execute("SELECT 1")


PROBE_AFTER_S = 0.1
"""A request that has waited this long for a connection asks whether the server answers."""
PROBE_VALID_S = 0.5
"""How long the answer holds for the other waiting requests (one probe at a time)."""


class ReadPool(AsyncConnectionPool[AsyncConnection]):
    """A pool that hands out only live connections, and says soon when the server is down.

    A connection the server closed (a restart, a kill) is seen by looking at its socket: one
    syscall, no round trip (``engine.has_pending_input``). It is closed and given back, so the
    pool replaces it, and the next one is taken at once (a failing ``check`` hook would wait a
    second, the pool's back-off, for each).

    A request that waits ``PROBE_AFTER_S`` for a connection has the server probed with one new
    connection: refused, the request fails at once (503 with ``Retry-After``) instead of waiting
    its whole timeout; accepted, it waits on. Busy is not down.

    A returned connection has its time noted here, not in a pool ``reset`` hook: with a hook,
    psycopg_pool hands every return to a worker task (a queue and a task switch per statement);
    without one, the connection goes back at once (bench/README.md, issue 20's check).
    """

    def __init__(
        self, conninfo: str, *, kwargs: dict[str, Any], clock: _IdleClock, **options: Any
    ) -> None:
        super().__init__(conninfo, kwargs=kwargs, check=clock.check, **options)
        self._clock = clock
        self._probe_with = (conninfo, dict(kwargs))
        self._probe: asyncio.Task[bool] | None = None
        self._probed_at = -PROBE_VALID_S
        self._reachable = True

    async def getconn(self, timeout: float | None = None) -> AsyncConnection:
        """Return a live connection (see the class docstring)."""
        wait_s = self.timeout if timeout is None else timeout
        if wait_s <= PROBE_AFTER_S:
            return await self._live(wait_s)
        try:
            return await self._live(PROBE_AFTER_S)
        except PoolTimeout:
            if not await self._server_answers():
                raise
        return await self._live(wait_s - PROBE_AFTER_S)

    async def putconn(self, conn: AsyncConnection) -> None:
        """Note when ``conn`` came back (for the idle ping), then return it to the pool."""
        self._clock.returned(conn)
        await super().putconn(conn)

    async def _live(self, timeout: float) -> AsyncConnection:
        while True:
            conn = await super().getconn(timeout)
            if not (conn.closed or has_pending_input(conn.pgconn.socket)):
                return conn
            await conn.close()
            await self.putconn(conn)

    async def _server_answers(self) -> bool:
        if time.monotonic() - self._probed_at < PROBE_VALID_S:
            return self._reachable
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._connect_once())
        return await asyncio.shield(self._probe)

    async def _connect_once(self) -> bool:
        try:
            conninfo, kwargs = self._probe_with
            conn = await psycopg.AsyncConnection.connect(conninfo, **kwargs)
        except psycopg.Error:
            self._reachable = False
        else:
            await conn.close()
            self._reachable = True
        self._probed_at = time.monotonic()
        return self._reachable


def make_read_pool(
    url: str,
    *,
    max_size: int,
    idle_ping_s: float = IDLE_PING_S,
    options: str | None = None,
    wait_s: float = 30.0,
    connect_timeout_s: int | None = None,
    name: str = "sitereg-read",
) -> ReadPool:
    """Return an unopened pool of up to ``max_size`` connections (``await pool.open()``).

    ``options`` (``engine.connection_options``) carries the time limit of the pool's class of
    request; ``wait_s`` is the longest wait for a connection (then ``PoolTimeout``: 503).
    ``name`` also names the connections in ``pg_stat_activity`` (``sitereg <name>``).
    """
    kwargs: dict[str, Any] = {
        "autocommit": True,
        "options": options or connection_options(),
        "application_name": f"sitereg {name}",
    }
    if connect_timeout_s is not None:
        kwargs["connect_timeout"] = connect_timeout_s
    return ReadPool(
        libpq_conninfo(url),
        min_size=1,
        max_size=max_size,
        open=False,
        kwargs=kwargs,
        timeout=wait_s,
        clock=_IdleClock(idle_ping_s),
        name=name,
    )


async def fetch_one_prepared(
    pool: AsyncConnectionPool[AsyncConnection], sql: str, params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """Run psycopg-style ``sql`` (``%(name)s`` binds) prepared on a pooled connection.

    Returns the first row, or None. The statement is prepared once per connection, and the row
    comes in binary: a tile's bytes as they are, not hex text twice their size for PostgreSQL
    to encode and psycopg to decode.
    """
    async with pool.connection() as conn:
        rows = await fetch_prepared_async(conn, sql, params, binary=True)
    return rows[0] if rows else None


async def postgis_version(pool: AsyncConnectionPool[AsyncConnection], *, timeout_s: float) -> str:
    """Return PostGIS's library version, waiting at most ``timeout_s`` for a connection.

    The health check's one statement. The timeout matters: the pool keeps retrying a dead
    server until its own (much longer) timeout, and a health check must answer at once.
    """
    async with pool.connection(timeout=timeout_s) as conn:
        rows = await fetch_prepared_async(conn, "SELECT postgis_lib_version()", {})
    return str(rows[0][0])
