"""Engine and session factory; nothing is created at import time."""

from __future__ import annotations

import select
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


def connection_options(
    *,
    statement_timeout_s: float | None = None,
    idle_in_transaction_s: float | None = None,
    serial: bool = False,
) -> str:
    """Return libpq ``options`` for a pool's connections: JIT off, and the pool's time limits.

    Set once when a connection opens, they cost no statement per request. ``None`` leaves a
    limit as the server has it (the CLI's long jobs, migrations). ``serial`` turns parallel
    plans off: a pool whose statements are many and short (tiles) gains nothing from a
    parallel worker when every CPU is busy with other requests, and pays for starting one.
    """
    parts = ["-c jit=off"]
    if serial:
        parts.append("-c max_parallel_workers_per_gather=0")
    if statement_timeout_s is not None:
        parts.append(f"-c statement_timeout={milliseconds(statement_timeout_s)}")
    if idle_in_transaction_s is not None:
        parts.append(
            f"-c idle_in_transaction_session_timeout={milliseconds(idle_in_transaction_s)}"
        )
    return " ".join(parts)


def milliseconds(seconds: float) -> int:
    """Return ``seconds`` as whole milliseconds, at least one (0 would mean no limit)."""
    return max(1, round(seconds * 1000))


def has_pending_input(socket_fd: int) -> bool:
    """Return whether an idle connection's socket has something to read (one syscall, no I/O).

    An idle connection receives nothing unasked, unless the server ended it: a restart, a
    crash or ``pg_terminate_backend`` sends a FATAL message and closes the socket, which is then
    readable. Such a connection is dead, and this sees it without a round trip.
    """
    poller = select.poll()
    poller.register(socket_fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def make_engine(
    url: str,
    *,
    pool_size: int = 16,
    max_overflow: int = 8,
    idle_ping_s: float = IDLE_PING_S,
    options: str | None = None,
    wait_s: float = 30.0,
    connect_timeout_s: int | None = None,
    application_name: str = "sitereg",
) -> Engine:
    """Build an engine whose connections run with JIT off and are checked before use.

    PostgreSQL's JIT adds 100+ ms to spatial joins whose row estimates are wrong, and it never
    pays off on the registry's short queries, so every connection disables it. ``options``
    (``connection_options``) adds the server's time limits.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, a sixth of a proposal
    check under load (bench/README.md). Instead a checkout looks at the connection's socket
    (``has_pending_input``, no round trip), which catches connections the server closed (a
    restart), and pings only one that has idled for more than ``idle_ping_s`` seconds. A dead
    one is replaced before the request sees it. ``wait_s``: longest wait for a free connection.
    ``application_name`` names the connections in ``pg_stat_activity``.
    """
    connect_args: dict[str, Any] = {
        "options": options or connection_options(),
        "application_name": application_name,
    }
    if connect_timeout_s is not None:
        connect_args["connect_timeout"] = connect_timeout_s
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=wait_s,
        connect_args=connect_args,
    )
    _check_on_checkout(engine, idle_ping_s)
    return engine


def _check_on_checkout(engine: Engine, idle_ping_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def remember_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None:
            return  # just opened
        # The pool retries the checkout with a new connection (up to three times).
        if dbapi_connection.closed or has_pending_input(dbapi_connection.pgconn.socket):
            raise exc.DisconnectionError("the server closed the pooled connection")
        if time.monotonic() - checked_in <= idle_ping_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # leaves no transaction open
        except Exception as error:  # noqa: BLE001 (any failure: the pool reconnects)
            raise exc.DisconnectionError("pooled connection went stale while idle") from error


SESSION_TIMEOUT: Final = "sitereg_statement_timeout"
"""``Session.info`` key: the time limit a write states with its author (``change_context``)."""


def set_statement_timeout(session: Session, seconds: float) -> None:
    """Limit each statement of the session's transaction to ``seconds`` (``SET LOCAL``).

    One statement; for requests whose class has a limit other than its pool's, and which are
    long anyway (exports, analysis reports).
    """
    session.connection().exec_driver_sql(
        "SELECT set_config('statement_timeout', %(limit)s, true)",
        {"limit": f"{milliseconds(seconds)}ms"},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False)
