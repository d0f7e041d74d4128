"""Admission control for CPU-heavy database work awaited on the event loop.

Sixteen requests sharing two cores all slow down together, and the operating system's time
slices spread their latencies: a heavy one runs at a sixteenth of a core for its whole length.
Admitted a few at a time, in order, each runs nearly at full speed while the rest wait in line,
and fewer backends share the CPU caches: a tighter tail at the same or better throughput. Proposal
checks and vector tiles each have their own ``InFlight`` (bench/README.md has the figures).

Costly proposal checks (thousands of vertices) have a lane of their own, ``HeavyLane``: few at
once on the whole database (``DatabaseSlots``), so they queue behind each other rather than in
front of the short requests (issue 18's mixed load).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.types import Receive

T = TypeVar("T")
AsyncConnection = psycopg.AsyncConnection[tuple[Any, ...]]

CLIENT_CLOSED_REQUEST = 499
"""Status logged for work not done because its client had gone (nginx's convention)."""


class ClientGone(Exception):  # noqa: N818 (an event, not an error)
    """The client disconnected while its request waited for a slot: the work is not started."""


class InFlight:
    """Admits at most ``limit`` requests to the database at once, and counts them.

    For the event loop that runs the requests.
    """

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._count = 0

    @asynccontextmanager
    async def entered(
        self,
        client_gone: Callable[[], Awaitable[bool]] | None = None,
        *,
        ask_after_s: float = 0.0,
    ) -> AsyncIterator[int]:
        """Wait for a slot, then count the request while the block runs.

        Yields how many admitted requests run, this one included. With ``client_gone`` (such as
        ``Request.is_disconnected``), asked once the slot is free if the request waited at
        least ``ask_after_s``: a map that panned away, a planner who closed the page or a load
        generator that stopped has no use for the work, so ``ClientGone`` is raised instead of
        doing it ahead of live requests. (Starlette's question costs about 0.1 ms of the event
        loop; work as short as a proposal check asks only after a long wait.)
        """
        started = time.monotonic()
        async with self._slots:
            await _leave_if_gone(client_gone, started, ask_after_s)
            self._count += 1
            try:
                yield self._count
            finally:
                self._count -= 1


async def _leave_if_gone(
    client_gone: Callable[[], Awaitable[bool]] | None, started: float, ask_after_s: float
) -> None:
    """Raise ``ClientGone`` if a request that waited ``ask_after_s`` or more has no client left.

    Raises:
        ClientGone: when ``client_gone`` says so.
    """
    if client_gone is None or time.monotonic() - started < ask_after_s:
        return
    if await client_gone():
        raise ClientGone


async def _disconnected(receive: Receive) -> None:
    """Return when the ASGI server says the client has gone (the body was read before)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def until_client_leaves(receive: Receive, work: Awaitable[T]) -> T:
    """Await ``work``, cancelling it if the client disconnects first.

    Cancelling a task that awaits psycopg cancels its query in PostgreSQL, so a 20 000-vertex
    proposal whose client left stops using the CPU at once. Only for requests whose body has
    been read: after it, the server's ``receive`` answers only when the client goes. The work
    runs in the request's own task, and one watcher task cancels it: about 20 µs, where a task
    for the work and ``asyncio.wait`` cost 70 (bench/ops_overhead.py).

    Raises:
        ClientGone: the client left before the work was done.
    """
    task = asyncio.current_task()
    assert task is not None  # called from a request's task
    gone: list[bool] = []

    async def watch() -> None:
        await _disconnected(receive)
        gone.append(True)
        task.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if gone and task.uncancel() == 0:  # our cancellation, nobody else's
            raise ClientGone from None
        raise
    finally:
        watcher.cancel()


ADVISORY_CLASS: Final = 0x73726731
"""First key of the advisory locks that stand for database-wide slots ("srg1")."""


class DatabaseSlots:
    """At most ``limit`` holders at once among every server process of one database.

    Each slot is a session advisory lock (``ADVISORY_CLASS``, slot number) on a connection of
    ``pool``, held while the work runs: the processes of one machine and of several share it,
    and a process that dies releases its slots with its sessions. A waiter tries the slots every
    ``poll_s`` on the connection it will hold (one ``pg_try_advisory_lock`` per slot).
    """

    def __init__(
        self, pool: AsyncConnectionPool[AsyncConnection], limit: int, *, poll_s: float = 0.05
    ) -> None:
        self._pool = pool
        self._limit = limit
        self._poll_s = poll_s

    @asynccontextmanager
    async def held(self) -> AsyncIterator[int]:
        """Wait for a free slot, hold it while the block runs; yield its number."""
        async with self._pool.connection() as conn:
            try:
                slot = await self._take(conn)
            except BaseException:  # cancelled: a lock may have been taken as the wait ended
                await conn.close()
                raise
            try:
                yield slot
            finally:
                await _unlock(conn, slot)

    async def _take(self, conn: AsyncConnection) -> int:
        while True:
            for slot in range(self._limit):
                cursor = await conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (ADVISORY_CLASS, slot), prepare=True
                )
                row = await cursor.fetchone()
                if row is not None and row[0]:
                    return slot
            await asyncio.sleep(self._poll_s)


async def _unlock(conn: AsyncConnection, slot: int) -> None:
    """Release ``slot``, even when the request is being cancelled; else end the session.

    An advisory lock outlives the statement and goes back to the pool with its connection:
    a lock left on a pooled connection would take the slot for good.
    """

    async def unlock() -> None:
        try:
            await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (ADVISORY_CLASS, slot))
        except BaseException:
            await conn.close()  # the session ends, and its locks with it
            raise

    await asyncio.shield(asyncio.ensure_future(unlock()))


class HeavyLane(InFlight):
    """Admission of the costly proposal checks, apart from the ordinary ones.

    At most ``limit`` run in this process (in order of arrival) and at most ``slots``'s limit
    on the whole database. A costly check holds a core for most of a second: with a lane of
    their own, four at once wait their turn instead of taking every slot (and every core) from
    the short checks, items and tiles. The yielded count is one more than the checks running
    in the lane: a costly check is never "alone" and so never spreads over every core
    (``services.proposal_check`` splits only a check that runs alone).
    """

    def __init__(self, limit: int, slots: DatabaseSlots) -> None:
        super().__init__(limit)
        self._database = slots

    @asynccontextmanager
    async def entered(
        self,
        client_gone: Callable[[], Awaitable[bool]] | None = None,
        *,
        ask_after_s: float = 0.0,
    ) -> AsyncIterator[int]:
        """Wait for this process's turn, then for a database-wide slot (see ``InFlight``)."""
        started = time.monotonic()
        async with super().entered() as running, self._database.held():
            await _leave_if_gone(client_gone, started, ask_after_s)
            yield running + 1


@dataclass(frozen=True)
class CheckLanes:
    """Where a proposal check waits: with the ordinary checks, or, costly, in the heavy lane."""

    ordinary: InFlight
    heavy: InFlight | None
    heavy_vertices: int

    def lane(self, vertices: int) -> InFlight:
        """Return the admission of a check of about ``vertices`` vertices."""
        if self.heavy is not None and vertices >= self.heavy_vertices:
            return self.heavy
        return self.ordinary
