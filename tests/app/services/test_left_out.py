"""An outline outside its province or Vietnam is left out of the province's totals, by name."""

from datetime import date

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.schemas.dashboard import TargetStanding
from app.services import dashboard
from app.services.reports import forest_overlap_report
from spatial.analysis import misplaced_sites

OUTSIDE = "CCN-QUANG-KIM-1"  # drawn ~0.9 km across the Red River border (data-quality.md)
DAY = date(2026, 12, 31)


def _build(session: Session) -> dashboard.Dashboard:
    dashboard._FIGURES.clear()  # the test's writes are never committed: no new data version
    return dashboard.build(session, as_of=DAY)


def _new_zones(figures: dashboard.Dashboard) -> TargetStanding:
    return next(t for t in figures.targets if t.metric == "new_zone_cluster_area_ha")


def test_the_demo_outline_outside_vietnam_is_found(db_session: Session):
    found = misplaced_sites.run(db_session.connection())
    assert [(s.code, s.province, s.place) for s in found] == [
        (OUTSIDE, "Lào Cai", "outside_vietnam")
    ]
    assert 50 < found[0].area_ha < 60


def test_the_forest_totals_leave_it_out_and_say_so(db_session: Session):
    sites = db_session.scalar(sa.text("SELECT count(*) FROM sites"))
    report = forest_overlap_report(db_session, area="geodesic")
    assert [site.code for site in report.left_out] == [OUTSIDE]
    assert report.totals.sites == sites - 1
    assert any(OUTSIDE in note and "outside Vietnam" in note for note in report.notes)
    assert [site.code for site in _build(db_session).left_out] == [OUTSIDE]


def test_a_new_zone_outside_vietnam_is_left_out_until_corrected(db_session: Session):
    db_session.execute(
        sa.text(
            "UPDATE sites SET status = 'established', established_on = '2026-06-01' "
            "WHERE code = :code"
        ),
        {"code": OUTSIDE},
    )
    before = _new_zones(_build(db_session))
    assert before.left_out_sites == [OUTSIDE] and OUTSIDE not in before.sites
    assert before.achieved == 0
    # Corrected: the outline now lies in Lào Cai (another cluster's ground, for the test).
    db_session.execute(
        sa.text(
            "UPDATE sites SET geom = (SELECT geom FROM sites WHERE code = 'CCN-AU-LAU') "
            "WHERE code = :code"
        ),
        {"code": OUTSIDE},
    )
    after = _new_zones(_build(db_session))
    assert after.left_out_sites == [] and OUTSIDE in after.sites and after.achieved
    assert _build(db_session).left_out == []


def test_the_api_and_dashboard_page_name_what_was_left_out(client: TestClient, db_session: Session):
    dashboard._FIGURES.clear()
    page = client.get("/dashboard", params={"lang": "en"}).text
    assert "Left out of the province&#39;s totals" in page or "Left out of the province's" in page
    assert OUTSIDE in page and "outline outside Vietnam" in page
    vi = client.get("/dashboard", params={"lang": "vi"}).text
    assert "ranh giới nằm ngoài Việt Nam" in vi
