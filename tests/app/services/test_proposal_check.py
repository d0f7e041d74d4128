import asyncio
import json
from typing import Any

import sqlalchemy as sa
from async_pool import run_async, with_read_pool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.admission import InFlight
from app.models.reference import ForestParcel
from app.schemas.analysis import ProposalCheck
from app.services import proposal_check
from app.services.reports import NO_FOREST_NOTE, SYNTHETIC_NOTE

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
            InFlight(1),
            padded,
            "big.geojson",
            crs=None,
            max_bytes=10**6,
        )

    assert with_read_pool(database_url, body).checked.report.area_ha > 1000


def _polygon_body(west: float, south: float, size: float) -> bytes:
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size]]
    ring.append(ring[0])
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return json.dumps({"type": "Feature", "properties": {}, "geometry": geometry}).encode()


def _check(session: Session, body: bytes) -> ProposalCheck:
    return proposal_check.run(
        session.connection(), body, "de-xuat.geojson", crs=None, max_bytes=1_000_000
    ).report


def test_a_check_on_the_demo_layers_says_the_forest_is_synthetic(db_session: Session):
    report = _check(db_session, BODY)
    assert report.forest.forest_total_ha > 0
    assert report.notes == [SYNTHETIC_NOTE]


def test_a_check_against_an_empty_forest_layer_says_its_zeros_mean_nothing(db_session: Session):
    db_session.execute(sa.delete(ForestParcel))
    report = _check(db_session, BODY)
    assert report.forest.forest_total_ha == 0 and report.forest_datasets == []
    assert report.notes == [NO_FOREST_NOTE]


def test_a_check_outside_the_loaded_provinces_says_why_it_has_no_vn2000_area(db_session: Session):
    report = _check(db_session, _polygon_body(106.60, 10.75, 0.02))  # Hồ Chí Minh City
    assert report.province is None and report.area_vn2000_ha is None
    [note] = [n for n in report.notes if "area_vn2000_ha" in n]
    assert "none of the provinces loaded" in note and "EPSG:9208" in note


def test_a_check_in_a_province_without_a_recorded_zone_names_it(db_session: Session):
    report = _check(db_session, _polygon_body(104.87, 22.32, 0.02))  # Tuyên Quang (2025)
    assert report.province == "Tuyên Quang" and report.area_vn2000_ha is None
    assert any("no VN-2000 TM-3 zone is recorded for Tuyên Quang" in n for n in report.notes)


def test_a_check_with_a_zone_has_no_zone_note(db_session: Session):
    report = _check(db_session, BODY)
    assert report.vn2000_zone == "EPSG:9208" and report.area_vn2000_ha is not None
    assert not any("area_vn2000_ha" in n for n in report.notes)
