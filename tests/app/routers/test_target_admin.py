"""Admins keep plan targets and reported figures over the API, each change in their history."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models.enums import Role
from app.schemas.dashboard import TargetStanding
from app.schemas.target import RecordHistory, RecordWritten
from app.services import dashboard, identity

PASSWORD = "correct horse battery staple"
TARGET = "CLEARED-LAND-2026"
FIGURE = "RF-CLEAN-LAND-2026-07"
NEW_TARGET = {
    "code": "NEW-ZONE-AREA-2027",
    "title_vi": "Diện tích KCN, CCN mới năm 2027",
    "title_en": "New zone and cluster area in 2027",
    "legal_source": "Kế hoạch thử nghiệm (test)",
    "unit": "ha",
    "target_value": 300,
    "deadline": "2027-12-31",
    "period_start": "2027-01-01",
    "metric": "new_zone_cluster_area_ha",
    "scope": "Lào Cai",
    "reason": "kế hoạch năm 2027",
}


def _bearer(session: Session, role: Role) -> dict[str, str]:
    name = f"targets_{role}".lower()
    agency = "LC-BQL-KCN" if role in (Role.EDITOR, Role.APPROVER) else None
    identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
    return {"Authorization": f"Bearer {identity.create_token(session, name, name='t').plain}"}


@pytest.fixture
def admin(db_session: Session) -> dict[str, str]:
    """The headers of an admin's API token."""
    return _bearer(db_session, Role.ADMIN)


def _standing(client: TestClient, code: str) -> TargetStanding | None:
    # The test's transaction is never committed, so the data version (stamped at COMMIT) does
    # not move: the dashboard's cache would serve an earlier test's figures.
    dashboard._FIGURES.clear()
    targets = client.get("/api/v1/targets", params={"as_of": "2026-12-31"}).json()["targets"]
    found = [TargetStanding.model_validate(t) for t in targets if t["code"] == code]
    return found[0] if found else None


def _history(client: TestClient, path: str) -> RecordHistory:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return RecordHistory.model_validate(response.json())


def test_admin_changes_a_target_and_its_history_keeps_who_and_why(
    client: TestClient, admin: dict[str, str]
):
    version = _history(client, f"/api/v1/targets/{TARGET}/history").current_version
    response = client.patch(
        f"/api/v1/targets/{TARGET}",
        json={"target_value": 450, "reason": "điều chỉnh theo KH 200/KH-UBND"},
        headers={**admin, "If-Match": f'W/"v{version}"'},
    )
    assert response.status_code == 200, response.text
    written = RecordWritten.model_validate(response.json())
    assert written.version == version + 1 and response.headers["etag"] == f'W/"v{version + 1}"'
    standing = _standing(client, TARGET)
    assert standing is not None and standing.target_value == 450
    history = _history(client, f"/api/v1/targets/{TARGET}/history")
    newest, before = history.versions[0], history.versions[1]
    assert (newest.reason, newest.actor, newest.operation) == (
        "điều chỉnh theo KH 200/KH-UBND",
        "targets_admin",
        "update",
    )
    assert newest.record and newest.record["target_value"] == 450
    assert before.record and before.record["target_value"] == 500 and before.recorded_to


def test_admin_adds_and_retires_a_target_which_leaves_the_figures(
    client: TestClient, admin: dict[str, str]
):
    created = client.post("/api/v1/targets", json=NEW_TARGET, headers=admin)
    assert created.status_code == 201, created.text
    standing = _standing(client, NEW_TARGET["code"])
    assert standing is not None and standing.method_en and standing.achieved is not None
    retired = client.post(
        f"/api/v1/targets/{NEW_TARGET['code']}/retire",
        json={"reason": "nhập nhầm", "expected_version": 1},
        headers=admin,
    )
    assert retired.status_code == 200, retired.text
    assert _standing(client, NEW_TARGET["code"]) is None
    history = _history(client, f"/api/v1/targets/{NEW_TARGET['code']}/history")
    assert history.current_version is None
    assert [(v.operation, v.reason) for v in history.versions] == [
        ("delete", "nhập nhầm"),
        ("create", "kế hoạch năm 2027"),
    ]


