"""Restoring an earlier version of a site: admins only, against the current version."""

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from history_writes import demo_site_code, move_site, rename_site
from sqlalchemy.orm import Session

from app.models.enums import Role
from app.schemas.history import RestoreResult, SiteHistory
from app.services import identity

PASSWORD = "correct horse battery staple"


def _bearer(session: Session, role: Role) -> dict[str, str]:
    name = f"restore_{role}".lower()
    agency = "LC-BQL-KCN" if role in (Role.EDITOR, Role.APPROVER) else None
    identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
    return {"Authorization": f"Bearer {identity.create_token(session, name, name='t').plain}"}


def _site(db_session: Session, code: str) -> sa.Row:
    return db_session.execute(
        sa.text("SELECT name, version, ST_AsText(geom) AS wkt FROM sites WHERE code = :code"),
        {"code": code},
    ).one()


@pytest.fixture
def edited(db_session: Session) -> tuple[str, int]:
    """A demo site moved and renamed after its first recorded version: code, that version."""
    code = demo_site_code(db_session)
    original = _site(db_session, code).version
    move_site(db_session, code, dx_deg=0.01)
    rename_site(db_session, code, "KCN sai tên")
    return code, original


def test_restore_writes_the_old_version_as_a_new_one(
    client: TestClient, db_session: Session, edited: tuple[str, int]
):
    code, original = edited
    before = db_session.execute(
        sa.text(
            "SELECT name, ST_AsText(geom) FROM sites_versions WHERE code = :c AND version = :v"
        ),
        {"c": code, "v": original},
    ).one()
    current = _site(db_session, code).version
    response = client.post(
        f"/api/v1/sites/{code}/restore",
        json={"version": original, "reason": "wrong edit"},
        headers={**_bearer(db_session, Role.ADMIN), "If-Match": f'W/"v{current}"'},
    )
    assert response.status_code == 200, response.text
    result = RestoreResult.model_validate(response.json())
    assert result.version == current + 1 and response.headers["etag"] == f'W/"v{current + 1}"'
    after = _site(db_session, code)
    assert (after.name, after.wkt) == tuple(before)
    newest = SiteHistory.model_validate(client.get(f"/api/v1/sites/{code}/history").json())
    assert newest.versions[0].reason == f"restore of version {original}: wrong edit"
    assert newest.versions[0].actor == "restore_admin"


def test_restore_takes_the_expected_version_from_the_body(
    client: TestClient, db_session: Session, edited: tuple[str, int]
):
    code, original = edited
    body = {"version": original, "reason": "r", "expected_version": original + 2}
    headers = _bearer(db_session, Role.ADMIN)
    assert (
        client.post(f"/api/v1/sites/{code}/restore", json=body, headers=headers).status_code == 200
    )


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.VIEWER, 403), (Role.EDITOR, 403)])
def test_restore_is_for_admins_only(
    client: TestClient, db_session: Session, edited: tuple[str, int], role, status
):
    code, original = edited
    headers = _bearer(db_session, role) if role else {}
    body = {"version": original, "reason": "r", "expected_version": original + 2}
    response = client.post(f"/api/v1/sites/{code}/restore", json=body, headers=headers)
    assert response.status_code == status
    assert _site(db_session, code).name == "KCN sai tên"


@pytest.mark.parametrize(("expected", "status"), [(None, 428), (1_000_000, 412)])
def test_restore_needs_the_current_version(
    client: TestClient, db_session: Session, edited: tuple[str, int], expected, status
):
    code, original = edited
    body = {"version": original, "reason": "r", "expected_version": expected}
    headers = _bearer(db_session, Role.ADMIN)
    response = client.post(f"/api/v1/sites/{code}/restore", json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_restore_rejects_a_stale_if_match(
    client: TestClient, db_session: Session, edited: tuple[str, int]
):
    code, original = edited
    headers = {**_bearer(db_session, Role.ADMIN), "If-Match": f'W/"v{original}"'}
    body = {"version": original, "reason": "r"}
    response = client.post(f"/api/v1/sites/{code}/restore", json=body, headers=headers)
    assert response.status_code == 412


def test_restore_brings_back_the_details_of_the_old_version(
    client: TestClient, db_session: Session
):
    code, site_id, occupancy = db_session.execute(
        sa.text(
            "SELECT s.code, s.id, z.occupancy_rate_pct FROM sites AS s "
            "JOIN zone_details AS z ON z.site_id = s.id ORDER BY s.code LIMIT 1"
        )
    ).one()
    original = _site(db_session, code).version
    db_session.execute(
        sa.text("UPDATE zone_details SET occupancy_rate_pct = 99.5 WHERE site_id = :id"),
        {"id": site_id},
    )
    rename_site(db_session, code, "KCN sai tên")
    body = {"version": original, "reason": "r", "expected_version": original + 1}
    headers = _bearer(db_session, Role.ADMIN)
    assert (
        client.post(f"/api/v1/sites/{code}/restore", json=body, headers=headers).status_code == 200
    )
    restored = db_session.execute(
        sa.text("SELECT occupancy_rate_pct FROM zone_details WHERE site_id = :id"), {"id": site_id}
    ).scalar_one()
    assert restored == occupancy
