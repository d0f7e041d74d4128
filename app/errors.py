"""Map exceptions to problem+json responses in one table, registered in a loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def _domain_handler(kind: ProblemType):  # type: ignore[no-untyped-def]
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        items = getattr(exc, "errors", [])
        located = [
            ProblemLocation(pointer=item.pointer, detail=item.detail)
            for item in items[:MAX_LISTED_ERRORS]
        ]
        found = getattr(exc, "found", None) or len(items)
        detail = counted(str(exc), found) if found > len(located) else str(exc)
        # An exception may carry response headers (Unauthorized: WWW-Authenticate, RFC 9110).
        headers = getattr(exc, "headers", None)
        return problem_response(request, kind, detail, located, headers)

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
    return problem_response(
        request,
        ProblemType(exc.status_code, code, title),
        str(exc.detail),
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _internal_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, INTERNAL, "The server failed to answer; quote the request_id when reporting it."
    )


HTTP_TITLES = {
    "too-large": PROBLEM_TYPES[spatial_errors.TooLarge].title,
    "unsupported-format": PROBLEM_TYPES[spatial_errors.UnsupportedFormat].title,
}


def register_error_handlers(app: FastAPI) -> None:
    """Install one handler per problem type, plus validation, HTTP and catch-all handlers."""
    for exc_class, kind in PROBLEM_TYPES.items():
        app.add_exception_handler(exc_class, _domain_handler(kind))
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _internal_handler)


class InvalidParameter(ValueError):
    """A query parameter is well-typed but wrong (a bbox with min > max, say)."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.errors = [ProblemLocation(pointer=f"/query/{parameter}", detail=detail)]


PROBLEM_TYPES[InvalidParameter] = INVALID_PARAMETER
