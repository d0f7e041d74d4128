from datetime import date

from factories import ORIGIN, make_parcel, make_site, square
from geodesic import close, geodesic_ha
from sqlalchemy.orm import Session

from spatial.analysis import clearance_progress

X, Y = ORIGIN


def _status_ha(db_session: Session, as_of: date) -> dict[str, float]:
    rows = clearance_progress.run(db_session.connection(), as_of=as_of, site_codes=["TEST-GPMB"])
    return {row.status: row.area_ha for row in rows}


def test_clearance_as_of_follows_each_parcels_history(db_session: Session):
    site = make_site(db_session, "TEST-GPMB", square(X, Y, 0.02), planned_area_ha=480.0)
    first, second = square(X, Y, 0.01), square(X + 0.01, Y, 0.01)
    make_parcel(
        db_session,
        "TEST-GPMB-P1",
        site,
        first,
        [
            ("not_started", date(2025, 1, 1)),
            ("compensating", date(2025, 6, 1)),
            ("cleared", date(2026, 3, 1)),
            ("handed_over", date(2026, 8, 1)),
        ],
    )
    make_parcel(db_session, "TEST-GPMB-P2", site, second, [("compensating", date(2026, 2, 1))])

    assert _status_ha(db_session, date(2024, 12, 31)).keys() == {"not_started"}
    mid = _status_ha(db_session, date(2026, 3, 15))
    assert close(mid["cleared"], geodesic_ha(first))
    assert close(mid["compensating"], geodesic_ha(second))
    late = _status_ha(db_session, date(2026, 9, 1))
    assert close(late["handed_over"], geodesic_ha(first))
    assert "cleared" not in late


def test_clearance_same_day_steps_take_the_furthest_status(db_session: Session):
    site = make_site(db_session, "TEST-GPMB", square(X, Y, 0.01))
    make_parcel(
        db_session,
        "TEST-GPMB-P1",
        site,
        square(X, Y, 0.01),
        [
            ("compensating", date(2026, 5, 1)),
            ("cleared", date(2026, 5, 1)),
        ],
    )
    assert _status_ha(db_session, date(2026, 5, 1)).keys() == {"cleared"}
