"""Approval over HTTP: an editor's new outline is a draft until a second person approves it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.models import LegalDecision
from app.models.enums import Role
from app.services import identity
from tests.support.geodesic import geodesic_ha

PASSWORD = "mật khẩu đủ dài 2026"
SITE = "CCN-BAN-PHIET-1"
URL = f"/ogc/collections/sites/items/{SITE}"


def _bearer(session: Session, name: str, role: Role, agency: str | None) -> dict[str, str]:
    identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
    return {"Authorization": f"Bearer {identity.create_token(session, name, name='t').plain}"}


@pytest.fixture
def people(db_session: Session) -> dict[str, dict[str, str]]:
    """An editor and an approver of Lào Cai's Department of Industry and Trade."""
    return {
        "editor": _bearer(db_session, "bientap", Role.EDITOR, "LC-SCT"),
        "approver": _bearer(db_session, "pheduyet", Role.APPROVER, "LC-SCT"),
    }


@pytest.fixture
def decision(db_session: Session) -> int:
    """A legal decision to name in changes."""
    row = LegalDecision(number="77/QĐ-UBND", decision_date=date(2026, 12, 1), issuer="UBND")
    db_session.add(row)
    db_session.flush()
    return row.id


def _shifted_outline(client: TestClient) -> tuple[dict[str, Any], str]:
    read = client.get(f"/api/v1/sites/{SITE}")
    geometry = read.json()["geometry"]
    outline = shape(geometry)
    moved = {
        "type": "Polygon",
        "coordinates": [[(x + 0.001, y) for x, y in outline.geoms[0].exterior.coords]],
    }
    return moved, read.headers["etag"]


def test_editors_new_outline_is_a_draft_until_a_second_person_approves(
    client: TestClient, db_session: Session, people: dict[str, dict[str, str]], decision: int
):
    moved, etag = _shifted_outline(client)
    patch = {"geometry": moved, "properties": {"change_reason": "đo đạc lại"}}
    headers = {**people["editor"], "If-Match": etag}
    response = client.patch(URL, json=patch, headers=headers)
    assert response.status_code == 202, response.text
    draft = response.json()["draft"]
    assert response.headers["location"].endswith(f"/api/v1/drafts/{draft['id']}")
    assert draft["needs"] == ["geometry"] and draft["author"] == "bientap"
    # The public still sees the approved outline and version.
    public = client.get(f"/api/v1/sites/{SITE}")
    assert public.headers["etag"] == etag
    assert client.get("/api/v1/drafts").status_code == 401
    listed = client.get("/api/v1/drafts", headers=people["editor"]).json()["drafts"]
    assert [item["id"] for item in listed] == [draft["id"]]
    own = client.post(f"/api/v1/drafts/{draft['id']}/approve", headers=people["editor"])
    assert own.status_code == 403, own.text
    approved = client.post(f"/api/v1/drafts/{draft['id']}/approve", headers=people["approver"])
    assert approved.status_code == 200, approved.text
    after = client.get(f"/api/v1/sites/{SITE}").json()
    assert shape(after["geometry"]).symmetric_difference(shape(moved)).area < 1e-12
    change = db_session.execute(
        sa.text(
            "SELECT c.actor, c.draft_id, u.username FROM registry_changes c "
            "JOIN drafts d ON d.id = c.draft_id JOIN users u ON u.id = d.author_id "
            "WHERE c.code = :code ORDER BY c.id DESC LIMIT 1"
        ),
        {"code": SITE},
    ).one()
    assert change == ("pheduyet", draft["id"], "bientap")
    again = client.post(f"/api/v1/drafts/{draft['id']}/approve", headers=people["approver"])
    assert again.status_code == 409


