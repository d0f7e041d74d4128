"""Logging setup for server and CLI, and the request-id middleware."""

from __future__ import annotations

import json
import logging
import os
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("sitereg.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per log line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Configure the root logger once (plain text or JSON lines).

    Neither format prints the caller's file and line, thread or process, so records do not
    collect them (the logging HOWTO's "Optimization" switches): that halves the CPU of the
    line logged per request, 26 -> 13 µs in a loop and more under load (bench/README.md).
    """
    logging._srcfile = None  # noqa: SLF001 (the documented switch for caller information)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def install_request_logging(app: FastAPI) -> None:
    """Give every request an id (echoed in ``X-Request-ID``) and log one line per request."""
    app.add_middleware(RequestLogMiddleware)


class RequestLogMiddleware:
    """Pure ASGI middleware: request id in ``request.state`` and ``X-Request-ID``, one log line.

    Not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs every request
    through an extra task and memory stream, which costs about a millisecond per request and
    pipes streamed downloads chunk by chunk (``bench/README.md``). The line is written when the
    response has been sent, so a streamed download logs its whole duration.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Tag the request, pass it on, and log method, path, status and duration."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        # Request.state reads scope["state"], so the error handlers find the id there.
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode("latin-1"))
        status = 500  # when the app raises before answering, the server sends a 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log(scope, status, (time.perf_counter() - started) * 1000, request_id)


def _request_id(scope: Scope) -> str:
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name == b"x-request-id" and value:
            return value.decode("latin-1")
    # 16 hex digits, as uuid4().hex[:16] gave, without building a UUID object per request.
    return os.urandom(8).hex()


def _log(scope: Scope, status: int, duration_ms: float, request_id: str) -> None:
    level = logging.ERROR if status >= 500 else logging.INFO
    if logger.isEnabledFor(level):
        logger.log(
            level,
            "%s %s %s %.1fms rid=%s",
            scope["method"],
            scope["path"],
            status,
            duration_ms,
            request_id,
        )
