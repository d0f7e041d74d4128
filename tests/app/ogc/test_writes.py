"""OGC API – Features Part 4 over HTTP against the real PostGIS: authority, versions, checks.

QGIS (3.32+) edits through Part 4 without If-Match: it PUTs back the whole feature it read,
``version`` property included. Debian's QGIS 3.22 cannot, so ``test_qgis_style_put_*`` replays
that request shape by hand.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.models import LegalDecision
from app.models.enums import Role
from app.schemas.problem import PROBLEM_MEDIA_TYPE
from app.services import identity
from tests.support.geodesic import geodesic_ha

PASSWORD = "mật khẩu đủ dài 2026"
ITEMS = "/ogc/collections/{}/items"
# A square of about 22 ha inside Lào Cai (2025), away from the demo sites.
LAO_CAI_SQUARE = [[104.40, 22.08], [104.4045, 22.08], [104.4045, 22.0845], [104.40, 22.0845]]
LAI_CHAU_SQUARE = [[103.26, 22.25], [103.2645, 22.25], [103.2645, 22.2545], [103.26, 22.2545]]


def _bearer(session: Session, role: Role, agency: str | None) -> dict[str, str]:
    name = f"{role}_{agency or 'all'}".lower().replace("-", "_")
    identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
    return {"Authorization": f"Bearer {identity.create_token(session, name, name='t').plain}"}


@pytest.fixture
def sct(db_session: Session) -> dict[str, str]:
    """An editor of Lào Cai's Department of Industry and Trade (clusters), writing directly.

    The agency's approval is turned off here; test_drafts.py covers approval.
    """
    db_session.execute(sa.text("UPDATE agencies SET approval_for = '{}' WHERE code = 'LC-SCT'"))
    return _bearer(db_session, Role.EDITOR, "LC-SCT")


@pytest.fixture
def decision(db_session: Session) -> int:
    """A legal decision to name in changes."""
    row = LegalDecision(
        number="123/QĐ-UBND", decision_date=date(2026, 11, 30), issuer="UBND tỉnh Lào Cai"
    )
    db_session.add(row)
    db_session.flush()
    return row.id


def _polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _cluster(code: str, decision: int | None, ring: list[list[float]] = LAO_CAI_SQUARE) -> dict:
    return {
        "type": "Feature",
        "geometry": _polygon(ring),
        "properties": {
            "code": code,
            "name": f"Cụm công nghiệp {code}",
            "kind": "industrial_cluster",
            "status": "planned",
            "province": "Lào Cai",
            "planned_area_ha": 22.0,
            "geometry_source": "surveyed",
            "provenance": "test: survey table of decision 123/QĐ-UBND",
            "change_decision_id": decision,
            "change_reason": "thành lập cụm công nghiệp",
        },
    }


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _create(client: TestClient, auth: dict[str, str], feature: dict) -> Any:
    return client.post(
        ITEMS.format("industrial_clusters"),
        json=feature,
        headers={**auth, "Content-Type": "application/geo+json"},
    )


def test_anonymous_write_is_401_and_out_of_scope_is_403(
    client: TestClient, db_session: Session, decision: int
):
    _problem(_create(client, {}, _cluster("CCN-TEST-1", decision)), 401, "unauthorized")
    authority = _bearer(db_session, Role.EDITOR, "LC-BQL-KCN")  # keeps KCN, not CCN
    _problem(_create(client, authority, _cluster("CCN-TEST-1", decision)), 403, "forbidden")
    lai_chau = _bearer(db_session, Role.EDITOR, "LCH-SCT")  # clusters, but of Lai Châu
    _problem(_create(client, lai_chau, _cluster("CCN-TEST-1", decision)), 403, "forbidden")


def test_create_answers_201_with_location_etag_and_one_history_row(
    client: TestClient, db_session: Session, sct: dict[str, str], decision: int
):
    response = _create(client, sct, _cluster("CCN-TEST-2", decision))
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(
        "/ogc/collections/industrial_clusters/items/CCN-TEST-2"
    )
    assert response.headers["etag"] == 'W/"v1"'
    feature = response.json()
    assert feature["properties"]["legal_decision_number"] == "123/QĐ-UBND"
    expected = geodesic_ha(shape(_polygon(LAO_CAI_SQUARE)))
    assert feature["properties"]["area_ha"] == pytest.approx(expected, rel=1e-6)
    change = db_session.execute(
        sa.text(
            "SELECT operation, version, actor, decision_id, decision_date, reason "
            "FROM registry_changes WHERE code = 'CCN-TEST-2'"
        )
    ).one()
    assert change == (
        "create",
        1,
        "editor_lc_sct",
        decision,
        date(2026, 11, 30),
        "thành lập cụm công nghiệp",
    )


def test_new_site_without_decision_is_400_naming_the_field(client: TestClient, sct: dict[str, str]):
    body = _problem(_create(client, sct, _cluster("CCN-TEST-3", None)), 400, "invalid-feature")
    assert body["errors"][0]["pointer"] == "/properties/change_decision_id"


def test_unknown_property_and_bad_enum_are_named(
    client: TestClient, sct: dict[str, str], decision: int
):
    feature = _cluster("CCN-TEST-4", decision)
    feature["properties"] |= {"colour": "red", "status": "dreaming"}
    body = _problem(_create(client, sct, feature), 400, "invalid-feature")
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"/properties/colour", "/properties/status"}


def test_invalid_geometry_names_reason_and_location_and_repair_says_what_changed(
    client: TestClient, sct: dict[str, str], decision: int
):
    bowtie = [[104.40, 22.08], [104.41, 22.09], [104.41, 22.08], [104.40, 22.09]]
    feature = _cluster("CCN-TEST-5", decision, bowtie)
    body = _problem(_create(client, sct, feature), 422, "invalid-geometry")
    assert "Self-intersection" in body["detail"] and "repair=true" in body["detail"]
    response = client.post(
        ITEMS.format("industrial_clusters") + "?repair=true", json=feature, headers=sct
    )
    assert response.status_code == 201, response.text
    codes = [warning["code"] for warning in response.json()["warnings"]]
    assert "geometry-repaired" in codes


def test_outline_outside_its_province_is_accepted_flagged_and_warned(
    client: TestClient, sct: dict[str, str], decision: int
):
    response = _create(client, sct, _cluster("CCN-TEST-6", decision, LAI_CHAU_SQUARE))
    assert response.status_code == 201, response.text
    feature = response.json()
    assert "outside-stated-province" in [w["code"] for w in feature["warnings"]]
    assert "outside the stated province" in feature["properties"]["qa_flags"]


def test_area_far_from_planned_is_a_warning(client: TestClient, sct: dict[str, str], decision: int):
    feature = _cluster("CCN-TEST-7", decision)
    feature["properties"]["planned_area_ha"] = 75.0
    response = _create(client, sct, feature)
    assert response.status_code == 201, response.text
    assert [w["code"] for w in response.json()["warnings"]] == ["area-differs-from-planned"]


def test_write_without_expected_version_is_428(
    client: TestClient, sct: dict[str, str], decision: int
):
    assert _create(client, sct, _cluster("CCN-TEST-8", decision)).status_code == 201
    feature = _cluster("CCN-TEST-8", decision)
    url = ITEMS.format("industrial_clusters") + "/CCN-TEST-8"
    _problem(client.put(url, json=feature, headers=sct), 428, "version-required")


def test_qgis_style_put_without_if_match_uses_the_version_read_and_a_replay_is_412(
    client: TestClient, sct: dict[str, str], decision: int
):
    assert _create(client, sct, _cluster("CCN-TEST-9", decision)).status_code == 201
    url = ITEMS.format("industrial_clusters") + "/CCN-TEST-9"
    # The OGC item read goes through the read pool, which cannot see this test's transaction;
    # /api/v1/sites/{code} serves the same Feature through the session.
    read = client.get("/api/v1/sites/CCN-TEST-9").json()
    read.pop("links", None)
    read["properties"]["name"] = "Cụm công nghiệp đổi tên"
    # QGIS sends application/geo+json, every property as read, no If-Match.
    headers = {**sct, "Content-Type": "application/geo+json"}
    first = client.put(url, json=read, headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == 'W/"v2"'
    assert first.json()["properties"]["name"] == "Cụm công nghiệp đổi tên"
    again = client.put(url, json=read, headers=headers)
    body = _problem(again, 412, "version-mismatch")
    assert again.headers["etag"] == 'W/"v2"' and "version 2" in body["detail"]


def test_patch_is_a_merge_patch_and_a_status_change_needs_a_decision(
    client: TestClient, sct: dict[str, str], decision: int
):
    assert _create(client, sct, _cluster("CCN-TEST-10", decision)).status_code == 201
    url = ITEMS.format("industrial_clusters") + "/CCN-TEST-10"
    etag = client.get("/api/v1/sites/CCN-TEST-10").headers["etag"]
    headers = {**sct, "If-Match": etag, "Content-Type": "application/merge-patch+json"}
    status_only = {"properties": {"status": "established"}}
    body = _problem(client.patch(url, json=status_only, headers=headers), 400, "invalid-feature")
    assert body["errors"][0]["pointer"] == "/properties/change_decision_id"
    with_decision = {"properties": {"status": "established", "change_decision_id": decision}}
    response = client.patch(url, json=with_decision, headers=headers)
    assert response.status_code == 200, response.text
    properties = response.json()["properties"]
    assert properties["status"] == "established" and properties["version"] == 2
    assert properties["name"] == "Cụm công nghiệp CCN-TEST-10"  # untouched by the patch


def test_delete_keeps_the_row_as_a_version(
    client: TestClient, db_session: Session, sct: dict[str, str], decision: int
):
    assert _create(client, sct, _cluster("CCN-TEST-11", decision)).status_code == 201
    url = ITEMS.format("industrial_clusters") + "/CCN-TEST-11"
    _problem(client.delete(url, headers={**sct, "If-Match": 'W/"v1"'}), 400, "invalid-feature")
    response = client.delete(
        url + f"?change_decision_id={decision}&change_reason=trùng",
        headers={**sct, "If-Match": 'W/"v1"'},
    )
    assert response.status_code == 204, response.text
    assert client.get("/api/v1/sites/CCN-TEST-11").status_code == 404
    kept = db_session.execute(
        sa.text("SELECT count(*) FROM sites_versions WHERE code = 'CCN-TEST-11'")
    ).scalar()
    operations = db_session.execute(
        sa.text("SELECT operation FROM registry_changes WHERE code = 'CCN-TEST-11' ORDER BY id")
    ).scalars()
    assert kept == 1 and list(operations) == ["create", "delete"]


def test_reference_layer_is_not_editable_and_options_say_so(client: TestClient, sct: dict):
    response = client.post(ITEMS.format("communes"), json={}, headers=sct)
    _problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    options = client.options(ITEMS.format("sites"))
    assert "POST" in options.headers["allow"]
    assert "PATCH" in client.options(ITEMS.format("sites") + "/X").headers["allow"]


def test_content_crs_vn2000_coordinates_are_stored_in_wgs84(
    client: TestClient, sct: dict[str, str], decision: int
):
    to_tm3 = Transformer.from_crs("EPSG:4326", "EPSG:9208", always_xy=True)
    ring = [list(to_tm3.transform(x, y)) for x, y in LAO_CAI_SQUARE]
    feature = _cluster("CCN-TEST-12", decision, ring)
    response = client.post(
        ITEMS.format("industrial_clusters"),
        json=feature,
        headers={**sct, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/9208>"},
    )
    assert response.status_code == 201, response.text
    first = response.json()["geometry"]["coordinates"][0][0][0]
    assert first == pytest.approx(LAO_CAI_SQUARE[0], abs=1e-6)


def test_cookie_write_needs_the_sessions_csrf_token(
    client: TestClient, db_session: Session, decision: int
):
    db_session.execute(sa.text("UPDATE agencies SET approval_for = '{}' WHERE code = 'LC-SCT'"))
    identity.create_user(
        db_session, "web_editor", password=PASSWORD, role=Role.EDITOR, agency_code="LC-SCT"
    )
    form = client.get("/sign-in").text.partition("<main")[2]
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match is not None
    data = {"username": "web_editor", "password": PASSWORD, "csrf_token": match[1]}
    assert client.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    url = ITEMS.format("industrial_clusters")
    _problem(client.post(url, json=_cluster("CCN-TEST-13", decision)), 403, "csrf-failed")
    token = client.get("/api/v1/me").json()["csrf_token"]
    response = client.post(
        url, json=_cluster("CCN-TEST-13", decision), headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 201, response.text


def test_part4_is_declared_in_conformance_and_the_openapi_document(client: TestClient):
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    part4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
    assert {part4 + name for name in ("create-replace-delete", "update", "features")} <= set(
        classes
    )
    paths = client.get("/ogc/api").json()["paths"]
    assert set(paths["/collections/{collectionId}/items/{featureId}"]) >= {"put", "patch", "delete"}
    assert "post" in paths["/collections/{collectionId}/items"]


@pytest.mark.parametrize(
    ("geometry", "status"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [104.40, 22.08, 5.0],
                        [104.4045, 22.08, 5.0],
                        [104.4045, 22.0845, 5.0],
                        [104.40, 22.08, 5.0],
                    ]
                ],
            },
            201,
        ),
        ({"type": "Polygon", "coordinates": [[[104.40, 22.08], [104.41, 22.08]]]}, 422),
        ({"type": "GeometryCollection", "geometries": []}, 422),
        ({"type": "Point", "coordinates": [104.4, 22.08]}, 422),
        (
            {
                "type": "Polygon",
                "coordinates": [[[1e300, 22.08], [104.41, 22.08], [104.41, 22.09], [1e300, 22.08]]],
            },
            422,
        ),
        ("not a geometry", 400),
        (None, 422),
    ],
)
def test_odd_geometries_get_a_clear_answer_never_a_500(
    client: TestClient, sct: dict[str, str], decision: int, geometry: Any, status: int
):
    feature = _cluster("CCN-TEST-ODD", decision)
    feature["geometry"] = geometry
    response = _create(client, sct, feature)
    assert response.status_code == status, response.text


def test_nan_coordinates_are_refused(client: TestClient, sct: dict[str, str], decision: int):
    feature = _cluster("CCN-TEST-NAN", decision)
    feature["geometry"]["coordinates"][0][1] = [float("nan"), 22.08]
    response = client.post(
        ITEMS.format("industrial_clusters"),
        content=json.dumps(feature),  # Python writes NaN, as some clients do
        headers={**sct, "Content-Type": "application/geo+json"},
    )
    assert response.status_code in (400, 422), response.text


def test_an_editor_cannot_take_over_another_provinces_site(
    client: TestClient, db_session: Session, decision: int
):
    """The scope is checked on the site as it is, not only as the write would leave it."""
    db_session.execute(sa.text("UPDATE agencies SET approval_for = '{}'"))
    lai_chau = _bearer(db_session, Role.EDITOR, "LCH-SCT")
    feature = _cluster("CCN-LCH-TEST", decision, LAI_CHAU_SQUARE)
    feature["properties"]["province"] = "Lai Châu"
    assert _create(client, lai_chau, feature).status_code == 201
    lao_cai = _bearer(db_session, Role.EDITOR, "LC-SCT")
    read = client.get("/api/v1/sites/CCN-LCH-TEST").json()
    read["properties"] |= {"province": "Lào Cai", "change_decision_id": decision}
    url = ITEMS.format("sites") + "/CCN-LCH-TEST"
    _problem(client.put(url, json=read, headers=lao_cai), 403, "forbidden")


def test_a_cluster_editor_cannot_turn_a_zone_into_a_cluster(
    client: TestClient, db_session: Session, decision: int
):
    db_session.execute(sa.text("UPDATE agencies SET approval_for = '{}'"))
    clusters = _bearer(db_session, Role.EDITOR, "LC-SCT")
    code = db_session.execute(
        sa.text(
            "SELECT code FROM sites WHERE province = 'Lào Cai' AND kind = 'industrial_zone' "
            "ORDER BY code LIMIT 1"
        )
    ).scalar_one()
    read = client.get(f"/api/v1/sites/{code}").json()
    read["properties"] |= {"kind": "industrial_cluster", "change_decision_id": decision}
    response = client.put(ITEMS.format("sites") + f"/{code}", json=read, headers=clusters)
    _problem(response, 403, "forbidden")


def test_a_failure_in_the_pipelined_tail_changes_nothing(
    client: TestClient,
    sct: dict[str, str],
    decision: int,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
):
    """The author, row, details and answer go in one round trip; one failing rolls all back."""
    from app.services import row_writers

    assert _create(client, sct, _cluster("CCN-TEST-PIPE", decision)).status_code == 201
    url = ITEMS.format("industrial_clusters") + "/CCN-TEST-PIPE"
    etag = client.get("/api/v1/sites/CCN-TEST-PIPE").headers["etag"]
    planned = row_writers.LayerWriter.plan_update

    def failing(*args: Any, **kwargs: Any) -> row_writers.PlannedWrite:
        found = planned(*args, **kwargs)
        # After the row's update, a statement PostgreSQL refuses (as a trigger's error would be).
        failing = (sa.text("SELECT 1/0"), None)
        return row_writers.PlannedWrite((*found.statements, failing), found.findings)

    monkeypatch.setattr(row_writers.LayerWriter, "plan_update", failing)
    headers = {**sct, "If-Match": etag, "Content-Type": "application/merge-patch+json"}
    renamed = {"properties": {"name": "không được lưu"}}
    with pytest.raises(Exception, match="division by zero"):
        client.patch(url, json=renamed, headers=headers)
    monkeypatch.undo()
    stored = client.get("/api/v1/sites/CCN-TEST-PIPE")
    assert stored.headers["etag"] == etag
    assert stored.json()["properties"]["name"] == "Cụm công nghiệp CCN-TEST-PIPE"
    assert client.patch(url, json=renamed, headers=headers).status_code == 200
