"""Bound what a request may send: no control characters in its text, no body over its limit.

Control characters: PostgreSQL cannot store NUL in text, and any other C0 control character in
a name, code or filter is a mistake or an attack (log forging), so a query parameter or a path
holding one is a 400 problem+json naming it, not a 500 from the driver in a query or a stream.
Tab, line feed and carriage return stay allowed: a CQL2 filter may be written on several lines.

JSON bodies: nested deeper than ``spatial.io.json_depth.MAX_JSON_DEPTH`` is a 400 before the
parser, pydantic or shapely recurse on it (a RecursionError, a 500).

Body size: counted while the body is read, so a chunked body (no ``Content-Length``) is cut off
at the limit as surely as a declared one, and nothing holds more than the limit in memory or in
the temp folder. The limit depends on the kind of upload (``BodyLimits``). A route that refuses
a request before reading its body (401, 404) still answers that, whatever the body's size;
a JSON body, read here whole for its depth, is measured first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

import anyio.to_thread
from fastapi import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import INVALID_PARAMETER, MALFORMED_BODY, TOO_LARGE, ProblemType, problem_response
from app.schemas.problem import ProblemLocation
from app.settings import Settings
from spatial.io.json_depth import too_deep

CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RAW_CONTROL: Final = re.compile(rb"[\x00-\x1f\x7f]")
BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
INLINE_SCAN_BYTES: Final = 256 * 1024
"""A JSON body up to this size is scanned for its depth on the event loop (under 2 ms)."""


def control_character_in(scope: Scope) -> tuple[str, str] | None:
    """Return ``(pointer, detail)`` for the first parameter or path holding a control character."""
    path: str = scope.get("path", "")
    if CONTROL.search(path):
        return "/path", "the path holds a control character"
    query: bytes = scope.get("query_string", b"")
    # Fast path: without an escape or a raw control byte no decoded value can hold one.
    if b"%" not in query and not RAW_CONTROL.search(query):
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if CONTROL.search(name):
            return "/query", "a parameter name holds a control character"
        found = CONTROL.search(value)
        if found:
            shown = name if name.isprintable() else "?"
            return f"/query/{shown}", (
                f"control character U+{ord(found.group()):04X} at position {found.start()} "
                "is not allowed"
            )
    return None


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, in bytes, of each kind of upload."""

    default_bytes: int
    """Anonymous proposal checks, boundary uploads and feature writes."""
    imports_bytes: int
    """Signed-in imports of official layers (``/api/v1/imports``)."""

    def for_path(self, path: str) -> int:
        """Return the limit of a request to ``path``."""
        return self.imports_bytes if path.startswith(IMPORTS_PREFIX) else self.default_bytes


IMPORTS_PREFIX: Final = "/api/v1/imports"
MULTIPART_SLACK_BYTES: Final = 64 * 1024
"""Room for a multipart body's boundaries and part headers around a file of the full size."""


def body_limits(settings: Settings) -> BodyLimits:
    """Return the body limits of ``settings`` (MB of 2^20 bytes, plus multipart framing)."""
    return BodyLimits(
        default_bytes=int(settings.limits.upload_max_mb * 2**20) + MULTIPART_SLACK_BYTES,
        imports_bytes=int(settings.imports.max_upload_mb * 2**20) + MULTIPART_SLACK_BYTES,
    )


class BodyTooLarge(HTTPException):
    """The request body is over its limit (413; an HTTPException so FastAPI passes it on)."""

    def __init__(self, limit_bytes: int, declared: bool) -> None:
        said = "Content-Length declares" if declared else "the body sent has"
        super().__init__(
            413, f"{said} more than the limit of {limit_bytes} bytes ({limit_bytes / 2**20:.1f} MB)"
        )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def bounded_receive(receive: Receive, limit_bytes: int, declared: int | None) -> Receive:
    """Return ``receive`` that raises ``BodyTooLarge`` once the body passes ``limit_bytes``."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        if declared is not None and declared > limit_bytes:
            raise BodyTooLarge(limit_bytes, declared=True)
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit_bytes:
                raise BodyTooLarge(limit_bytes, declared=False)
        return message

    return limited


def _is_json(scope: Scope) -> bool:
    """Return whether the request sends a JSON body (``application/json``, ``…+json``)."""
    if scope["method"] not in BODY_METHODS:
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.split(b";")[0].strip().lower()
            return media.startswith(b"application/") and media.endswith((b"/json", b"+json"))
    return False


async def _whole_body(receive: Receive) -> bytes:
    """Read the (bounded) body to its end."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return ``receive`` that hands the app ``body`` again, then what the client sends."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


async def _depth_problem(body: bytes) -> str | None:
    """Say why ``body`` nests too deeply, off the event loop for a large body."""
    if len(body) <= INLINE_SCAN_BYTES:
        return too_deep(body)
    return await anyio.to_thread.run_sync(too_deep, body)


class InputGuardMiddleware:
    """Pure ASGI middleware: 400 for control characters or deep JSON, 413 past body limits."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless its text, size or nesting is refused."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = control_character_in(scope)
        if found is not None:
            await _refuse(scope, receive, send, INVALID_PARAMETER, *found)
            return
        limit = self.limits.for_path(scope["path"])
        receive = bounded_receive(receive, limit, _declared_length(scope))
        if _is_json(scope):
            try:
                body = await _whole_body(receive)
            except BodyTooLarge as exc:
                await _refuse(scope, receive, send, TOO_LARGE, "/body", str(exc.detail))
                return
            except ClientDisconnect:  # nobody is left to answer
                return
            problem = await _depth_problem(body)
            if problem is not None:
                await _refuse(scope, receive, send, MALFORMED_BODY, "/body", problem)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _refuse(
    scope: Scope, receive: Receive, send: Send, kind: ProblemType, pointer: str, detail: str
) -> None:
    """Answer the request with a problem+json of ``kind`` located at ``pointer``."""
    location = [ProblemLocation(pointer=pointer, detail=detail)]
    response = problem_response(Request(scope, receive), kind, detail, location)
    await response(scope, receive, send)
