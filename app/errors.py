"""Map exceptions to problem+json responses in one table, registered in a loop."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Final

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from app.access import CsrfFailed, Forbidden, TooManySignIns, Unauthorized
from app.repositories import Conflict, NotFound
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail, ProblemLocation
from app.write_errors import (
    InvalidFeature,
    InvalidReference,
    NotEditable,
    PreconditionFailed,
    PreconditionRequired,
)
from spatial import errors as spatial_errors
from spatial.io.proposal_cost import ProposalTooCostly

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    """Status, stable code and fixed title of one problem type."""

    status: int
    code: str
    title: str


PROBLEM_TYPES: dict[type[Exception], ProblemType] = {
    Unauthorized: ProblemType(401, "unauthorized", "Authentication required"),
    Forbidden: ProblemType(403, "forbidden", "Outside the caller's scope"),
    CsrfFailed: ProblemType(403, "csrf-failed", "Missing or wrong CSRF token"),
    TooManySignIns: ProblemType(429, "too-many-sign-ins", "Too many failed sign-ins"),
    NotFound: ProblemType(404, "not-found", "Not found"),
    Conflict: ProblemType(409, "conflict", "Conflict"),
    InvalidFeature: ProblemType(400, "invalid-feature", "Invalid feature"),
    InvalidReference: ProblemType(400, "invalid-feature", "Invalid feature"),
    NotEditable: ProblemType(405, "method-not-allowed", "Collection not editable"),
    PreconditionFailed: ProblemType(412, "version-mismatch", "The feature changed meanwhile"),
    PreconditionRequired: ProblemType(428, "version-required", "Expected version required"),
    spatial_errors.InvalidGeometry: ProblemType(422, "invalid-geometry", "Invalid geometry"),
    spatial_errors.UnknownCRS: ProblemType(422, "unknown-crs", "Unknown or unusable CRS"),
    spatial_errors.OutsideVietnam: ProblemType(422, "outside-vietnam", "Outside Vietnam"),
    spatial_errors.UnreadableFile: ProblemType(400, "unreadable-file", "Unreadable file"),
    spatial_errors.UnsupportedFormat: ProblemType(415, "unsupported-format", "Unsupported format"),
    spatial_errors.TooLarge: ProblemType(413, "too-large", "Upload too large"),
    ProposalTooCostly: ProblemType(422, "proposal-over-limit", "Proposal over the check's limits"),
}
INVALID_PARAMETER = ProblemType(400, "invalid-parameter", "Invalid request parameter")
MALFORMED_BODY = ProblemType(400, "malformed-body", "Malformed request body")
TOO_LARGE = PROBLEM_TYPES[spatial_errors.TooLarge]
INTERNAL = ProblemType(500, "internal-error", "Internal server error")
HTTP_CODES = {
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    415: "unsupported-format",
}
MAX_LISTED_ERRORS = 50
"""A problem lists at most this many locations; its detail says how many there were in all."""


def counted(detail: str, found: int) -> str:
    """Return ``detail`` saying that the response lists only the first of ``found`` problems."""
    return f"{detail} (errors lists the first {MAX_LISTED_ERRORS} of {found} problems)"


DATABASE_UNAVAILABLE = ProblemType(503, "database-unavailable", "Database unavailable")
TOOK_TOO_LONG = ProblemType(503, "took-too-long", "The request took too long")
RETRY_AFTER_S = 5
"""Seconds a client is asked to wait (``Retry-After``) when the database cannot answer."""
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,  # psycopg's, wrapped by SQLAlchemy: lost, refused, cancelled
    sa_exc.InterfaceError,  # a connection closed under SQLAlchemy
    sa_exc.TimeoutError,  # no pooled connection within pool.wait_s
    psycopg.OperationalError,  # the asyncio pools: the same, and psycopg_pool.PoolTimeout
    psycopg.InterfaceError,
)


def problem_response(
    request: Request,
    kind: ProblemType,
    detail: str,
    errors: list[ProblemLocation] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response for ``request``; ``errors`` past the first 50 are counted."""
    if errors is not None and len(errors) > MAX_LISTED_ERRORS:
        detail = counted(detail, len(errors))
        errors = errors[:MAX_LISTED_ERRORS]
    body = ProblemDetail(
        type=f"/problems/{kind.code}",
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=request.url.path,
        code=kind.code,
        errors=errors or [],
        request_id=getattr(request.state, "request_id", None),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=kind.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def hide_server_paths(text: str) -> str:
    """Return ``text`` with paths under the temporary folders cut to their file names.

    A library's message (GDAL's "ERROR parsing kml /tmp/…/upload.kml") must not show where
    the server keeps its files.
    """
    current = tempfile.gettempdir()
    roots = {current, os.path.dirname(current), "/tmp", "/var/tmp"} - {"", "/"}
    pattern = "|".join(re.escape(root.rstrip("/")) for root in sorted(roots, key=len, reverse=True))
    return re.sub(rf"(?:{pattern})/[^\s:;,()'\"]*", lambda m: os.path.basename(m.group()), text)


def _domain_handler(kind: ProblemType):  # type: ignore[no-untyped-def]
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        items = getattr(exc, "errors", [])
        located = [
            ProblemLocation(pointer=item.pointer, detail=hide_server_paths(item.detail))
            for item in items[:MAX_LISTED_ERRORS]
        ]
        found = getattr(exc, "found", None) or len(items)
        detail = counted(str(exc), found) if found > len(located) else str(exc)
        # An exception may carry response headers (Unauthorized: WWW-Authenticate, RFC 9110).
        headers = getattr(exc, "headers", None)
        return problem_response(request, kind, hide_server_paths(detail), located, headers)

    return handle


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    located = [
        ProblemLocation(
            pointer="/" + "/".join(str(part) for part in error["loc"]), detail=str(error["msg"])
        )
        for error in exc.errors()
    ]
    summary = "; ".join(f"{item.pointer}: {item.detail}" for item in located)
    return problem_response(request, INVALID_PARAMETER, summary, located)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http-error")
    title = HTTP_TITLES.get(code) or code.replace("-", " ").capitalize()
    # Headers the exception carries go out with it (405: Allow, RFC 9110 §15.5.6).
    headers = dict(exc.headers) if exc.headers else {}
    # A method no route takes (not a handler's refusal): every route of the path answers Allow.
    allowed = _routed_methods(request) if exc.status_code == 405 else set()
    if allowed and request.method not in allowed:
        headers["Allow"] = ", ".join(sorted(allowed))
    return problem_response(
        request, ProblemType(exc.status_code, code, title), str(exc.detail), headers=headers or None
    )


HTTP_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _routed_methods(request: Request) -> set[str]:
    """Return every method some route of the request's path takes.

    Starlette's 405 names the methods of the first route of the path only; a path served by
    routes of two routers (reading ``GET /api/v1/targets``, keeping ``POST``) takes them all.
    Asked of each route through ``matches``, which included routers answer too; mounted apps
    (``/static``) answer every method and are left out.
    """
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    return {
        method
        for method in HTTP_METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    }


async def _internal_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, INTERNAL, "The server failed to answer; quote the request_id when reporting it."
    )


