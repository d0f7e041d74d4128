import asyncio
from typing import Any

import pytest
from async_pool import run_async, with_read_pool

from app.db.admission import ClientGone, InFlight, until_client_leaves
from app.db.read_pool import fetch_one_prepared


def test_a_client_gone_before_its_slot_raises_and_frees_the_slot():
    async def scenario() -> list[int]:
        in_flight = InFlight(1)

        async def gone() -> bool:
            return True

        async def still_there() -> bool:
            return False

        with pytest.raises(ClientGone):
            async with in_flight.entered(gone):
                raise AssertionError("the work of a client that left was started")
        counts = []
        async with in_flight.entered(still_there) as running:
            counts.append(running)
        async with asyncio.timeout(1):  # the single slot is free again, not leaked
            async with in_flight.entered() as running:
                counts.append(running)
        return counts

    assert run_async(scenario()) == [1, 1]


def test_a_request_admitted_at_once_does_not_ask_about_its_client_before_its_wait_is_long():
    asked: list[bool] = []

    async def gone() -> bool:
        asked.append(True)
        return True

    async def scenario() -> None:
        in_flight = InFlight(1)
        async with in_flight.entered(gone, ask_after_s=60.0):
            pass  # no wait at all: the work goes ahead without asking
        async with in_flight.entered() as _:
            waiting = asyncio.create_task(_enter(in_flight, gone))
            await asyncio.sleep(0.05)
        with pytest.raises(ClientGone):
            await waiting

    async def _enter(in_flight: InFlight, client_gone) -> None:
        async with in_flight.entered(client_gone, ask_after_s=0.01):
            raise AssertionError("the work of a client that left was started")

    run_async(scenario())
    assert asked == [True]  # asked once: by the request that waited 50 ms


def _leaves_after(seconds: float):  # type: ignore[no-untyped-def]
    async def receive() -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"type": "http.disconnect"}

    return receive


def test_until_client_leaves_returns_the_work_of_a_client_that_stays():
    async def work() -> int:
        return 42

    assert run_async(until_client_leaves(_leaves_after(10), work())) == 42


def test_until_client_leaves_cancels_the_work_of_a_client_that_left():
    cancelled: list[bool] = []

    async def work() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(ClientGone):
        run_async(until_client_leaves(_leaves_after(0.05), work()))
    assert cancelled == [True]


def test_until_client_leaves_cancels_the_query_in_postgresql(database_url: str):
    async def body(pool: Any) -> list[tuple[Any, ...]]:
        sleeping = fetch_one_prepared(pool, "SELECT pg_sleep(30) /* sitereg-cancel-test */", {})
        with pytest.raises(ClientGone):
            await until_client_leaves(_leaves_after(0.3), sleeping)
        async with pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active'"
                " AND query LIKE '%sitereg-cancel-test%' AND pid <> pg_backend_pid()"
            )
            return await cursor.fetchall()

    assert with_read_pool(database_url, body, max_size=2) == []
