import re

from fastapi.testclient import TestClient

from app.ogc.service.landing import CONFORMANCE


def _rels(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def test_landing_links_to_api_conformance_and_collections(client: TestClient):
    response = client.get("/ogc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    rels = _rels(response.json())
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["data"]["href"].endswith("/ogc/collections")


def test_conformance_declares_every_claimed_class(client: TestClient):
    body = client.get("/ogc/conformance").json()
    assert body["conformsTo"] == list(CONFORMANCE)
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in body["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json" in body["conformsTo"]


def test_service_desc_is_openapi_30_with_the_items_parameters(client: TestClient):
    response = client.get("/ogc/api")
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = response.json()
    assert document["openapi"] == "3.0.3"
    assert document["servers"][0]["url"].endswith("/ogc")
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    names = {parameter["name"] for parameter in items["parameters"]}
    expected = {"limit", "offset", "bbox", "bbox-crs", "datetime", "filter", "filter-lang", "crs"}
    assert expected <= names
    sites = document["paths"]["/collections/sites/items"]["get"]
    assert {"kind", "planned_area_ha"} <= {p["name"] for p in sites["parameters"]}


def test_service_desc_uses_no_openapi_31_constructs(client: TestClient):
    text = client.get("/ogc/api").text
    assert '"type":"null"' not in text.replace(" ", "")
    assert '"const"' not in text


def test_landing_html_loads_no_remote_asset(client: TestClient):
    response = client.get("/ogc", params={"f": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Sổ đăng ký" in response.text
    assert not re.search(r"""(src|href)=["']https?://(?!testserver)""", response.text)


def test_landing_rejects_an_unknown_parameter(client: TestClient):
    response = client.get("/ogc", params={"colour": "red"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/query/colour"


def test_landing_rejects_an_unknown_format(client: TestClient):
    response = client.get("/ogc/conformance", params={"f": "xml"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/f"


def test_browser_accept_header_gets_html(client: TestClient):
    response = client.get("/ogc/conformance", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/html")
    assert "ogcapi-features-1/1.0/conf/core" in response.text


def test_openapi_lists_the_methods_each_items_path_allows(client: TestClient):
    paths = client.get("/ogc/api").json()["paths"]
    for collection_id in ("sites", "protected_areas", "provinces"):
        documented = {m.upper() for m in paths[f"/collections/{collection_id}/items"]}
        allow = client.options(f"/ogc/collections/{collection_id}/items").headers["allow"]
        advertised = {m.strip() for m in allow.split(",")} - {"HEAD", "OPTIONS"}
        assert advertised == documented, collection_id
