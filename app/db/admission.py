"""Admission control for CPU-heavy database work awaited on the event loop.

Sixteen requests sharing two cores all slow down together, and the operating system's time
slices spread their latencies: a heavy one runs at a sixteenth of a core for its whole length.
Admitted a few at a time, in order, each runs nearly at full speed while the rest wait in line,
and fewer backends share the CPU caches: a tighter tail at the same or better throughput. Proposal
checks and vector tiles each have their own ``InFlight`` (bench/README.md has the figures).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.types import Receive

T = TypeVar("T")

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
            if (
                client_gone is not None
                and time.monotonic() - started >= ask_after_s
                and await client_gone()
            ):
                raise ClientGone
            self._count += 1
            try:
                yield self._count
            finally:
                self._count -= 1


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
