"""Engine and session factory; nothing is created at import time."""

from __future__ import annotations

import time
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings

IDLE_PING_S: Final = 10.0
"""A pooled connection idle for longer than this is pinged before use (see ``make_engine``)."""

_CHECKED_IN: Final = "sitereg_checked_in"


class DatabaseNotConfigured(RuntimeError):
    """The server was started without ``DATABASE_URL``."""


def server_database_url(settings: Settings) -> str:
    """Return ``DATABASE_URL``; the server never starts a database of its own.

    ``sitereg serve`` sets it to the embedded development cluster when it is unset
    (:mod:`devcluster`), so only a bare ``uvicorn --factory app.main:factory`` can miss it.

    Raises:
        DatabaseNotConfigured: when ``DATABASE_URL`` is not set.
    """
    if not settings.database_url:
        raise DatabaseNotConfigured(
            "DATABASE_URL is not set: run `sitereg serve` (it uses the embedded cluster) "
            "or set DATABASE_URL=postgresql+psycopg://user:pass@host:port/db"
        )
    return settings.database_url


def make_engine(
    url: str, *, pool_size: int = 16, max_overflow: int = 8, idle_ping_s: float = IDLE_PING_S
) -> Engine:
    """Build an engine whose connections run with JIT off and are pinged only after idling.

    PostgreSQL's JIT adds 100+ ms to spatial joins whose row estimates are wrong, and it never
    pays off on the registry's short queries, so every connection disables it.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, a sixth of a proposal
    check under load (bench/README.md). A connection in steady use cannot have gone stale
    unnoticed, so only one that has idled for more than ``idle_ping_s`` seconds is pinged; a
    dead one is replaced before the request sees it.
    """
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"options": "-c jit=off"},
    )
    _ping_after_idle(engine, idle_ping_s)
    return engine


def _ping_after_idle(engine: Engine, idle_ping_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def remember_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in <= idle_ping_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # leaves no transaction open
        except Exception as error:  # noqa: BLE001 (any failure: the pool reconnects)
            # The pool retries the checkout with a new connection (up to three times).
            raise exc.DisconnectionError("pooled connection went stale while idle") from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False)
