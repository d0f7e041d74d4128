"""People sign in and out on the web pages; the session lives in an ``HttpOnly`` cookie.

The sign-in form is protected from cross-site posts (login CSRF) by a double-submit cookie:
``GET /sign-in`` draws a random token, puts it in the form and in the cookie
``sitereg_signin_csrf`` (``HttpOnly``, ``SameSite=Strict``, host-only, ``Path=/sign-in``), and
``POST /sign-in`` accepts the form only when both are equal. We chose it over a pre-session row
because an anonymous GET then writes nothing to the database (a crawler cannot fill a table) and
no server-side signing key has to be kept and rotated. Another site can neither read that cookie
nor set it on our host; the one way left, writing it from a sibling subdomain or over plain
HTTP, is closed by serving sitereg over TLS with ``SITEREG_AUTH__SECURE_COOKIES=true``.

Once signed in, the session's own synchronizer token guards every state-changing request
(``app.deps.get_caller``); the sign-out form sends it as ``csrf_token``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access import Caller, CsrfFailed, Unauthorized
from app.deps import SessionDep, SettingsDep, ViewerDep
from app.map.i18n import parse_lang
from app.map.render import link_for, render_page
from app.routers.map import LangQuery, page_context
from app.schemas.problem import problem_responses
from app.services import web_sessions
from app.services.web_sessions import SESSION_COOKIE, Client
from app.settings import Settings

router = APIRouter(tags=["pages"], include_in_schema=False, default_response_class=HTMLResponse)

FORM_COOKIE = "sitereg_signin_csrf"
FORM_PATH = "/sign-in"
NextQuery = Annotated[
    str, Query(alias="next", description="Local path to return to after signing in.")
]


def local_path(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 0x20 for char in target):
        return "/"
    return target


def _form_page(
    request: Request, lang: str | None, viewer: Caller | None, **fields: str | bool
) -> str:
    context = page_context(request, "sign_in", lang, viewer)
    return render_page("sign_in.html", context, **fields)


@router.get(FORM_PATH, summary="Sign in")
def sign_in_form(
    request: Request,
    settings: SettingsDep,
    viewer: ViewerDep,
    lang: LangQuery = None,
    next_path: NextQuery = "/",
) -> HTMLResponse:
    """Return the sign-in form, with a fresh token in the form and in its cookie."""
    token = secrets.token_urlsafe(32)
    page = _form_page(
        request,
        lang,
        viewer,
        form_csrf=token,
        next_path=local_path(next_path),
        username="",
        error=False,
    )
    response = HTMLResponse(page)
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        path=FORM_PATH,
        secure=settings.auth.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


def _after_sign_in(target: str, lang: str | None) -> str:
    path = local_path(target)
    return path if "lang=" in path else link_for(parse_lang(lang))(path)


def _client(request: Request) -> Client:
    return Client(
        addr=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
    )


@router.post(FORM_PATH, summary="Sign in", responses=problem_responses(403, 429))
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "/",
    lang: LangQuery = None,
) -> Response:
    """Check the password, set the session cookie and go on to ``next`` (303).

    A wrong password shows the form again (401); too many failures are a 429 with
    ``Retry-After``; a form whose token is not its cookie's is a 403.
    """
    sent, expected = csrf_token.encode(), request.cookies.get(FORM_COOKIE, "").encode()
    if not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("the sign-in form's csrf_token is not its cookie's: reload the form")
    try:
        issued = web_sessions.sign_in(
            session, username, password, auth=settings.auth, client=_client(request)
        )
    except Unauthorized:
        fields = {"form_csrf": csrf_token, "next_path": local_path(next_path), "username": username}
        page = _form_page(request, lang, None, error=True, **fields)
        return HTMLResponse(page, status_code=401)
    response = RedirectResponse(_after_sign_in(next_path, lang), status_code=303)
    _set_session_cookie(response, issued.secret, settings)
    response.delete_cookie(FORM_COOKIE, path=FORM_PATH)
    return response


def _set_session_cookie(response: Response, secret: str, settings: Settings) -> None:
    # No Max-Age: the browser keeps it for its session; the server ends it after
    # SITEREG_AUTH__SESSION_HOURS without a request (sliding), at sign-out or when the user
    # is disabled or its password reset.
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        path="/",
        secure=settings.auth.secure_cookies,
        httponly=True,
        samesite="lax",
    )


@router.post("/sign-out", summary="Sign out", responses=problem_responses(403))
def sign_out(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
    lang: LangQuery = None,
) -> RedirectResponse:
    """End the session (the form's ``csrf_token`` or ``X-CSRF-Token`` is the session's)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        sent = csrf_token or request.headers.get("x-csrf-token")
        request_id = getattr(request.state, "request_id", None)
        web_sessions.sign_out(session, secret, sent, request_id=request_id)
    response = RedirectResponse(link_for(parse_lang(lang))("/"), status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=settings.auth.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response
