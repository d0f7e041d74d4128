"""How each outline's location is known, and what that does to findings (issue 17).

Against the real demo data: surveyed and digitized outlines follow their geometry source (a
trigger), indicative ones are placed as ``data/curated/site_locations.csv`` says, and an overlap
with an outline that is only placed is reported as "location uncertain", never as a finding.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from factories import ORIGIN, make_site, square
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.schemas.analysis import PlanOverlapReport, ProposalCheck

X, Y = ORIGIN


def _confidence(db_session: Session, code: str) -> str:
    return str(
        db_session.execute(
            sa.text("SELECT location_confidence FROM sites WHERE code = :c"), {"c": code}
        ).scalar_one()
    )


def test_location_follows_a_surveyed_or_digitized_source_and_is_curated_otherwise(
    db_session: Session,
):
    assert _confidence(db_session, "KCN-TANG-LOONG") == "surveyed"
    assert _confidence(db_session, "CCN-THONG-NHAT") == "commune"
    assert _confidence(db_session, "KCN-THONG-NHAT") == "unknown"
    assert _confidence(db_session, "MINE-DONG-PAO") == "site_point"
    make_site(db_session, "T-LOC-NEW", square(X, Y, 0.01))  # indicative by default
    assert _confidence(db_session, "T-LOC-NEW") == "unknown"
    db_session.execute(
        sa.text("UPDATE sites SET geometry_source = 'surveyed' WHERE code = 'T-LOC-NEW'")
    )
    assert _confidence(db_session, "T-LOC-NEW") == "surveyed"
    db_session.execute(
        sa.text("UPDATE sites SET geometry_source = 'indicative' WHERE code = 'T-LOC-NEW'")
    )
    assert _confidence(db_session, "T-LOC-NEW") == "unknown"  # a survey's word no longer holds


def test_plan_overlaps_with_a_placed_outline_are_location_uncertain(client: TestClient):
    report = PlanOverlapReport.model_validate(client.get("/api/v1/reports/plan-overlaps").json())
    findings = {(o.site_a, o.site_b): o.finding for o in report.overlaps}
    assert findings[("CCN-THONG-NHAT", "KCN-PHU-XUAN-1")] == "location_uncertain"
    assert findings[("CCN-CHAU-QUE", "KCN-VUNG-THUONG-VAN-YEN-SAU-2030")] == "conflict"
    assert findings[("KCN-VO-LAO-GD1", "KCN-VO-LAO-TOAN-KHU")] == "explained"


def _check(client: TestClient, code: str, db_session: Session) -> ProposalCheck:
    inside = db_session.execute(
        sa.text("SELECT ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(geom), 0.002)) FROM sites "
                "WHERE code = :c"),
        {"c": code},
    ).scalar_one()  # fmt: skip
    body = {"type": "Feature", "properties": {}, "geometry": json.loads(inside)}
    response = client.post(
        "/api/v1/analysis/check",
        content=json.dumps(body),
        headers={"content-type": "application/geo+json"},
    )
    assert response.status_code == 200, response.text
    return ProposalCheck.model_validate(response.json())


def test_a_proposal_over_a_placed_outline_is_location_uncertain(
    client: TestClient, db_session: Session
):
    placed = _check(client, "KCN-BAT-XAT", db_session)
    hit = next(s for s in placed.sites if s.code == "KCN-BAT-XAT")
    assert (hit.location_confidence, hit.finding) == ("commune", "location_uncertain")
    surveyed = _check(client, "KCN-TANG-LOONG", db_session)
    hit = next(s for s in surveyed.sites if s.code == "KCN-TANG-LOONG")
    assert (hit.location_confidence, hit.finding) == ("surveyed", "conflict")


def test_site_page_says_how_the_location_is_known(client: TestClient):
    text = client.get("/sites/KCN-THONG-NHAT?lang=en").text
    assert "How the location is known" in text and "unknown (a placeholder)" in text


def test_a_proposal_around_a_protected_area_known_only_by_its_point_is_told_so(
    client: TestClient,
):
    # The 856 ha rectangle of the issue that contains Hoàng Liên National Park's locator point.
    rectangle = {
        "type": "Polygon",
        "coordinates": [
            [[103.76, 22.29], [103.79, 22.29], [103.79, 22.318], [103.76, 22.318], [103.76, 22.29]]
        ],
    }
    response = client.post(
        "/api/v1/analysis/check",
        content=json.dumps({"type": "Feature", "properties": {}, "geometry": rectangle}),
        headers={"content-type": "application/geo+json"},
    )
    assert response.status_code == 200, response.text
    report = ProposalCheck.model_validate(response.json())
    park = next(p for p in report.protected_areas_extent_unknown if p.code == "PA-HOANG-LIEN")
    assert park.contains and park.distance_m == 0
    assert "extent is not in the registry" in park.caveat
