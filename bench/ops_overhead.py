"""What issue 18's safeguards cost a small request, measured in-process (no database needed).

Figures, in microseconds per request or per call, best of ``--rounds``:

* the dead-connection check at every checkout (``engine.has_pending_input``: one ``poll``);
* the security headers middleware on a small JSON response (headers only) and on a 30 KB HTML
  page (buffered, nonce added to its tags), against the same app without it;
* ``until_client_leaves`` around a proposal check's work, against awaiting it directly.

Each statement time limit costs nothing per request: it is a connection option of the pool of
its class, or part of a statement the request sends anyway (writes), or one statement per
export and analysis report, which run for tens of milliseconds at least.

Usage::

    .venv/bin/python bench/ops_overhead.py [--calls 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.db.admission import until_client_leaves
from app.db.engine import has_pending_input
from app.security import SecurityHeadersMiddleware

SMALL_JSON = b'{"type":"Feature","id":"KCN-1","properties":{}}'
PAGE = (b"<!doctype html><html><head><style>a{}</style><script src=/x.js></script></head><body>"
        + b"<p>registry</p>" * 2000 + b"<script>start()</script></body></html>")  # fmt: skip


def app_returning(body: bytes, media_type: bytes) -> Callable[..., Awaitable[None]]:
    """Return an ASGI app that answers every request with ``body``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def per_request_us(app: Any, calls: int) -> float:
    """Return the microseconds one request through ``app`` takes (in-process ASGI call)."""
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(calls):
        await app(scope, receive, send)
    return (time.perf_counter() - started) / calls * 1e6


async def waiting_us(calls: int, *, watched: bool) -> float:
    """Return the microseconds of awaiting trivial work, directly or ``until_client_leaves``."""

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def work() -> int:
        await asyncio.sleep(0)
        return 1

    started = time.perf_counter()
    for _ in range(calls):
        if watched:
            await until_client_leaves(receive, work())
        else:
            await work()
    return (time.perf_counter() - started) / calls * 1e6


def poll_us(calls: int) -> float:
    """Return the microseconds of one dead-connection check on an idle socket."""
    left, right = socket.socketpair()
    with left, right:
        started = time.perf_counter()
        for _ in range(calls):
            has_pending_input(left.fileno())
        return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    """Print the figures, best of ``--rounds``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    calls = args.calls
    json_app = app_returning(SMALL_JSON, b"application/json")
    html_app = app_returning(PAGE, b"text/html; charset=utf-8")

    def secured(app: Any) -> Any:
        return SecurityHeadersMiddleware(app, frame_ancestors="'none'", tile_url=None)

    figures: dict[str, Callable[[], float]] = {
        "checkout check (poll)": lambda: poll_us(calls),
        "JSON, no middleware": lambda: asyncio.run(per_request_us(json_app, calls)),
        "JSON, security headers": lambda: asyncio.run(per_request_us(secured(json_app), calls)),
        "HTML 30 KB, no middleware": lambda: asyncio.run(per_request_us(html_app, calls // 10)),
        "HTML 30 KB, CSP nonce": lambda: asyncio.run(
            per_request_us(secured(html_app), calls // 10)
        ),
        "await work directly": lambda: asyncio.run(waiting_us(calls, watched=False)),
        "until_client_leaves(work)": lambda: asyncio.run(waiting_us(calls, watched=True)),
    }
    for name, figure in figures.items():
        best = min(figure() for _ in range(args.rounds))
        print(f"{name:28} {best:8.2f} µs")


if __name__ == "__main__":
    main()
