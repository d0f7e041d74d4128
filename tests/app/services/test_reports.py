"""Report services: one site's clearance, and the forest pieces of one site."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.repositories import NotFound
from app.services import reports

DAY = date(2026, 7, 1)


def test_site_clearance_matches_its_row_of_the_whole_report(db_session: Session):
    report = reports.clearance_report(db_session, as_of=DAY)
    row = report.sites[0]
    one = reports.site_clearance(db_session, row.site_code, as_of=DAY)
    assert one is not None
    # PostgreSQL may add the parcels' hectares in another order: equal to the last float bits.
    mine, theirs = one.model_dump(), row.model_dump()
    assert mine.keys() == theirs.keys()
    for key, value in theirs.items():
        assert mine[key] == (pytest.approx(value) if isinstance(value, float) else value), key


def test_site_clearance_of_a_site_without_parcels_is_none(db_session: Session):
    assert reports.site_clearance(db_session, "KCN-NOWHERE", as_of=DAY) is None


def test_site_forest_pieces_unknown_site_raises_not_found(db_session: Session):
    with pytest.raises(NotFound):
        reports.site_forest_pieces(db_session, "KCN-NOWHERE")
