"""Run asyncio code, and code against the asyncio read pool, from synchronous tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.db.read_pool import make_read_pool

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a thread of its own.

    The browser tests' Playwright keeps an event loop running on the main thread, and
    ``asyncio.run`` refuses to start beside it.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, main).result()


def with_read_pool(
    database_url: str, body: Callable[[Any], Awaitable[T]], *, max_size: int = 4, **options: Any
) -> T:
    """Open a read pool on ``database_url``, await ``body(pool)``, close the pool; return it."""

    async def run() -> T:
        pool = make_read_pool(database_url, max_size=max_size, **options)
        await pool.open(wait=True)
        try:
            return await body(pool)
        finally:
            await pool.close()

    return run_async(run())
