from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deps import get_session
from app.main import create_app
from app.ogc.catalog import CATALOG
from app.ogc.service.landing import CONFORMANCE
from app.settings import PROJECT_ROOT, Settings
from spatial.io.shapefile_fields import ABBREVIATIONS

DOCS = (PROJECT_ROOT / "docs" / "interoperability.md").read_text(encoding="utf-8")


def test_every_long_property_name_has_a_shapefile_abbreviation():
    long_names = {p.name for c in CATALOG.values() for p in c.properties if len(p.name) > 10}
    assert long_names <= set(ABBREVIATIONS)


def test_docs_list_every_shapefile_abbreviation_collection_and_conformance_class():
    for name, short in ABBREVIATIONS.items():
        assert f"`{name}`" in DOCS and f"`{short}`" in DOCS, name
    for collection_id in CATALOG:
        assert f"`{collection_id}`" in DOCS, collection_id
    for uri in CONFORMANCE:
        assert uri.rsplit("/spec/", 1)[1] in DOCS, uri


def test_every_property_has_a_title_and_unique_name():
    for collection in CATALOG.values():
        names = [prop.name for prop in collection.properties]
        assert len(names) == len(set(names)), collection.id
        assert all(prop.title for prop in collection.properties), collection.id
        assert set(collection.tile_properties) <= set(names), collection.id


def _client(settings: Settings, db_session: Session) -> TestClient:
    app = create_app(settings)

    def override() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = override
    return TestClient(app)


def test_cors_allows_only_the_named_portal_origins(database_url: str, db_session: Session):
    settings = Settings(database_url=database_url, cors_origins=["https://portal.laocai.gov.vn"])
    with _client(settings, db_session) as client:
        allowed = client.get("/ogc", headers={"Origin": "https://portal.laocai.gov.vn"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.laocai.gov.vn"
        assert "ETag" in allowed.headers["access-control-expose-headers"]
        other = client.get("/ogc", headers={"Origin": "https://example.com"})
        assert "access-control-allow-origin" not in other.headers


def test_cors_is_off_without_named_origins(client: TestClient):
    response = client.get("/ogc", headers={"Origin": "https://portal.laocai.gov.vn"})
    assert "access-control-allow-origin" not in response.headers
