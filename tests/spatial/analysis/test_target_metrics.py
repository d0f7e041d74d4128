from datetime import date

import sqlalchemy as sa
from factories import ORIGIN, make_site, square
from geodesic import close, geodesic_ha
from sqlalchemy.orm import Session

from app.models import RelocationDetails, ZoneDetails
from spatial.analysis import target_metrics

X, Y = ORIGIN
YEAR = 2031  # no demo site has a decision or a deadline in this year


def _metrics(db_session: Session) -> dict[str, target_metrics.TargetMetric]:
    return target_metrics.run(db_session.connection(), year=YEAR)


def test_target_metrics_new_zone_area_counts_founded_and_built_only(db_session: Session):
    founded = date(YEAR, 3, 1)
    make_site(
        db_session, "T-KCN-NEW", square(X, Y, 0.01), kind="industrial_zone",
        status="established", established_on=founded, planned_area_ha=120.0,
    )  # fmt: skip
    unstated = square(X + 0.02, Y, 0.01)
    make_site(db_session, "T-CCN-NEW", unstated, status="operating", established_on=founded)
    make_site(db_session, "T-CCN-PLAN", square(X, Y + 0.02, 0.01), established_on=founded)
    make_site(
        db_session, "T-CCN-EXP", square(X, Y + 0.04, 0.01), status="expanding",
        established_on=founded, planned_area_ha=50.0,
    )  # fmt: skip
    make_site(
        db_session, "T-KCN-OLD", square(X, Y + 0.06, 0.01), kind="industrial_zone",
        status="established", established_on=date(YEAR - 1, 12, 31), planned_area_ha=70.0,
    )  # fmt: skip

    new_zones = _metrics(db_session)["new_zone_cluster_area_ha"]

    assert new_zones.counted == 2
    assert close(new_zones.achieved, 120.0 + geodesic_ha(unstated))


def test_target_metrics_new_zone_area_counts_a_phase_once_with_its_zone(db_session: Session):
    founded = date(YEAR, 3, 1)
    zone = make_site(
        db_session, "T-KCN-WHOLE", square(X, Y, 0.02), kind="industrial_zone",
        status="established", established_on=founded, planned_area_ha=500.0,
    )  # fmt: skip
    make_site(
        db_session, "T-KCN-WHOLE-GD1", square(X, Y, 0.01), kind="industrial_zone",
        status="established", established_on=founded, planned_area_ha=500.0,
        part_of_site_id=zone.id, part_relation="phase",
    )  # fmt: skip

    new_zones = _metrics(db_session)["new_zone_cluster_area_ha"]

    assert (new_zones.counted, new_zones.achieved) == (1, 500.0)  # not 1 000 ha


def test_target_metrics_a_later_legal_basis_is_not_a_founding(db_session: Session):
    adjusted = date(YEAR, 2, 25)  # a plan adjustment naming an old zone
    make_site(
        db_session, "T-KCN-ADJUSTED", square(X, Y, 0.01), kind="industrial_zone",
        status="established", legal_decision_date=adjusted, planned_area_ha=400.0,
        established_before=adjusted,
    )  # fmt: skip

    plan = date(YEAR, 3, 26)  # the plan's own date, after the adjustment
    from_plan = target_metrics.run(db_session.connection(), year=YEAR, period_start=plan)
    assert from_plan["new_zone_cluster_area_ha"].counted == 0  # established by then: not new
    assert from_plan["new_zone_cluster_area_ha"].unknown == 0
    whole_year = _metrics(db_session)["new_zone_cluster_area_ha"]
    assert whole_year.unknown == 1  # established by 25 Feb: maybe in January, maybe before
    make_site(
        db_session, "T-KCN-NODATE", square(X + 0.02, Y, 0.01), kind="industrial_zone",
        status="established", legal_decision_date=adjusted, planned_area_ha=100.0,
    )  # fmt: skip

    unknown = target_metrics.run(db_session.connection(), year=YEAR, period_start=plan)
    figure = unknown["new_zone_cluster_area_ha"]
    assert (figure.achieved, figure.counted, figure.unknown) == (None, 0, 1)  # no data, not 0


def test_target_metrics_relocations_done_over_due(db_session: Session):
    moved = make_site(db_session, "T-OLD-1", square(X, Y, 0.01), status="relocated")
    staying = make_site(db_session, "T-OLD-2", square(X + 0.02, Y, 0.01), status="relocating")
    later = make_site(db_session, "T-OLD-3", square(X + 0.04, Y, 0.01), status="relocated")
    for index, (source, deadline) in enumerate(
        ((moved, date(YEAR, 12, 31)), (staying, date(YEAR, 6, 30)), (later, date(YEAR + 1, 1, 1)))
    ):
        area = make_site(
            db_session, f"T-RELOC-{index}", square(X, Y + 0.02 * (index + 1), 0.01),
            kind="relocation_area",
        )  # fmt: skip
        db_session.add(
            RelocationDetails(site_id=area.id, moved_from_site_id=source.id, deadline=deadline)
        )
    db_session.flush()

    relocations = _metrics(db_session)["relocations_completed"]

    assert (relocations.achieved, relocations.counted) == (1.0, 2)


def test_target_metrics_wastewater_share_of_established_kcn(db_session: Session):
    before = _metrics(db_session)["kcn_compliant_wastewater_pct"]
    compliant_before = round((before.achieved or 0) * before.counted / 100)
    for code, status, plant in (
        ("T-KCN-OK", "operating", "operating_compliant"),
        ("T-KCN-BAD", "established", "operating_non_compliant"),
        ("T-KCN-PLAN", "planned", "operating_compliant"),
        ("T-KCN-UNKNOWN", "operating", None),
    ):
        site = make_site(
            db_session, code, square(X, Y, 0.01), kind="industrial_zone", status=status
        )
        if plant is not None:
            db_session.add(ZoneDetails(site_id=site.id, wastewater_status=plant))
    db_session.flush()

    after = _metrics(db_session)["kcn_compliant_wastewater_pct"]

    assert after.counted == before.counted + 2
    assert after.unknown == before.unknown + 1  # not recorded: counted apart, never as 0
    assert after.achieved is not None
    assert close(after.achieved, 100.0 * (compliant_before + 1) / after.counted)


def test_wastewater_with_no_recorded_status_is_no_data_not_zero(db_session: Session):
    db_session.execute(sa.text("DELETE FROM zone_details"))
    make_site(
        db_session, "T-KCN-NODATA", square(X, Y, 0.01), kind="industrial_zone", status="operating"
    )
    db_session.flush()

    figure = _metrics(db_session)["kcn_compliant_wastewater_pct"]

    assert figure.achieved is None and figure.counted == 0 and figure.unknown >= 1