HTTP_TITLES = {
    "too-large": PROBLEM_TYPES[spatial_errors.TooLarge].title,
    "unsupported-format": PROBLEM_TYPES[spatial_errors.UnsupportedFormat].title,
}


def _timed_out(exc: Exception) -> bool:
    """Return whether PostgreSQL cancelled the statement (``statement_timeout``)."""
    return isinstance(getattr(exc, "orig", None) or exc, psycopg.errors.QueryCanceled)


UNAVAILABLE_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>sitereg</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/map/sitereg.css"></head>
<body class="sr-doc"><main class="sr-unavailable">
<h1>Dữ liệu tạm thời không truy cập được</h1>
<p>Cơ sở dữ liệu của sổ đăng ký chưa trả lời. Vui lòng thử lại sau ít phút.</p>
<h1 lang="en">The registry's data is unavailable</h1>
<p lang="en">{detail} Please try again in a minute.</p>
<p><a href="">Thử lại / Try again</a></p>
</main></body></html>
"""


async def _database_handler(request: Request, exc: Exception) -> HTMLResponse | JSONResponse:
    """Answer 503 with ``Retry-After``: a page for the planners' pages, problem+json elsewhere.

    A statement stopped by its time limit says the request took too long; any other failure
    (refused, lost connection, no pooled connection in time) says the database is unavailable.
    """
    kind = TOOK_TOO_LONG if _timed_out(exc) else DATABASE_UNAVAILABLE
    logger.warning("%s on %s %s: %s", kind.code, request.method, request.url.path, type(exc))
    if kind is TOOK_TOO_LONG:
        detail = "the database stopped this request at the time limit of its kind; "
        detail += "narrow it (bbox, filter, limit) or try again later"
    else:
        detail = "the database did not answer; the request can be repeated as it is"
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if "pages" in getattr(request.scope.get("route"), "tags", ()):
        detail_en = "The request took too long." if kind is TOOK_TOO_LONG else ""
        page = UNAVAILABLE_PAGE.format(detail=detail_en or "The database did not answer.")
        return HTMLResponse(page, status_code=503, headers=headers)
    return problem_response(request, kind, detail, headers=headers)


def register_error_handlers(app: FastAPI) -> None:
    """Install one handler per problem type, plus validation, HTTP and catch-all handlers."""
    for exc_class, kind in PROBLEM_TYPES.items():
        app.add_exception_handler(exc_class, _domain_handler(kind))
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, _database_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _internal_handler)


class InvalidParameter(ValueError):
    """A query parameter is well-typed but wrong (a bbox with min > max, say)."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.errors = [ProblemLocation(pointer=f"/query/{parameter}", detail=detail)]


PROBLEM_TYPES[InvalidParameter] = INVALID_PARAMETER
