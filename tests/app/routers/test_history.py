import pytest
from fastapi.testclient import TestClient
from geodesic import close, geodesic_ha
from history_writes import demo_site_code, make_decision, move_site, rename_site
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.schemas.history import ChangeFeed, SiteHistory, VersionDifference


def _history(client: TestClient, code: str) -> SiteHistory:
    response = client.get(f"/api/v1/sites/{code}/history")
    assert response.status_code == 200, response.text
    return SiteHistory.model_validate(response.json())


def test_history_lists_one_version_per_write_with_actor_and_decision(
    client: TestClient, db_session: Session
):
    code = demo_site_code(db_session)
    before = _history(client, code).versions[0].version
    decision = make_decision(db_session)
    move_site(db_session, code, dx_deg=0.001, actor="alice", decision_id=decision)
    rename_site(db_session, code, "KCN đổi tên", actor="bob")
    versions = _history(client, code).versions
    assert [v.version for v in versions[:3]] == [before + 2, before + 1, before]
    renamed, moved = versions[0], versions[1]
    assert (renamed.actor, renamed.operation, renamed.reason) == ("bob", "update", "renamed")
    assert (moved.actor, moved.decision_id, moved.decision_number) == (
        "alice",
        decision,
        "123/QĐ-UBND",
    )
    assert moved.recorded_to is not None and renamed.recorded_to is None


def test_history_difference_gains_and_losses_match_an_independent_computation(
    client: TestClient, db_session: Session
):
    code = demo_site_code(db_session)
    old = _history(client, code).versions[0].version
    move_site(db_session, code, dx_deg=0.002)
    rename_site(db_session, code, "KCN mới")
    new = old + 2
    response = client.get(f"/api/v1/sites/{code}/history", params={"from": old, "to": new})
    assert response.status_code == 200, response.text
    diff = VersionDifference.model_validate(response.json())
    assert [(c.name, c.new) for c in diff.changed] == [("name", "KCN mới")]
    a = shape(client.get(f"/api/v1/sites/{code}/versions/{old}").json()["geometry"])
    b = shape(client.get(f"/api/v1/sites/{code}/versions/{new}").json()["geometry"])
    assert close(diff.area_gained_ha, geodesic_ha(b.difference(a)), 0.01)
    assert close(diff.area_lost_ha, geodesic_ha(a.difference(b)), 0.01)
    assert diff.area_gained_ha > 0 and diff.gained and diff.lost
    assert close(geodesic_ha(shape(diff.gained)), diff.area_gained_ha, 0.01)


def test_history_of_a_deleted_site_remains(client: TestClient, db_session: Session):
    code = demo_site_code(db_session)
    db_session.execute(text("DELETE FROM sites WHERE code = :code"), {"code": code})
    found = _history(client, code)
    assert found.current_version is None
    assert found.versions[0].operation == "delete" and len(found.versions) >= 2


def test_history_of_an_unknown_code_is_404(client: TestClient):
    assert client.get("/api/v1/sites/NO-SUCH-SITE/history").status_code == 404
    assert client.get("/api/v1/sites/NO-SUCH-SITE/versions/1").status_code == 404


@pytest.mark.parametrize("params", [{"from": 1}, {"to": 2}, {"from": 0, "to": 1}])
def test_history_difference_needs_both_versions(client: TestClient, db_session: Session, params):
    code = demo_site_code(db_session)
    assert client.get(f"/api/v1/sites/{code}/history", params=params).status_code == 400


def _feed(client: TestClient, **params) -> ChangeFeed:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/changes", params=params)
    assert response.status_code == 200, response.text
    return ChangeFeed.model_validate(response.json())


def test_changes_after_a_data_version_pages_without_gaps(client: TestClient, db_session: Session):
    start = _feed(client, limit=1).data_version
    code = demo_site_code(db_session)
    for step in range(3):
        move_site(db_session, code, dx_deg=0.0001, actor=f"writer{step}")
    first = _feed(client, after=start, limit=2)
    assert [c.actor for c in first.changes] == ["writer0", "writer1"]
    assert first.next is not None and first.changes[0].href == f"/api/v1/sites/{code}/history"
    second = client.get(first.next).json()
    assert [c["actor"] for c in second["changes"]] == ["writer2"] and second["next"] is None
    assert first.data_version == start + 3


def test_changes_since_a_time(client: TestClient, db_session: Session):
    code = demo_site_code(db_session)
    since = db_session.execute(text("SELECT now() - interval '1 microsecond'")).scalar_one()
    move_site(db_session, code, dx_deg=0.0001, actor="carol")
    feed = _feed(client, since=since.isoformat())
    assert [(c.code, c.actor, c.operation) for c in feed.changes] == [(code, "carol", "update")]


def test_changes_reject_a_malformed_since(client: TestClient):
    response = client.get("/api/v1/changes", params={"since": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/since"
