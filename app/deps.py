"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.access import ANONYMOUS, Caller, Unauthorized, require_signed_in
from app.db.engine import SESSION_TIMEOUT, milliseconds, set_statement_timeout
from app.repositories.as_of import AS_OF_HELP, parse_as_of
from app.services.identity import authenticate_token
from app.services.token_reads import authenticate_token_read
from app.services.web_sessions import SESSION_COOKIE, authenticate_session, require_csrf
from app.settings import Settings


async def get_settings_dep(request: Request) -> Settings:
    """Return the settings the app was built with (async: no I/O, so no thread-pool hop)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session for one request; it is closed (and rolled back) afterwards."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


# Closed when the handler has returned and its answer is serialised, before a byte is sent:
# a slow client never keeps a connection idle in transaction (FastAPI's dependency scope).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """Yield a session for a write route without the worker-thread hops of ``get_session``.

    Opening a session does no I/O, and the route leaves it idle (committed or rolled back, in
    its own worker thread), so closing it here sends nothing to the database either.
    """
    session: Session = request.app.state.session_factory()
    settings: Settings = request.app.state.settings
    # Stated with the write's author, in the same statement (app.services.change_context).
    session.info[SESSION_TIMEOUT] = f"{milliseconds(settings.timeouts.writes_s)}ms"
    try:
        yield session
    finally:
        session.close()


WriteSessionDep = Annotated[Session, Depends(get_write_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_export_session(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> Session:
    """Return a session with the exports' time limit (``timeouts.exports_s``).

    It lives until the response has been sent: a GeoJSON download's spool drains its query
    while the response goes out, then ends the transaction (``app.ogc.downloads.spool``).
    """
    set_statement_timeout(session, request.app.state.settings.timeouts.exports_s)
    return session


def get_analysis_session(request: Request, session: SessionDep) -> Session:
    """Return the request's session with the analysis time limit (``timeouts.analysis_s``)."""
    set_statement_timeout(session, request.app.state.settings.timeouts.analysis_s)
    return session


