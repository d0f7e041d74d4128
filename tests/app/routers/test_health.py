from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_healthz_reports_database_and_postgis(client: TestClient):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis_version"].startswith("3.")
    assert response.headers["x-request-id"]


def test_healthz_is_503_when_the_database_is_unreachable():
    # A real server address with nothing listening: the engine fails to connect.
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    app = create_app(settings)
    with TestClient(app) as unreachable:
        response = unreachable.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert int(response.headers["retry-after"]) > 0


def test_unknown_route_is_problem_json(client: TestClient):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_openapi_documents_every_route(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/sites", "/api/v1/sites/{code}", "/api/v1/targets", "/healthz"} <= set(paths)


def test_docs_page_loads_swagger_ui_from_static_only(client: TestClient):
    html = client.get("/docs").text
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html
