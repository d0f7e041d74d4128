"""Which server each request reads from when ``DATABASE_REPLICA_URL`` is set, and read-your-writes.

Anonymous ``GET``/``HEAD`` requests of items, tiles, reports, exports and pages read from the
replica while it is up and within ``replica.max_lag_s`` (``app.db.replica``). Everything else
reads from the primary: writes, proposal checks, and every request with a bearer token or a
session cookie. Signing in is therefore enough to read one's own writes, a revoked token is
refused at once (a lagging replica could still hold it), and authentication may write its
sliding expiry, which a replica refuses.

A write that succeeds answers with the primary's WAL position after it, in the
``X-Sitereg-LSN`` header and the ``sitereg_lsn`` cookie. A read that sends either goes to the
replica only once the replica has replayed up to that position, else to the primary: a client
that wrote with a token and reads anonymously (a browser, a second service it hands the header
to) sees its write. A position that is not one sends the read to the primary.
"""

from __future__ import annotations

from typing import Final

import psycopg
from fastapi import FastAPI, Request
from psycopg_pool import PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.read_pool import fetch_one_prepared
from app.db.replica import PRIMARY_LSN_SQL, ReplicaState, Target, parse_lsn, reading_from
from app.deps import SAFE_METHODS, sends_credentials
from app.metrics import request_class
from app.settings import Settings

LSN_HEADER: Final = "X-Sitereg-LSN"
LSN_COOKIE: Final = "sitereg_lsn"
REPLICA_METHODS: Final = frozenset({"GET", "HEAD"})
REPLICA_CLASSES: Final = frozenset({"items", "tiles", "analysis", "exports", "pages"})
UNREADABLE_LSN: Final = 1 << 64
"""What a malformed position asks for: more than any replica has replayed (the primary)."""


def replica_candidate(request: Request) -> bool:
    """Return whether the replica may answer this request (anonymous read of a read class)."""
    method, path = request.method, request.url.path
    return (
        method in REPLICA_METHODS
        and request_class(method, path) in REPLICA_CLASSES
        and not path.startswith(("/sign-in", "/sign-out"))
        and not sends_credentials(request)
    )


def required_lsn(request: Request) -> int | None:
    """Return the WAL position the client's last write reached (header or cookie), if sent."""
    sent = [
        value
        for value in (request.headers.get(LSN_HEADER), request.cookies.get(LSN_COOKIE))
        if value is not None
    ]
    if not sent:
        return None
    positions = [parse_lsn(value) for value in sent]
    return max(UNREADABLE_LSN if lsn is None else lsn for lsn in positions)


def choose_target(request: Request, state: ReplicaState) -> Target:
    """Return where the request reads, and count it when it is a read the replica may take."""
    if not replica_candidate(request):
        return "primary"
    target: Target = "replica" if state.usable(required_lsn(request)) else "primary"
    state.reads[target] += 1
    return target


class ReadRoutingMiddleware:
    """Pure ASGI middleware: sets ``reads_from`` for the request; stamps a write's WAL position."""

    def __init__(self, app: ASGIApp, *, cookie_s: int, secure: bool) -> None:
        self.app = app
        cookie = f"{LSN_COOKIE}={{lsn}}; Max-Age={cookie_s}; Path=/; SameSite=Lax; HttpOnly"
        self.cookie = cookie + ("; Secure" if secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route the request's reads; after a successful write, add its WAL position."""
        state: ReplicaState | None = None
        if scope["type"] == "http":
            state = getattr(scope["app"].state, "replica", None)
        if state is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method in SAFE_METHODS:
            with reading_from(choose_target(request, state)):
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._stamping(scope["app"], send))

    def _stamping(self, app: FastAPI, send: Send) -> Send:
        async def send_with_lsn(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                lsn = await _primary_lsn(app)
                if lsn is not None:
                    message["headers"] = [
                        *message.get("headers", ()),
                        (LSN_HEADER.lower().encode(), lsn.encode()),
                        (b"set-cookie", self.cookie.format(lsn=lsn).encode()),
                    ]
            await send(message)

        return send_with_lsn


async def _primary_lsn(app: FastAPI) -> str | None:
    """Return the primary's WAL position now, None when it does not answer (the write stands)."""
    try:
        found = await fetch_one_prepared(app.state.read_pool.primary, PRIMARY_LSN_SQL, {})
    except (psycopg.Error, PoolTimeout):
        return None
    return str(found[0]) if found else None


def install_read_routing(app: FastAPI, settings: Settings) -> None:
    """Route reads to the replica when ``DATABASE_REPLICA_URL`` is set (else nothing)."""
    if settings.database_replica_url:
        app.add_middleware(
            ReadRoutingMiddleware,
            cookie_s=settings.replica.lsn_cookie_s,
            secure=settings.auth.secure_cookies,
        )
