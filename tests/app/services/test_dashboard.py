"""The dashboard's figures are kept per report date and data version."""

from datetime import date

from history_writes import demo_site_code, move_site
from sqlalchemy.orm import Session

from app.services import dashboard


def test_dashboard_figures_are_computed_once_per_data_version(db_session: Session):
    day = date(2026, 7, 1)
    dashboard._FIGURES.clear()  # the cache's bound may not clear it midway through this test
    first = dashboard.build(db_session, as_of=day)
    entries = len(dashboard._FIGURES)
    assert dashboard.build(db_session, as_of=day) == first
    assert len(dashboard._FIGURES) == entries  # the second answer came from the cache
    move_site(db_session, demo_site_code(db_session), dx_deg=0.5)
    after = dashboard.build(db_session, as_of=day)
    assert len(dashboard._FIGURES) == entries + 1  # a write moved the data version
    assert after.forest_totals != first.forest_totals or after.targets != first.targets
