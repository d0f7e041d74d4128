"""Test fixtures: a real PostgreSQL + PostGIS, started by the project's own code.

Without ``DATABASE_URL`` the embedded cluster (``sitereg db start``) is started. Each test session
creates a fresh ``sitereg_test_<random>`` database, migrates it with Alembic and loads the demo
layers once as the owner; the app and the tests' sessions then connect as the server's role
``sitereg_app`` (see the ``database_url`` fixture for servers without it), and each test runs
inside a transaction that is rolled back.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import upgrade_database
from app.db.engine import make_engine
from app.deps import get_session, get_write_session
from app.main import create_app
from app.services import dashboard
from app.services.demo_loader import load_demo
from app.settings import PROJECT_ROOT, Settings
from devcluster.cluster import (
    APP_ROLE,
    ClusterError,
    EmbeddedCluster,
    create_database,
    drop_database,
    role_exists,
)

DEMO_DIR = PROJECT_ROOT / "data" / "geojson"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """Turn a skipped test into a failed one, so no gap goes unnoticed."""
    report: pytest.TestReport = yield
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped tests are failures here: {report.longrepr}"
    return report


@pytest.fixture(scope="session")
def admin_url() -> str:
    """URL of a maintenance database on the server the tests use."""
    settings = Settings()
    if settings.database_url:
        return (
            make_url(settings.database_url)
            .set(database="postgres")
            .render_as_string(hide_password=False)
        )
    cluster = EmbeddedCluster(settings.cluster)
    try:
        cluster.start()
    except ClusterError as exc:
        pytest.fail(f"PostGIS could not start: {exc}\nFix it, then run `make test` again.")
    return cluster.url("postgres")


@pytest.fixture(scope="session")
def make_database(admin_url: str) -> Iterator[Callable[[], str]]:
    """Return a factory of fresh, empty databases; all are dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"sitereg_test_{secrets.token_hex(4)}"
        create_database(admin_url, name)
        created.append(name)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        drop_database(admin_url, name)


@pytest.fixture(scope="session")
def owner_database_url(make_database: Callable[[], str]) -> str:
    """A fresh test database, migrated to head and loaded with the demo layers by its owner."""
    url = make_database()
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_demo(session, DEMO_DIR)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(admin_url: str, owner_database_url: str) -> str:
    """The migrated test database as the server's role (``APP_ROLE``) connects to it.

    The embedded cluster has the role (``sitereg db start`` creates it) and lets it in without a
    password. On another server the role is used when it exists and the owner's URL has no
    password (a trusted or peer socket); otherwise the ``DATABASE_URL`` role does both jobs and
    tests/db/test_app_role.py fails, saying so.
    """
    owner = make_url(owner_database_url)
    if owner.password is None and role_exists(admin_url, APP_ROLE):
        return owner.set(username=APP_ROLE).render_as_string(hide_password=False)
    return owner_database_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the session's test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def test_settings(database_url: str) -> Settings:
    """Settings pointing at the test database."""
    return Settings(database_url=database_url)


@pytest.fixture
def client(test_settings: Settings, db_session: Session) -> Iterator[TestClient]:
    """An HTTP client on an app whose requests use the test's rolled-back session."""
    app = create_app(test_settings)

    def override() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = override
    app.dependency_overrides[get_write_session] = override
    with TestClient(app) as test_client:
        yield test_client
    # The test's writes are rolled back, never committed, so the data version (stamped at
    # COMMIT) does not move: figures cached from them must not reach the next test.
    dashboard._FIGURES.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(database_url: str) -> Iterator[str]:
    """Serve the app on the test database with uvicorn on a free 127.0.0.1 port.

    For real clients (Chromium, GDAL, OWSLib): the server has its own engine, so it sees the
    committed demo data, never a test's rolled-back changes.
    """
    port = _free_port()
    app = create_app(Settings(database_url=database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start for the live-server tests")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
