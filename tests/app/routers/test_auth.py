"""Signing in on the web pages: the cookie, CSRF, the throttle, sign-out and dead sessions.

Writes are checked behind a route that only this test adds (``POST /test-write``), as in
``test_me.py``: no production write route exists yet.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.access import require_write
from app.deps import CallerDep, get_session
from app.main import create_app
from app.models.enums import AuthEventKind, Role
from app.models.identity import AuthEvent, WebSession
from app.routers.auth import local_path
from app.schemas.identity import Me
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.services import identity
from app.services.web_sessions import SESSION_COOKIE
from app.settings import AuthSettings, Settings

PASSWORD = "mật khẩu đủ dài 2026"
MAX_FAILURES = 3


@pytest.fixture
def web(database_url: str, db_session: Session) -> Iterator[TestClient]:
    """A client on an app with ``POST /test-write`` and a throttle of three failures."""
    settings = Settings(database_url=database_url, auth=AuthSettings(max_failed_sign_ins=3))
    app = create_app(settings)

    @app.post("/test-write")
    def test_write(caller: CallerDep) -> dict[str, str]:
        require_write(caller, layer="sites")
        return {"allowed": "sites"}

    def override() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = override
    identity.create_user(db_session, "quantri", password=PASSWORD, role=Role.ADMIN)
    with TestClient(app) as client:
        yield client


def _sign_in(
    client: TestClient, password: str = PASSWORD, *, username: str = "quantri", next_path: str = "/"
) -> httpx.Response:
    form = client.get("/sign-in").text.partition("<main")[2]  # not the header's sign-out form
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match is not None
    data = {"username": username, "password": password, "csrf_token": match[1], "next": next_path}
    return client.post("/sign-in", data=data, follow_redirects=False)


def _problem(response: httpx.Response, status: int) -> ProblemDetail:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return ProblemDetail.model_validate(response.json())


def _events(session: Session, kind: AuthEventKind) -> list[AuthEvent]:
    return list(session.scalars(select(AuthEvent).where(AuthEvent.kind == kind)))


def _me(client: TestClient, secret: str | None = None) -> Me:
    headers = {"Cookie": f"{SESSION_COOKIE}={secret}"} if secret else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    return Me.model_validate(response.json())


def test_sign_in_sets_an_httponly_lax_cookie_and_redirects(web: TestClient, db_session: Session):
    response = _sign_in(web, next_path="/dashboard?lang=en")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard?lang=en"
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags and "secure" not in flags
    secret = web.cookies[SESSION_COOKIE]
    stored = db_session.scalars(select(WebSession.id)).one()
    assert secret not in stored and len(stored) == 64  # only the SHA-256 is kept
    assert len(_events(db_session, AuthEventKind.SIGN_IN_OK)) == 1


def test_sign_in_secure_cookie_when_the_setting_says_so(database_url: str, db_session: Session):
    settings = Settings(database_url=database_url, auth=AuthSettings(secure_cookies=True))
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db_session
    identity.create_user(db_session, "quantri", password=PASSWORD, role=Role.ADMIN)
    with TestClient(app, base_url="https://testserver") as client:
        response = _sign_in(client)
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "secure" in cookie.lower()


def test_sign_in_wrong_password_is_401_in_vietnamese_and_recorded(
    web: TestClient, db_session: Session
):
    response = _sign_in(web, "sai mật khẩu rồi")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
    assert SESSION_COOKIE not in web.cookies
    (failed,) = _events(db_session, AuthEventKind.SIGN_IN_FAILED)
    assert (failed.username, failed.client_addr) == ("quantri", "testclient")


def test_sign_in_throttled_after_failures_even_with_the_right_password(
    web: TestClient, db_session: Session
):
    for _ in range(MAX_FAILURES):
        assert _sign_in(web, "sai mật khẩu rồi").status_code == 401
    response = _sign_in(web)  # the right password, not checked while throttled
    assert _problem(response, 429).type == "/problems/too-many-sign-ins"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert SESSION_COOKIE not in web.cookies
    assert len(_events(db_session, AuthEventKind.SIGN_IN_OK)) == 0
    assert len(_events(db_session, AuthEventKind.SIGN_IN_THROTTLED)) == 1


def test_sign_in_throttled_per_client_address_across_usernames(web: TestClient):
    for number in range(MAX_FAILURES):
        _sign_in(web, "sai mật khẩu rồi", username=f"khong_co_{number}")
    _problem(_sign_in(web), 429)


def test_sign_in_success_starts_the_username_count_again(web: TestClient, db_session: Session):
    for _ in range(MAX_FAILURES - 1):
        _sign_in(web, "sai mật khẩu rồi")
    assert _sign_in(web).status_code == 303
    db_session.execute(update(AuthEvent).values(client_addr=None))  # leave the address's count
    db_session.commit()
    assert _sign_in(web, "sai mật khẩu rồi").status_code == 401
    # Three failures in the window, but one since the success: not throttled.
    assert _sign_in(web, "sai mật khẩu rồi").status_code == 401


def test_sign_in_form_token_must_match_its_cookie(web: TestClient):
    _sign_in(web)  # the form cookie is set, then cleared by the sign-in
    data = {"username": "quantri", "password": PASSWORD, "csrf_token": "forged"}
    response = web.post("/sign-in", data=data, follow_redirects=False)
    assert _problem(response, 403).type == "/problems/csrf-failed"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/sites/KCN-DONG-PHO-MOI?lang=en", "/sites/KCN-DONG-PHO-MOI?lang=en"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_sign_in_next_stays_on_this_site(target: str, expected: str):
    assert local_path(target) == expected


def test_sign_in_next_to_another_host_goes_home(web: TestClient):
    response = _sign_in(web, next_path="https://evil.example/steal")
    assert response.headers["location"] == "/"


def test_me_with_the_cookie_returns_the_session_csrf_token(web: TestClient):
    _sign_in(web)
    me = _me(web)
    assert me.authenticated and me.username == "quantri" and me.csrf_token


def test_cookie_post_without_or_with_a_wrong_csrf_token_is_403(web: TestClient):
    _sign_in(web)
    problem = _problem(web.post("/test-write"), 403)
    assert problem.type == "/problems/csrf-failed"
    _problem(web.post("/test-write", headers={"X-CSRF-Token": "wrong"}), 403)


def test_cookie_post_with_the_csrf_token_is_allowed(web: TestClient):
    _sign_in(web)
    token = _me(web).csrf_token
    assert token is not None
    assert web.post("/test-write", headers={"X-CSRF-Token": token}).status_code == 200


def test_bearer_post_needs_no_csrf_token(web: TestClient, db_session: Session):
    plain = identity.create_token(db_session, "quantri", name="cổng").plain
    response = web.post("/test-write", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200, response.text


def test_sign_out_revokes_the_session(web: TestClient, db_session: Session):
    _sign_in(web)
    secret, token = web.cookies[SESSION_COOKIE], _me(web).csrf_token
    response = web.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and SESSION_COOKIE not in web.cookies
    assert not _me(web, secret).authenticated  # the old cookie is dead on the server
    assert len(_events(db_session, AuthEventKind.SIGN_OUT)) == 1


def test_sign_out_without_the_session_token_is_403(web: TestClient):
    _sign_in(web)
    response = web.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert _problem(response, 403).code == "csrf-failed"
    assert _me(web).authenticated


def test_disabling_the_user_ends_its_sessions(web: TestClient, db_session: Session):
    _sign_in(web)
    identity.disable_user(db_session, "quantri")
    assert not _me(web).authenticated
    assert db_session.scalars(select(WebSession.revoked_at)).one() is not None


def test_resetting_the_password_ends_its_sessions(web: TestClient, db_session: Session):
    _sign_in(web)
    identity.set_password(db_session, "quantri", "một mật khẩu mới dài")
    assert not _me(web).authenticated


def test_expired_session_is_anonymous_and_may_not_write(web: TestClient, db_session: Session):
    _sign_in(web)
    token = _me(web).csrf_token
    past = datetime.now(UTC) - timedelta(minutes=1)
    db_session.execute(update(WebSession).values(expires_at=past))
    db_session.commit()
    assert not _me(web).authenticated
    response = web.post("/test-write", headers={"X-CSRF-Token": token or ""})
    assert _problem(response, 401).code == "unauthorized"


def test_page_header_shows_who_is_signed_in_with_a_sign_out_form(web: TestClient):
    anonymous = web.get("/check").text
    assert 'href="/sign-in?next=/check"' in anonymous and "Đăng xuất" not in anonymous
    _sign_in(web)
    page = web.get("/check?lang=en").text
    assert "quantri" in page and 'action="/sign-out?lang=en"' in page
    assert f'value="{_me(web).csrf_token}"' in page


def test_sign_in_page_is_vietnamese_first_and_english_on_request(web: TestClient):
    assert "Tên đăng nhập" in web.get("/sign-in").text
    assert "Username" in web.get("/sign-in?lang=en").text


def test_pages_without_a_cookie_run_no_query(web: TestClient, db_session: Session):
    seen: list[str] = []
    engine = db_session.get_bind().engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert web.get("/check").status_code == 200
        assert web.get("/api/v1/me").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == []
