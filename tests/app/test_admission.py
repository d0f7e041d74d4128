import asyncio

import pytest
from async_pool import run_async

from app.db.admission import ClientGone, InFlight


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
