import pytest
from fastapi.testclient import TestClient

from app.ogc.catalog import CATALOG

EXPECTED = {
    "sites",
    "industrial_zones",
    "industrial_clusters",
    "mining_sites",
    "relocation_areas",
    "clearance_parcels",
    "infrastructure",
    "forest",
    "protected_areas",
    "communes",
    "provinces",
}
CRS = "http://www.opengis.net/def/crs/"


def test_collections_lists_every_published_layer(client: TestClient):
    body = client.get("/ogc/collections").json()
    ids = {collection["id"] for collection in body["collections"]}
    assert ids >= EXPECTED
    assert ids == set(CATALOG)


@pytest.mark.parametrize("collection_id", sorted(EXPECTED))
def test_collection_has_extent_crs_and_links(client: TestClient, collection_id: str):
    body = client.get(f"/ogc/collections/{collection_id}").json()
    minx, miny, maxx, maxy = body["extent"]["spatial"]["bbox"][0]
    assert 101.9 < minx < maxx < 106 and 20 < miny < maxy < 24
    assert body["storageCrs"] == f"{CRS}OGC/1.3/CRS84"
    assert {
        f"{CRS}OGC/1.3/CRS84",
        f"{CRS}EPSG/0/4326",
        f"{CRS}EPSG/0/3857",
        f"{CRS}EPSG/0/9205",
        f"{CRS}EPSG/0/9208",
    } <= set(body["crs"])
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "items", "http://www.opengis.net/def/rel/ogc/1.0/queryables"} <= rels


def test_collection_with_time_has_a_temporal_extent(client: TestClient):
    body = client.get("/ogc/collections/clearance_parcels").json()
    first, last = body["extent"]["temporal"]["interval"][0]
    assert first <= last


def test_unknown_collection_is_404_problem_json(client: TestClient):
    response = client.get("/ogc/collections/factories")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "factories" in response.json()["detail"]


def test_queryables_are_a_json_schema_with_types_and_enums(client: TestClient):
    response = client.get("/ogc/collections/sites/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["type"] == "object"
    properties = schema["properties"]
    assert "geometry" in properties
    assert properties["planned_area_ha"]["type"] == "number"
    assert properties["legal_decision_date"] == {
        "title": "Legal basis: decision date",
        "type": "string",
        "format": "date",
    }
    assert "industrial_zone" in properties["kind"]["enum"]


def test_schema_describes_the_feature_properties(client: TestClient):
    schema = client.get("/ogc/collections/mining_sites/schema").json()
    properties = schema["properties"]["properties"]["properties"]
    assert properties["rehabilitation_deposit_bn_vnd"]["type"] == "number"
    assert properties["offtake_contract"]["type"] == "boolean"


def test_collection_html_names_the_licence(client: TestClient):
    response = client.get("/ogc/collections/forest", params={"f": "html"})
    assert response.status_code == 200
    assert "SYNTHETIC" in response.text or "Synthetic" in response.text
