import asyncio
from typing import Any

import pytest
from async_pool import run_async, with_read_pool

from app.db.admission import (
    CheckLanes,
    ClientGone,
    DatabaseSlots,
    HeavyLane,
    InFlight,
    until_client_leaves,
)
from app.db.read_pool import fetch_one_prepared, make_read_pool


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


def test_database_slots_admit_at_most_their_limit_across_pools(database_url: str):
    # Two pools stand for two server processes: the slots are the database's, not a pool's.
    async def body(first: Any) -> list[int]:
        second = make_read_pool(database_url, max_size=2)
        await second.open(wait=True)
        slots = [DatabaseSlots(first, 1, poll_s=0.01), DatabaseSlots(second, 1, poll_s=0.01)]
        running: list[int] = []
        peak: list[int] = []

        async def hold(slots_of_a_process: DatabaseSlots) -> None:
            async with slots_of_a_process.held():
                running.append(1)
                peak.append(len(running))
                await asyncio.sleep(0.05)
                running.pop()

        try:
            await asyncio.gather(*(hold(slots[i % 2]) for i in range(4)))
        finally:
            await second.close()
        return peak

    assert with_read_pool(database_url, body, max_size=2) == [1, 1, 1, 1]


def test_database_slots_are_released_when_the_holder_is_cancelled(database_url: str):
    async def body(pool: Any) -> bool:
        slots = DatabaseSlots(pool, 1, poll_s=0.01)

        async def hold_forever() -> None:
            async with slots.held():
                await asyncio.sleep(30)

        holder = asyncio.create_task(hold_forever())
        await asyncio.sleep(0.2)
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
        async with asyncio.timeout(2), slots.held() as slot:  # free again, not leaked
            return slot == 0

    assert with_read_pool(database_url, body, max_size=2)


def test_a_costly_check_waits_in_its_own_lane_and_never_counts_as_alone(database_url: str):
    async def body(pool: Any) -> tuple[list[int], bool, bool]:
        ordinary = InFlight(1)
        lanes = CheckLanes(ordinary, HeavyLane(1, DatabaseSlots(pool, 1)), heavy_vertices=1000)
        counts = []
        async with lanes.lane(2000).entered() as heavy_running:
            counts.append(heavy_running)
            async with asyncio.timeout(1), lanes.lane(50).entered() as running:
                counts.append(running)  # the ordinary slot is not taken by the costly check
        return counts, lanes.lane(999) is ordinary, lanes.lane(1000) is not ordinary

    counts, small_is_ordinary, big_is_heavy = with_read_pool(database_url, body, max_size=2)
    assert counts == [2, 1]
    assert small_is_ordinary and big_is_heavy


def test_without_a_heavy_lane_every_check_is_ordinary():
    ordinary = InFlight(2)
    assert CheckLanes(ordinary, None, heavy_vertices=1000).lane(10_000) is ordinary