def test_admin_keeps_a_reported_figure_beside_the_registrys(
    client: TestClient, admin: dict[str, str]
):
    body = {
        "code": "RF-CLEAN-LAND-2026-08",
        "target_code": TARGET,
        "value": 301.5,
        "unit": "ha",
        "reported_on": "2026-08-31",
        "agency": "Sở Công Thương tỉnh Lào Cai",
        "document": "Báo cáo tiến độ tháng 8/2026",
        "source": "test",
        "reason": "báo cáo tháng 8",
    }
    assert client.post("/api/v1/reported-figures", json=body, headers=admin).status_code == 201
    changed = client.patch(
        f"/api/v1/reported-figures/{body['code']}",
        json={"value": 302, "reason": "sửa lỗi đánh máy", "expected_version": 1},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    standing = _standing(client, TARGET)
    assert standing is not None
    assert [r.value for r in standing.reported] == [302, 280.33]
    assert standing.achieved not in (302, 280.33, 582.33)  # never added to the registry's
    history = _history(client, f"/api/v1/reported-figures/{body['code']}/history")
    assert [v.reason for v in history.versions] == ["sửa lỗi đánh máy", "báo cáo tháng 8"]


def test_a_target_with_reported_figures_is_not_retired(client: TestClient, admin: dict[str, str]):
    response = client.post(
        f"/api/v1/targets/{TARGET}/retire",
        json={"reason": "r"},
        headers={**admin, "If-Match": "*"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert FIGURE in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"metric": "made_up"}, "/body/metric"),
        ({"period_start": "2027-06-01"}, "/body/period_start"),
        ({"target_value": -1}, "/body/target_value"),
        ({"unit": "acre"}, "/body/unit"),
        ({"title_vi": None}, "/body/title_vi"),
        ({"colour": "red"}, "/body/colour"),
    ],
)
def test_a_wrong_target_field_is_a_problem_naming_it(
    client: TestClient, admin: dict[str, str], change, pointer
):
    response = client.patch(
        f"/api/v1/targets/{TARGET}",
        json={**change, "reason": "r"},
        headers={**admin, "If-Match": "*"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["pointer"].endswith(pointer) for e in response.json()["errors"]), response.text


def test_a_figure_for_an_unknown_target_is_refused(client: TestClient, admin: dict[str, str]):
    response = client.patch(
        f"/api/v1/reported-figures/{FIGURE}",
        json={"target_code": "NO-SUCH-TARGET", "reason": "r"},
        headers={**admin, "If-Match": "*"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/body/target_code"


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, {"reason": "r"}, 428),
        ({"If-Match": 'W/"v999"'}, {"reason": "r"}, 412),
        ({"If-Match": "*"}, {}, 400),  # no reason
        ({"If-Match": "*"}, {"reason": ""}, 400),
    ],
)
def test_a_change_names_the_version_read_and_a_reason(
    client: TestClient, admin: dict[str, str], headers, body, status
):
    response = client.patch(
        f"/api/v1/targets/{TARGET}", json={"target_value": 1, **body}, headers={**admin, **headers}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_codes_are_404_and_taken_codes_409(client: TestClient, admin: dict[str, str]):
    patch = {"target_value": 1, "reason": "r"}
    headers = {**admin, "If-Match": "*"}
    assert client.patch("/api/v1/targets/NOPE", json=patch, headers=headers).status_code == 404
    assert client.get("/api/v1/reported-figures/NOPE/history").status_code == 404
    taken = {**NEW_TARGET, "code": TARGET}
    assert client.post("/api/v1/targets", json=taken, headers=admin).status_code == 409


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.VIEWER, 403), (Role.EDITOR, 403)])
def test_only_admins_keep_targets(client: TestClient, db_session: Session, role, status):
    headers = {} if role is None else _bearer(db_session, role)
    response = client.patch(
        f"/api/v1/targets/{TARGET}",
        json={"target_value": 1, "reason": "r"},
        headers={**headers, "If-Match": "*"},
    )
    assert response.status_code == status
    assert client.post("/api/v1/reported-figures", json={}, headers=headers).status_code in (
        400,
        status,
    )
