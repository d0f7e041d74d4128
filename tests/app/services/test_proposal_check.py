import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from app.db.engine import make_read_engine
from app.services import proposal_check


def test_in_flight_counts_the_checks_running_at_once():
    in_flight = proposal_check.InFlight(4)
    with in_flight.entered() as first:
        assert first == 1
        with in_flight.entered() as second:
            assert second == 2
    with in_flight.entered() as again:
        assert again == 1


def test_in_flight_admits_at_most_its_limit():
    in_flight = proposal_check.InFlight(1)
    admitted = threading.Event()

    def second() -> None:
        with in_flight.entered():
            admitted.set()

    with in_flight.entered():
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not admitted.wait(0.2)  # the only slot is taken
    waiting.join(5)
    assert admitted.is_set()


def test_a_check_gives_the_same_answer_alone_and_beside_another(engine: Engine):
    body = (
        b'{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": '
        b"[[[104.12, 22.28], [104.16, 22.28], [104.16, 22.32], [104.12, 22.32], [104.12, 22.28]]]}}"
    )
    read_engine = make_read_engine(engine)
    in_flight = proposal_check.InFlight(4)
    with ThreadPoolExecutor(max_workers=2) as executor:

        def check() -> proposal_check.CheckRun:
            return proposal_check.run_on_engine(
                read_engine, executor, in_flight, body, "p.geojson", crs=None, max_bytes=10**6
            )

        alone = check().checked.report  # split over three connections
        with in_flight.entered():  # another check is running: one connection, in sequence
            beside = check().checked.report
    assert alone.model_dump(exclude={"forest"}) == beside.model_dump(exclude={"forest"})
    assert alone.forest.forest_total_ha > 0
    assert abs(alone.forest.forest_total_ha - beside.forest.forest_total_ha) < 1e-9
    assert [c.category for c in alone.forest.by_category] == [
        c.category for c in beside.forest.by_category
    ]
