"""Admission control for CPU-heavy database work awaited on the event loop.

Sixteen requests sharing two cores all slow down together, and the operating system's time
slices spread their latencies: a heavy one runs at a sixteenth of a core for its whole length.
Admitted a few at a time, in order, each runs nearly at full speed while the rest wait in line,
and fewer backends share the CPU caches: a tighter tail at the same or better throughput. Proposal
checks and vector tiles each have their own ``InFlight`` (bench/README.md has the figures).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class InFlight:
    """Admits at most ``limit`` requests to the database at once, and counts them.

    For the event loop that runs the requests.
    """

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._count = 0

    @asynccontextmanager
    async def entered(self) -> AsyncIterator[int]:
        """Wait for a slot, then count the request while the block runs.

        Yields how many admitted requests run, this one included.
        """
        async with self._slots:
            self._count += 1
            try:
                yield self._count
            finally:
                self._count -= 1
