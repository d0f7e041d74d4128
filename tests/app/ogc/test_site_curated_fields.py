"""How a site's location is known and when it was established: written like its other facts."""

from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models.enums import Role
from app.schemas.history import SiteHistory
from app.services import identity

URL = "/ogc/collections/sites/items/{}"
INDICATIVE = "CCN-THONG-NHAT"  # placed at its commune (data/curated/site_locations.csv)
SURVEYED_CODE_SQL = "SELECT code FROM sites WHERE geometry_source = 'digitized' ORDER BY code"


@pytest.fixture
def admin(db_session: Session) -> dict[str, str]:
    """The headers of an admin's API token."""
    identity.create_user(db_session, "curator", password="mật khẩu đủ dài 2026", role=Role.ADMIN)
    token = identity.create_token(db_session, "curator", name="t").plain
    return {"Authorization": f"Bearer {token}"}


def _patch(client: TestClient, headers: dict[str, str], code: str, properties: dict):
    etag = client.get(f"/api/v1/sites/{code}").headers["etag"]
    return client.patch(
        URL.format(code),
        json={"properties": {"change_reason": "thẩm định lại vị trí", **properties}},
        headers={**headers, "If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )


def test_an_indicative_outlines_placing_is_written_with_history(
    client: TestClient, admin: dict[str, str]
):
    response = _patch(client, admin, INDICATIVE, {"location_confidence": "district"})
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["location_confidence"] == "district"
    history = SiteHistory.model_validate(client.get(f"/api/v1/sites/{INDICATIVE}/history").json())
    assert history.versions[0].reason == "thẩm định lại vị trí"
    assert history.versions[0].actor == "curator"


def test_establishment_is_written_with_its_document(
    client: TestClient, db_session: Session, admin: dict[str, str]
):
    basis = "QĐ 1/QĐ-UBND ngày 01/08/2026 (test)"
    response = _patch(
        client, admin, INDICATIVE, {"established_on": "2026-08-01", "established_basis": basis}
    )
    assert response.status_code == 200, response.text
    stored = db_session.execute(
        sa.text("SELECT established_on, established_basis FROM sites WHERE code = :c"),
        {"c": INDICATIVE},
    ).one()
    assert tuple(stored) == (date(2026, 8, 1), basis)
    old = db_session.scalar(
        sa.text(
            "SELECT established_on FROM sites_versions WHERE code = :c "
            "ORDER BY version DESC LIMIT 1"
        ),
        {"c": INDICATIVE},
    )
    assert old is None  # the version before the change keeps what it said


@pytest.mark.parametrize(
    ("properties", "pointer"),
    [
        ({"established_on": "2026-08-01", "established_basis": None}, "established_basis"),
        ({"established_basis": "a document", "established_before": None}, "established_on"),
        (
            {
                "established_on": "2026-08-01",
                "established_before": "2026-01-01",
                "established_basis": "x",
            },
            "established_before",
        ),
        ({"location_confidence": "surveyed"}, "location_confidence"),
        ({"location_confidence": "somewhere"}, "location_confidence"),
        ({"established_on": "tomorrow"}, "established_on"),
    ],
)
def test_wrong_curated_fields_are_problems_naming_them(
    client: TestClient, admin: dict[str, str], properties, pointer
):
    response = _patch(client, admin, INDICATIVE, properties)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == f"/properties/{pointer}"


def test_a_digitized_outline_cannot_claim_another_placing(
    client: TestClient, db_session: Session, admin: dict[str, str]
):
    code = db_session.scalar(sa.text(SURVEYED_CODE_SQL + " LIMIT 1"))
    response = _patch(client, admin, code, {"location_confidence": "commune"})
    assert response.status_code == 400
    assert "follows geometry_source" in response.json()["detail"]


def test_a_write_without_the_placing_keeps_it(client: TestClient, admin: dict[str, str]):
    assert _patch(client, admin, INDICATIVE, {"location_confidence": "district"}).status_code == 200
    renamed = _patch(client, admin, INDICATIVE, {"location_confidence": None, "name": "CCN X"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["properties"]["location_confidence"] == "district"
