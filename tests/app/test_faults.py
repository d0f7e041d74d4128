"""The database down, restarted or too slow: 503 with Retry-After, pages that say so, recovery."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.main import create_app
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.settings import Settings, TimeoutSettings

NOBODY_LISTENS = "postgresql+psycopg://sitereg_app@127.0.0.1:1/sitereg"
API = ("/api/v1/sites", "/ogc/collections/sites/items", "/api/v1/decisions")
PAGES = ("/dashboard", "/sites/KCN-TANG-LOONG")
CHECK = Path(__file__).parents[1] / "fixtures" / "map" / "proposal_tang_loong.geojson"


@pytest.fixture
def down() -> Iterator[TestClient]:
    """An app whose database does not exist: nothing listens at its port."""
    settings = Settings(database_url=NOBODY_LISTENS)  # the pools probe, then fail fast
    with TestClient(create_app(settings)) as client:
        yield client


def _problem(response, code: str) -> ProblemDetail:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert int(response.headers["retry-after"]) > 0
    problem = ProblemDetail.model_validate(response.json())
    assert problem.code == code and problem.status == 503
    return problem


@pytest.mark.parametrize("path", API)
def test_database_down_api_answers_503_with_retry_after(down: TestClient, path: str):
    problem = _problem(down.get(path), "database-unavailable")
    assert "did not answer" in problem.detail


def test_database_down_proposal_check_answers_503(down: TestClient):
    response = down.post(
        "/api/v1/analysis/check",
        content=CHECK.read_bytes(),
        headers={"Content-Type": "application/geo+json"},
    )
    _problem(response, "database-unavailable")


@pytest.mark.parametrize("path", PAGES)
def test_database_down_pages_say_the_data_is_unavailable(down: TestClient, path: str):
    response = down.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"]
    assert "The registry's data is unavailable" in response.text
    assert "Dữ liệu tạm thời không truy cập được" in response.text


def _terminate_app_connections(engine: sa.Engine) -> int:
    """End the app's server connections, as a restart of PostgreSQL would."""
    with engine.connect() as conn:
        return len(
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND application_name LIKE 'sitereg%'"
                )
            ).all()
        )


def test_first_requests_after_a_restart_succeed(database_url: str, engine: sa.Engine):
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        for path in (*API, "/ogc/collections/forest/tiles/WebMercatorQuad/12/3232/1780"):
            assert client.get(path).status_code in (200, 204)
        assert _terminate_app_connections(engine) >= 2
        for path in (
            *API,
            "/dashboard",
            "/ogc/collections/forest/tiles/WebMercatorQuad/12/3233/1780",
        ):
            assert client.get(path).status_code in (200, 204), path


def test_a_statement_over_its_time_limit_is_503_took_too_long(database_url: str):
    limits = TimeoutSettings(items_s=0.001, exports_s=0.001, analysis_s=0.001)
    app = create_app(Settings(database_url=database_url, timeouts=limits))
    with TestClient(app) as client:
        for path in (
            "/ogc/collections/forest/items?limit=1000",
            "/api/v1/export/forest.gpkg",
            "/api/v1/reports/forest-overlap",
        ):
            problem = _problem(client.get(path), "took-too-long")
            assert "time limit" in problem.detail


def test_connections_carry_the_idle_in_transaction_limit(database_url: str):
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        with app.state.engine.connect() as conn:
            assert conn.scalar(sa.text("SHOW idle_in_transaction_session_timeout")) == "1min"
            assert conn.scalar(sa.text("SHOW statement_timeout")) == "10s"
        assert client.get("/healthz").status_code == 200


def test_no_connection_is_held_while_the_answer_goes_out(database_url: str):
    app = create_app(Settings(database_url=database_url))
    held: dict[str, int] = {}

    def probe(inner):  # type: ignore[no-untyped-def]
        async def wrapped(scope, receive, send):  # type: ignore[no-untyped-def]
            async def watched_send(message):  # type: ignore[no-untyped-def]
                if message["type"] == "http.response.start":
                    held[scope["path"]] = app.state.engine.pool.checkedout()
                await send(message)

            await inner(scope, receive, watched_send)

        return wrapped

    app.add_middleware(probe)
    paths = ("/api/v1/sites?limit=1000", "/dashboard", "/api/v1/export/sites.gpkg")
    with TestClient(app) as client:
        for path in paths:
            assert client.get(path).status_code == 200
    assert held == {path.split("?")[0]: 0 for path in paths}