def test_approving_a_draft_of_a_changed_site_is_412_and_it_stays_pending(
    client: TestClient, people: dict[str, dict[str, str]], decision: int
):
    moved, etag = _shifted_outline(client)
    headers = {**people["editor"], "If-Match": etag}
    draft = client.patch(URL, json={"geometry": moved}, headers=headers).json()["draft"]
    rename = {"properties": {"name": "Cụm công nghiệp Bản Phiệt 1 (đổi tên)"}}
    renamed = client.patch(URL, json=rename, headers={**people["approver"], "If-Match": etag})
    assert renamed.status_code == 200, renamed.text
    late = client.post(f"/api/v1/drafts/{draft['id']}/approve", headers=people["approver"])
    assert late.status_code == 412, late.text
    pending = client.get(f"/api/v1/drafts/{draft['id']}", headers=people["approver"]).json()
    assert pending["status"] == "pending"
    rejected = client.post(
        f"/api/v1/drafts/{draft['id']}/reject", json={"reason": "cũ"}, headers=people["approver"]
    )
    assert rejected.status_code == 204


def test_preview_gives_area_gained_and_lost_and_the_conflict_check(
    client: TestClient, people: dict[str, dict[str, str]]
):
    moved, _ = _shifted_outline(client)
    before = shape(client.get(f"/api/v1/sites/{SITE}").json()["geometry"])
    response = client.post(
        f"/api/v1/sites/{SITE}/preview",
        json={"type": "Feature", "geometry": moved, "properties": {}},
        headers=people["editor"],
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    after = shape(moved)
    assert preview["gained_ha"] == pytest.approx(geodesic_ha(after.difference(before)), rel=1e-3)
    assert preview["lost_ha"] == pytest.approx(geodesic_ha(before.difference(after)), rel=1e-3)
    assert preview["gained"]["type"] in ("Polygon", "MultiPolygon")
    assert SITE not in [hit["code"] for hit in preview["conflicts"]["sites"]]
    assert client.post(f"/api/v1/sites/{SITE}/preview", json={"geometry": moved}).status_code == 401


def test_an_attribute_patch_keeps_the_outline_exactly_and_needs_no_approval(
    client: TestClient, db_session: Session, people: dict[str, dict[str, str]]
):
    # Coordinates finer than the 7 decimals the API serves (as a VN-2000 survey gives).
    db_session.execute(
        sa.text("UPDATE sites SET geom = ST_Translate(geom, 1.23456789e-8, 0) WHERE code = :c"),
        {"c": SITE},
    )
    before = db_session.execute(
        sa.text("SELECT ST_AsEWKB(geom) FROM sites WHERE code = :c"), {"c": SITE}
    ).scalar_one()
    etag = client.get(f"/api/v1/sites/{SITE}").headers["etag"]
    rename = {"properties": {"name": "Cụm công nghiệp Bản Phiệt 1 (tên mới)"}}
    response = client.patch(URL, json=rename, headers={**people["editor"], "If-Match": etag})
    assert response.status_code == 200, response.text  # not a draft: the outline is untouched
    after = db_session.execute(
        sa.text("SELECT ST_AsEWKB(geom) FROM sites WHERE code = :c"), {"c": SITE}
    ).scalar_one()
    assert bytes(after) == bytes(before)


def test_a_qgis_style_put_of_the_outline_as_read_is_an_attribute_edit(
    client: TestClient, db_session: Session, people: dict[str, dict[str, str]]
):
    db_session.execute(
        sa.text("UPDATE sites SET geom = ST_Translate(geom, 1.23456789e-8, 0) WHERE code = :c"),
        {"c": SITE},
    )
    before = db_session.execute(
        sa.text("SELECT ST_AsEWKB(geom) FROM sites WHERE code = :c"), {"c": SITE}
    ).scalar_one()
    read = client.get(f"/api/v1/sites/{SITE}").json()
    read.pop("links", None)
    read["properties"]["name"] = "Cụm công nghiệp Bản Phiệt 1 (QGIS)"
    response = client.put(URL, json=read, headers=people["editor"])  # version property as read
    assert response.status_code == 200, response.text
    after = db_session.execute(
        sa.text("SELECT ST_AsEWKB(geom) FROM sites WHERE code = :c"), {"c": SITE}
    ).scalar_one()
    assert bytes(after) == bytes(before)
