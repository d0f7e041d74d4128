import asyncio
from typing import Any

from async_pool import run_async, with_read_pool
from sqlalchemy import Engine

from app.db.admission import InFlight
from app.db.engine import make_read_engine
from app.services import proposal_check

BODY = (
    b'{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": '
    b"[[[104.12, 22.28], [104.16, 22.28], [104.16, 22.32], [104.12, 22.32], [104.12, 22.28]]]}}"
)


def test_in_flight_counts_the_checks_running_at_once():
    async def run() -> list[int]:
        in_flight = InFlight(4)
        seen = []
        async with in_flight.entered() as first, in_flight.entered() as second:
            seen += [first, second]
        async with in_flight.entered() as again:
            seen.append(again)
        return seen

    assert run_async(run()) == [1, 2, 1]


def test_in_flight_admits_at_most_its_limit():
    async def run() -> tuple[bool, bool]:
        in_flight = InFlight(1)
        admitted = asyncio.Event()

        async def second() -> None:
            async with in_flight.entered():
                admitted.set()

        async with in_flight.entered():
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.2)
            while_taken = admitted.is_set()  # the only slot is taken
        await asyncio.wait_for(waiting, 5)
        return while_taken, admitted.is_set()

    assert run_async(run()) == (False, True)


def test_a_check_gives_the_same_answer_alone_and_beside_another(engine: Engine, database_url: str):
    async def body(pool: Any) -> tuple[Any, Any]:
        in_flight = InFlight(4)

        async def check() -> proposal_check.CheckRun:
            return await proposal_check.run_pooled(
                pool,
                make_read_engine(engine),
                in_flight,
                BODY,
                "p.geojson",
                crs=None,
                max_bytes=10**6,
                with_pieces=True,
            )

        alone = await check()  # split over three connections
        async with in_flight.entered():  # another check is running: one connection, in sequence
            beside = await check()
        return alone, beside

    alone_run, beside_run = with_read_pool(database_url, body)
    alone, beside = alone_run.checked.report, beside_run.checked.report
    assert alone.model_dump(exclude={"forest"}) == beside.model_dump(exclude={"forest"})
    assert alone.forest.forest_total_ha > 0
    assert abs(alone.forest.forest_total_ha - beside.forest.forest_total_ha) < 1e-9
    assert [c.category for c in alone.forest.by_category] == [
        c.category for c in beside.forest.by_category
    ]
    assert alone_run.pieces and alone_run.pieces == beside_run.pieces


def test_a_large_upload_is_read_off_the_event_loop(engine: Engine, database_url: str):
    padded = BODY[:-1] + b', "padding": "' + b"x" * proposal_check.INLINE_READ_BYTES + b'"}'

    async def body(pool: Any) -> proposal_check.CheckRun:
        return await proposal_check.run_pooled(
            pool,
            make_read_engine(engine),
            InFlight(1),
            padded,
            "big.geojson",
            crs=None,
            max_bytes=10**6,
        )

    assert with_read_pool(database_url, body).checked.report.area_ha > 1000
