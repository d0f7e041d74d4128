"""Reads from a streaming replica (``DATABASE_REPLICA_URL``): where each request reads, and lag.

The request's target is a context variable (``reads_from``) set by the routing middleware
(``app.read_routing``): ``"primary"`` unless the request is an anonymous read that the replica
may answer. The pools and the session factory on ``app.state`` are then ``RoutedPool`` and
``RoutedSessions``, which hand out a connection of the target; routers and services do not
know there are two servers.

``ReplicaMonitor`` asks both servers, every ``replica.check_interval_s``, how far the replica
has replayed the primary's WAL. The replica is used only while it answers, is still a standby,
and lags by at most ``replica.max_lag_s``; a request that carries a WAL position (the one its
client's last write reached, ``X-Sitereg-LSN``) reads there only when the replica has replayed
up to it. The positions the monitor holds are never ahead of the replica, so a stale figure
only ever sends a read to the primary. A replica that fails to hand out a connection is marked
down at once and the request reads from the primary.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import exc
from sqlalchemy.orm import Session, sessionmaker

from app.db.read_pool import AsyncConnection, fetch_one_prepared

logger = logging.getLogger(__name__)

Target = Literal["primary", "replica"]
reads_from: ContextVar[Target] = ContextVar("sitereg_reads_from", default="primary")
"""Where the current request reads (set by ``app.read_routing``, switched by a fallback)."""

PRIMARY_LSN_SQL: Final = "SELECT pg_current_wal_lsn()::text"
REPLICA_SQL: Final = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"
_SAMPLES_MAX: Final = 4096


def parse_lsn(text: str | None) -> int | None:
    """Return a WAL position (``16/B374D848``) as a number, None when it is not one."""
    if not text:
        return None
    high, slash, low = text.strip().partition("/")
    if not slash or not (0 < len(high) <= 8 and 0 < len(low) <= 8):
        return None
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def current_target(state: ReplicaState) -> Target:
    """Return where the current request reads: its target, unless the replica is down now."""
    return "replica" if reads_from.get() == "replica" and state.up else "primary"


@contextmanager
def reading_from(target: Target) -> Iterator[None]:
    """Run the block with reads going to ``target``."""
    token = reads_from.set(target)
    try:
        yield
    finally:
        reads_from.reset(token)


@dataclass
class ReplicaState:
    """What the monitor last learned about the replica, and where requests went."""

    max_lag_s: float
    up: bool = False
    replay_lsn: int = 0
    lag_s: float | None = None
    lag_bytes: int | None = None
    reads: dict[str, int] = field(default_factory=lambda: {"primary": 0, "replica": 0})
    fallbacks: int = 0
    # Primary WAL positions the replica had not replayed yet, with when they were seen.
    _unreplayed: deque[tuple[float, int]] = field(default_factory=deque)

    def usable(self, min_lsn: int | None = None) -> bool:
        """Return whether a read (that needs WAL up to ``min_lsn``) may go to the replica."""
        if not self.up or self.lag_s is None or self.lag_s > self.max_lag_s:
            return False
        return min_lsn is None or self.replay_lsn >= min_lsn

    def observe(self, primary_lsn: int, replay_lsn: int, now: float) -> None:
        """Record one poll: the lag is how long ago the primary was where the replica is not yet.

        Not ``now() - pg_last_xact_replay_timestamp()``, which grows while the primary is idle.
        """
        samples = self._unreplayed
        if primary_lsn > replay_lsn and (not samples or samples[-1][1] < primary_lsn):
            if len(samples) >= _SAMPLES_MAX:
                del samples[1]  # keeps the oldest: the lag is never understated for long
            samples.append((now, primary_lsn))
        while samples and samples[0][1] <= replay_lsn:
            samples.popleft()
        self.up, self.replay_lsn = True, replay_lsn
        self.lag_s = now - samples[0][0] if samples else 0.0
        self.lag_bytes = max(0, primary_lsn - replay_lsn)

    def down(self, reason: str) -> None:
        """Stop sending reads to the replica until a poll finds it well again."""
        if self.up:
            logger.warning("replica not used: %s", reason)
        self.up, self.lag_s, self.lag_bytes = False, None, None
        self._unreplayed.clear()


class ReplicaMonitor:
    """Polls both servers every ``interval_s`` and keeps ``state`` current (an asyncio task)."""

    def __init__(
        self,
        state: ReplicaState,
        *,
        primary: AsyncConnectionPool[AsyncConnection],
        replica: AsyncConnectionPool[AsyncConnection],
        interval_s: float,
    ) -> None:
        self.state = state
        self.primary, self.replica = primary, replica
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def poll(self) -> None:
        """Ask the replica where its replay stands, then the primary where its WAL is."""
        try:
            async with self.replica.connection(timeout=self.interval_s) as conn:
                cursor = await conn.execute(REPLICA_SQL)
                row = await cursor.fetchone()
        except (psycopg.Error, PoolTimeout) as error:
            self.state.down(f"it does not answer ({type(error).__name__})")
            return
        replay_lsn = parse_lsn(row[1]) if row and row[0] else None
        if replay_lsn is None:
            self.state.down("it is not a standby in recovery (promoted?)")
            return
        found = await fetch_one_prepared(self.primary, PRIMARY_LSN_SQL, {})
        primary_lsn = parse_lsn(found[0]) if found else None
        self.state.observe(primary_lsn or 0, replay_lsn, time.monotonic())

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # noqa: BLE001 (the primary is down too: keep polling)
                self.state.down("the primary does not answer the monitor")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        """Start polling in the background."""
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class RoutedPool:
    """One of the asyncio pools, twice: a connection of the request's target (``reads_from``).

    Offers what the server uses of a pool: ``connection()`` and ``get_stats()`` (the primary's;
    ``/metrics`` lists the replica's apart).
    """

    def __init__(
        self,
        primary: AsyncConnectionPool[AsyncConnection],
        replica: AsyncConnectionPool[AsyncConnection],
        state: ReplicaState,
        *,
        replica_wait_s: float,
    ) -> None:
        self.primary, self.replica, self.state = primary, replica, state
        self.replica_wait_s = replica_wait_s

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[AsyncConnection]:
        """Yield a connection of the request's target; the primary's if the replica fails."""
        pool, conn = await self._checkout(timeout)
        try:
            async with conn:
                yield conn
        finally:
            await pool.putconn(conn)

    async def _checkout(
        self, timeout: float | None
    ) -> tuple[AsyncConnectionPool[AsyncConnection], AsyncConnection]:
        if current_target(self.state) == "replica":
            wait_s = self.replica_wait_s if timeout is None else min(timeout, self.replica_wait_s)
            try:
                return self.replica, await self.replica.getconn(wait_s)
            except (psycopg.Error, PoolTimeout) as error:
                self._fall_back(error)
        return self.primary, await self.primary.getconn(timeout)

    def _fall_back(self, error: Exception) -> None:
        self.state.down(f"no connection ({type(error).__name__})")
        self.state.fallbacks += 1
        reads_from.set("primary")  # the rest of the request reads there too

    def get_stats(self) -> dict[str, int]:
        """Return the primary pool's figures."""
        return self.primary.get_stats()

    async def close(self) -> None:
        """Close both pools."""
        await self.replica.close()
        await self.primary.close()


class RoutedSessions:
    """A session factory whose sessions read from the request's target (``reads_from``).

    A replica session checks its connection out at once: a replica that is gone is seen here,
    and the session is the primary's instead.
    """

    def __init__(
        self,
        primary: sessionmaker[Session],
        replica: sessionmaker[Session],
        state: ReplicaState,
    ) -> None:
        self.primary, self.replica, self.state = primary, replica, state

    def __call__(self) -> Session:
        """Return a new session of the request's target."""
        if current_target(self.state) != "replica":
            return self.primary()
        session = self.replica()
        try:
            session.connection()
        except (exc.OperationalError, exc.TimeoutError) as error:
            session.close()
            self.state.down(f"no connection ({type(error).__name__})")
            self.state.fallbacks += 1
            reads_from.set("primary")
            return self.primary()
        return session


class _Clock(Protocol):
    async def current(self, pool: Any) -> int: ...


class RoutedClock:
    """The tile cache's data-version clock, one per server, so a key names its tile's data.

    A tile made on a lagging replica must not be cached under the primary's newer version. A
    replica clock read that fell back to the primary is thrown away, since the primary's version
    may be ahead of the replica's data.
    """

    def __init__(self, primary: _Clock, make_clock: Any, state: ReplicaState) -> None:
        self.primary, self.state = primary, state
        self.make_clock = make_clock
        self.replica: _Clock = make_clock()

    async def current(self, pool: Any) -> int:
        """Return the data version of the server the request reads from."""
        if current_target(self.state) != "replica":
            return await self.primary.current(pool)
        value = await self.replica.current(pool)
        if current_target(self.state) != "replica":
            self.replica = self.make_clock()
        return value
