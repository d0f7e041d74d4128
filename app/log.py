"""Logging setup for server and CLI, and the request-id middleware."""

from __future__ import annotations

import json
import logging
import os
import re
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import Metrics

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


_CONTROL = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}


def escape_control(text: str) -> str:
    """Return ``text`` with its control characters (newlines too) escaped: one line, unforged."""
    return text if text.isprintable() else text.translate(_CONTROL)


class PlainFormatter(logging.Formatter):
    """Text lines whose message cannot break the line: a crafted path cannot forge a record.

    Only a traceback, which the formatter itself appends, spans several lines.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Render the record with its message escaped (``escape_control``)."""
        record.message = escape_control(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


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
        else PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def install_request_logging(app: FastAPI, metrics: Metrics | None = None) -> None:
    """Give every request an id (echoed in ``X-Request-ID``) and log one line per request.

    With ``metrics``, each request is also counted there (``/metrics``).
    """
    app.add_middleware(RequestLogMiddleware, metrics=metrics)


class RequestLogMiddleware:
    """Pure ASGI middleware: request id in ``request.state`` and ``X-Request-ID``, one log line.

    Not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs every request
    through an extra task and memory stream, which costs about a millisecond per request and
    pipes streamed downloads chunk by chunk (``bench/README.md``). The line is written when the
    response has been sent, so a streamed download logs its whole duration.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

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
            duration_s = time.perf_counter() - started
            _log(scope, status, duration_s * 1000, request_id)
            if self.metrics is not None:
                self.metrics.record(scope["method"], scope["path"], status, duration_s)


_CLIENT_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def _request_id(scope: Scope) -> str:
    """Return the client's ``X-Request-ID`` when it is a plain token, else a new id."""
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _CLIENT_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
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