ExportSessionDep = Annotated[Session, Depends(get_export_session)]
AnalysisSessionDep = Annotated[Session, Depends(get_analysis_session)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_viewer(request: Request, session: SessionDep) -> Caller:
    """Return the person signed in by the session cookie, or the anonymous caller (pages).

    Without the cookie nothing is queried. A dead session (unknown, expired, revoked, or its
    user disabled) is anonymous, never an error: the cookie is ambient, so a page still shows.
    """
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return ANONYMOUS
    settings: Settings = request.app.state.settings
    return authenticate_session(session, secret, auth=settings.auth) or ANONYMOUS


ViewerDep = Annotated[Caller, Depends(get_viewer)]


def get_caller(request: Request, session: SessionDep) -> Caller:
    """Return the caller named by a bearer token or the session cookie, or the anonymous caller.

    ``Authorization: Bearer …`` wins: a header that is not a bearer token, or a token that is
    unknown, expired, revoked or whose user is disabled, is a 401, and no CSRF token is needed
    (a browser never adds that header by itself). Otherwise the session cookie names the caller,
    and a POST, PUT, PATCH or DELETE must carry the session's ``X-CSRF-Token`` (403
    ``csrf-failed``); GET and HEAD never do. Without header or cookie nothing is queried. Only
    routes that need to know the caller declare this; reads stay open.
    """
    header = request.headers.get("authorization")
    if header is None:
        caller = get_viewer(request, session)
        if request.method not in SAFE_METHODS:
            require_csrf(caller, request.headers.get("x-csrf-token"))
        return caller
    request_id = getattr(request.state, "request_id", None)
    return authenticate_token(session, bearer_token(header), request_id=request_id)


def bearer_token(header: str) -> str:
    """Return the token of an ``Authorization: Bearer <token>`` header, or refuse it (401)."""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("the Authorization header is not 'Bearer <token>'", invalid_token=True)
    return credentials.strip()


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_writer(request: Request, session: WriteSessionDep) -> Caller:
    """Return the caller of a write, checked on the write's own session, before the body is read.

    As ``get_caller``: a bearer token wins (a bad one is 401), else the session cookie names the
    caller and its CSRF token is required; anonymous is 401 at once, without a query. The check
    runs in one worker thread and, for a token, leaves its transaction open: the write goes on in
    it (``app.ogc.features.writes``).
    """
    header = request.headers.get("authorization")
    if header is not None:
        token = bearer_token(header)
        request_id = getattr(request.state, "request_id", None)
        return await run_in_threadpool(_token_caller, session, token, request_id)
    caller = ANONYMOUS
    if request.cookies.get(SESSION_COOKIE):
        caller = await run_in_threadpool(_viewer_left_idle, request, session)
    require_signed_in(caller)
    require_csrf(caller, request.headers.get("x-csrf-token"))
    return caller


def _token_caller(session: Session, token: str, request_id: str | None) -> Caller:
    try:
        return authenticate_token(session, token, request_id=request_id)
    except Unauthorized:
        session.rollback()  # here, so that closing the session sends nothing
        raise


def _viewer_left_idle(request: Request, session: Session) -> Caller:
    """Return the cookie's caller and end the lookup's transaction (read-only: commit)."""
    caller = get_viewer(request, session)
    session.commit()
    return caller


WriterDep = Annotated[Caller, Depends(get_writer)]


def sends_bearer(request: Request) -> bool:
    """Return whether the ``Authorization`` header names the Bearer scheme (ours)."""
    scheme = request.headers.get("authorization", "").strip().partition(" ")[0]
    return scheme.lower() == "bearer"


def sends_credentials(request: Request) -> bool:
    """Return whether the request carries a bearer token or a session cookie."""
    return sends_bearer(request) or bool(request.cookies.get(SESSION_COOKIE))


async def get_reader(request: Request) -> Caller:
    """Return the caller of a read, resolved at most once per request.

    Without a bearer token or session cookie it is the anonymous caller: no query and no hop
    to a worker thread, so the OGC items stay on the event loop and the read pool. A bearer
    token is checked on the read pool (``token_reads``; a bad one is a 401), a session cookie
    as ``get_viewer`` does, on a session of its own in a worker thread. Another scheme (a
    proxy's ``Basic`` credentials) is not ours: reads ignore it, where ``get_caller`` refuses
    it, so such a proxy does not turn reads into 401s.
    """
    known: Caller | None = getattr(request.state, "reader", None)
    if known is not None:
        return known
    if not sends_credentials(request):
        return ANONYMOUS
    if sends_bearer(request):
        caller = await _bearer_reader(request)
    else:
        caller = await run_in_threadpool(_viewer_in_own_session, request)
    request.state.reader = caller
    return caller


async def _bearer_reader(request: Request) -> Caller:
    """Check a read's bearer token on the read pool (``token_reads``): no thread, no session."""
    credentials = bearer_token(request.headers.get("authorization", ""))
    request_id = getattr(request.state, "request_id", None)
    return await authenticate_token_read(
        request.app.state.read_pool, credentials, request_id=request_id
    )


def _viewer_in_own_session(request: Request) -> Caller:
    session: Session = request.app.state.session_factory()
    try:
        return get_viewer(request, session)
    finally:
        session.close()


ReaderDep = Annotated[Caller, Depends(get_reader)]

OPEN_PATHS = frozenset(
    {"/healthz", "/sign-in", "/sign-out", "/ogc", "/ogc/conformance", "/ogc/api",
     "/openapi.json", "/docs"}
)  # fmt: skip
"""Routes anonymous callers reach when ``auth.anonymous_read`` is off (static files too)."""


async def require_reader(request: Request) -> None:
    """Refuse anonymous callers outside ``OPEN_PATHS``: the ``auth.anonymous_read = false`` gate.

    Installed on the whole app by ``create_app`` only when anonymous reads are turned off, so
    the default deployment pays nothing for it.

    Raises:
        Unauthorized: the caller is anonymous (401 problem+json with a Bearer challenge).
    """
    route = request.scope.get("route")
    if getattr(route, "path", None) in OPEN_PATHS:
        return
    caller = await get_reader(request)
    if not caller.authenticated:
        raise Unauthorized(
            "this deployment serves signed-in callers only: send 'Authorization: Bearer srg_…' "
            "or sign in at /sign-in"
        )


OFFSET_MAX = 2**31 - 1
"""Largest ``offset`` accepted: beyond it PostgreSQL's bigint arithmetic on offset + limit
overflows (a 500), and no layer holds that many rows."""
OffsetQuery = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Features to skip.")]
ROW_ID_MAX = 2**31 - 1
"""Largest row id (PostgreSQL ``integer``); a larger one in a path is a 400, not a 500."""


class Page:
    """Paging parameters: ``limit`` (bounded by settings) and ``offset``."""

    def __init__(self, limit: int, offset: int) -> None:
        self.limit = limit
        self.offset = offset


async def get_page(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, description="Features per page.")] = None,
    offset: OffsetQuery = 0,
) -> Page:
    """Return the page, with the default size and the maximum from settings (no I/O)."""
    size = limit or settings.limits.page_size_default
    return Page(limit=min(size, settings.limits.page_size_max), offset=offset)


PageDep = Annotated[Page, Depends(get_page)]


async def get_as_of(
    as_of: Annotated[
        str | None, Query(description=AS_OF_HELP, examples=["2026-01-01", "2026-12-07T08:00:00Z"])
    ] = None,
) -> datetime | None:
    """Return the recorded time to answer at (``as_of``), None for now (400 when malformed)."""
    return parse_as_of(as_of)


AsOfDep = Annotated[datetime | None, Depends(get_as_of)]
