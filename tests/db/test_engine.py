import psycopg
import pytest
import sqlalchemy as sa

from app.db.engine import connection_options, make_engine
from spatial.analysis.prepared import fetch_prepared

PID = sa.text("SELECT pg_backend_pid()")


def test_a_connection_that_died_while_idle_is_replaced(database_url: str):
    engine = make_engine(database_url, pool_size=1, max_overflow=0, idle_ping_s=0.0)
    killer = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            first = conn.scalar(PID)
        with killer.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        # The pool's only connection is dead; the idle ping notices before the query does.
        with engine.connect() as conn:
            assert conn.scalar(PID) != first
    finally:
        engine.dispose()
        killer.dispose()


def test_a_connection_in_steady_use_is_not_pinged(database_url: str):
    engine = make_engine(database_url, pool_size=1, max_overflow=0, idle_ping_s=60.0)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.scalar(sa.text("SELECT 1 AS answer"))
        assert statements == ["SELECT 1 AS answer"] * 3
    finally:
        engine.dispose()


def test_a_prepared_statement_on_a_lost_connection_invalidates_it(database_url: str):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    killer = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            assert fetch_prepared(conn, "SELECT %(n)s::int + 1", {"n": 41}) == [(42,)]
            first = conn.scalar(PID)
            with killer.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            with pytest.raises(psycopg.OperationalError):
                fetch_prepared(conn, "SELECT 1", {})
            assert conn.invalidated
        with engine.connect() as conn:  # the pool opened a new connection
            assert conn.scalar(PID) != first
    finally:
        engine.dispose()
        killer.dispose()


def test_a_connection_the_server_closed_is_replaced_without_a_ping(database_url: str):
    engine = make_engine(database_url, pool_size=1, max_overflow=0, idle_ping_s=60.0)
    killer = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            first = conn.scalar(PID)
        with killer.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
        # As after a server restart: the closed socket is seen at checkout, no round trip.
        with engine.connect() as conn:
            assert conn.scalar(PID) != first
    finally:
        engine.dispose()
        killer.dispose()


def test_connection_options_set_the_time_limits(database_url: str):
    options = connection_options(statement_timeout_s=1.5, idle_in_transaction_s=60)
    engine = make_engine(database_url, pool_size=1, max_overflow=0, options=options)
    try:
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SHOW statement_timeout")) == "1500ms"
            assert conn.scalar(sa.text("SHOW idle_in_transaction_session_timeout")) == "1min"
            assert conn.scalar(sa.text("SHOW jit")) == "off"
    finally:
        engine.dispose()


def test_connection_options_turn_parallel_plans_off_for_a_serial_pool(database_url: str):
    options = connection_options(statement_timeout_s=10, serial=True)
    engine = make_engine(database_url, pool_size=1, max_overflow=0, options=options)
    try:
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
    finally:
        engine.dispose()
    assert "max_parallel" not in connection_options(statement_timeout_s=10)  # others keep theirs
