"""`GET /api/v1/me` and each role's 401/403 from `require_write`, over HTTP.

The write check runs behind a route that only this test adds: no production write route exists
yet. Its answers are problem+json like every other error.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.access import require_write
from app.deps import CallerDep, get_session
from app.main import create_app
from app.models.enums import Role
from app.schemas.identity import Me
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.services import identity
from app.settings import Settings

PASSWORD = "mật khẩu đủ dài 2026"


@pytest.fixture
def api(test_settings: Settings, db_session: Session) -> Iterator[TestClient]:
    """A client on an app with one extra route, ``POST /test-write``, that checks the scope."""
    app = create_app(test_settings)

    @app.post("/test-write")
    def test_write(
        caller: CallerDep, layer: str, kind: str | None = None, province: str | None = None
    ) -> dict[str, str]:
        require_write(caller, layer=layer, kind=kind, province=province)
        return {"allowed": layer}

    def override() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = override
    with TestClient(app) as client:
        yield client


def _bearer(session: Session, role: Role, agency: str | None = None) -> dict[str, str]:
    name = f"{role}_{agency or 'all'}".lower()
    identity.create_user(session, name, password=PASSWORD, role=role, agency_code=agency)
    plain = identity.create_token(session, name, name="test").plain
    return {"Authorization": f"Bearer {plain}"}


def _problem(response, status: int) -> ProblemDetail:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return ProblemDetail.model_validate(response.json())


def test_me_anonymous_is_200_unauthenticated(api: TestClient):
    me = Me.model_validate(api.get("/api/v1/me").json())
    assert not me.authenticated and me.may_write.layers == [] and not me.may_write.anywhere


def test_me_editor_sees_its_agency_and_scope(api: TestClient, db_session: Session):
    response = api.get("/api/v1/me", headers=_bearer(db_session, Role.EDITOR, "LC-BQL-KCN"))
    me = Me.model_validate(response.json())
    assert me.authenticated and me.role is Role.EDITOR and me.agency is not None
    assert me.agency.name == "Ban quản lý các khu công nghiệp tỉnh Lào Cai"
    assert me.may_write.site_kinds == ["industrial_zone"]
    assert me.may_write.provinces == ["Lào Cai"] and "sites" in me.may_write.layers


def test_me_admin_may_write_anywhere(api: TestClient, db_session: Session):
    me = Me.model_validate(api.get("/api/v1/me", headers=_bearer(db_session, Role.ADMIN)).json())
    assert me.may_write.anywhere and me.agency is None


@pytest.mark.parametrize(
    "authorization",
    ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer not-a-token", "Bearer srg_" + "A" * 43],
)
def test_me_bad_credentials_are_401_problems(api: TestClient, authorization: str):
    problem = _problem(api.get("/api/v1/me", headers={"Authorization": authorization}), 401)
    assert problem.type == "/problems/unauthorized"


def test_me_revoked_token_is_401_with_a_bearer_challenge(api: TestClient, db_session: Session):
    headers = _bearer(db_session, Role.EDITOR, "LC-SCT")
    token_id = identity.list_tokens(db_session, "editor_lc-sct")[0].id
    identity.revoke_token(db_session, token_id)
    response = api.get("/api/v1/me", headers=headers)
    assert "revoked" in _problem(response, 401).detail
    assert response.headers["www-authenticate"] == 'Bearer realm="sitereg", error="invalid_token"'


def test_write_anonymous_is_401(api: TestClient):
    response = api.post("/test-write", params={"layer": "sites"})
    assert _problem(response, 401).code == "unauthorized"
    assert response.headers["www-authenticate"] == 'Bearer realm="sitereg"'


def test_write_viewer_is_403(api: TestClient, db_session: Session):
    headers = _bearer(db_session, Role.VIEWER)
    response = api.post("/test-write", params={"layer": "sites"}, headers=headers)
    assert _problem(response, 403).type == "/problems/forbidden"


KCN_LAO_CAI = {"layer": "sites", "kind": "industrial_zone", "province": "Lào Cai"}


@pytest.mark.parametrize("role", [Role.EDITOR, Role.APPROVER])
@pytest.mark.parametrize(
    ("params", "status"),
    [
        (KCN_LAO_CAI, 200),
        ({"layer": "infrastructure", "kind": "industrial_zone"}, 200),
        ({**KCN_LAO_CAI, "kind": "industrial_cluster"}, 403),
        ({**KCN_LAO_CAI, "province": "Lai Châu"}, 403),
        ({"layer": "forest"}, 403),
    ],
)
def test_write_scoped_roles_stay_in_their_agency(
    api: TestClient, db_session: Session, role: Role, params: dict[str, str], status: int
):
    headers = _bearer(db_session, role, "LC-BQL-KCN")
    response = api.post("/test-write", params=params, headers=headers)
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        assert "LC-BQL-KCN does not keep" in _problem(response, status).detail


def test_write_forest_department_keeps_forest_not_sites(api: TestClient, db_session: Session):
    headers = _bearer(db_session, Role.EDITOR, "LCH-SNNMT")
    ok = api.post(
        "/test-write", params={"layer": "forest", "province": "Lai Châu"}, headers=headers
    )
    assert ok.status_code == 200
    sites = {"layer": "sites", "kind": "industrial_zone"}
    _problem(api.post("/test-write", params=sites, headers=headers), 403)


def test_write_admin_writes_anywhere(api: TestClient, db_session: Session):
    headers = _bearer(db_session, Role.ADMIN)
    params = {"layer": "sites", "kind": "mining_site", "province": "Lai Châu"}
    assert api.post("/test-write", params=params, headers=headers).status_code == 200


def test_write_disabled_user_is_401(api: TestClient, db_session: Session):
    headers = _bearer(db_session, Role.ADMIN)
    identity.disable_user(db_session, "admin_all")
    _problem(api.post("/test-write", params={"layer": "sites"}, headers=headers), 401)


def test_reads_stay_open_and_never_look_at_the_token(api: TestClient):
    response = api.get("/api/v1/targets", headers={"Authorization": "Bearer srg_unknown"})
    assert response.status_code == 200


@pytest.fixture
def statements(db_session: Session) -> Iterator[list[str]]:
    """The SQL statements the test's connection runs, savepoints left out."""
    seen: list[str] = []
    engine = db_session.get_bind().engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_me_anonymous_runs_no_query(api: TestClient, statements: list[str]):
    assert api.get("/api/v1/me").status_code == 200
    assert statements == []


def test_me_token_costs_one_select_within_the_minute(
    api: TestClient, db_session: Session, statements: list[str]
):
    headers = _bearer(db_session, Role.EDITOR, "LC-SCT")
    api.get("/api/v1/me", headers=headers)  # first use: last_used_at and token_used written
    statements.clear()
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert len(statements) == 1 and "FROM api_tokens" in statements[0]
