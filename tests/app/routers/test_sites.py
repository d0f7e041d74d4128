from fastapi.testclient import TestClient
from pyproj import Geod
from shapely.geometry import shape

from app.schemas.site import SiteFeature, SiteFeatureCollection

GEOD = Geod(ellps="WGS84")


def _codes(body: dict) -> list[str]:
    return [feature["id"] for feature in body["features"]]


def test_list_sites_returns_a_geojson_feature_collection(client: TestClient):
    response = client.get("/api/v1/sites", params={"limit": 1000})
    assert response.status_code == 200
    body = SiteFeatureCollection.model_validate(response.json())
    assert body.numberMatched == body.numberReturned >= 58 + 8
    assert {f.properties.kind for f in body.features} == {
        "industrial_zone",
        "industrial_cluster",
        "mining_site",
        "relocation_area",
    }


def test_list_sites_search_ignores_diacritics(client: TestClient):
    body = client.get("/api/v1/sites", params={"q": "tang loong"}).json()
    assert "KCN-TANG-LOONG" in _codes(body)
    assert all(
        "Tằng Loỏng" in f["properties"]["name"]
        for f in body["features"]
        if f["properties"]["kind"] != "relocation_area"
    )


def test_list_sites_search_with_diacritics_and_case(client: TestClient):
    body = client.get("/api/v1/sites", params={"q": "ĐÔNG PHỐ MỚI"}).json()
    assert {"KCN-DONG-PHO-MOI", "CCN-DONG-PHO-MOI"} <= set(_codes(body))


def test_list_sites_filters_by_kind_status_and_province(client: TestClient):
    mines = client.get("/api/v1/sites", params={"kind": "mining_site"}).json()
    assert set(_codes(mines)) == {"MINE-DONG-PAO", "MINE-MIT-NOI"}
    lai_chau = client.get("/api/v1/sites", params={"province": "lai chau"}).json()
    assert set(_codes(lai_chau)) == {"MINE-DONG-PAO", "MINE-MIT-NOI"}
    relocating = client.get("/api/v1/sites", params={"status": "relocating"}).json()
    assert {"KCN-DONG-PHO-MOI", "CCN-DONG-PHO-MOI", "CCN-SON-MAN"} <= set(_codes(relocating))


def test_list_sites_filters_by_bbox(client: TestClient):
    # A box around Tằng Loỏng only.
    body = client.get("/api/v1/sites", params={"bbox": "104.12,22.28,104.17,22.33"}).json()
    assert "KCN-TANG-LOONG" in _codes(body)
    assert "MINE-DONG-PAO" not in _codes(body)


def test_list_sites_pages_with_next_link(client: TestClient):
    first = client.get("/api/v1/sites", params={"limit": 10}).json()
    assert first["numberReturned"] == 10
    next_links = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert next_links
    second = client.get(next_links[0]).json()
    assert not set(_codes(first)) & set(_codes(second))


def test_list_sites_rejects_a_bad_bbox_with_problem_json(client: TestClient):
    response = client.get("/api/v1/sites", params={"bbox": "105,22,104,23"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid-parameter"
    assert problem["errors"][0]["pointer"] == "/query/bbox"


def test_list_sites_rejects_an_unknown_kind(client: TestClient):
    response = client.get("/api/v1/sites", params={"kind": "factory"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/kind"


def test_get_site_returns_every_fact(client: TestClient):
    response = client.get("/api/v1/sites/KCN-TANG-LOONG")
    assert response.status_code == 200
    feature = SiteFeature.model_validate(response.json())
    props = feature.properties
    assert props.name == "KCN Tằng Loỏng"
    assert props.status == "converting_eco_industrial"
    assert props.eco_industrial_programme
    assert props.legal_decision_number is not None
    assert props.geometry_source == "surveyed"
    assert props.planned_area_ha == 1100
    assert "Trangsct/ccn-laocai" in props.provenance


def test_get_site_area_matches_an_independent_geodesic_computation(client: TestClient):
    body = client.get("/api/v1/sites/KCN-TANG-LOONG").json()
    geom = shape(body["geometry"])
    independent_ha = abs(GEOD.geometry_area_perimeter(geom)[0]) / 10_000
    assert abs(body["properties"]["area_ha"] - independent_ha) / independent_ha < 0.001


def test_get_site_geometry_has_counter_clockwise_exterior_rings(client: TestClient):
    geom = shape(client.get("/api/v1/sites/CCN-PHU-THINH-1").json()["geometry"])
    polygons = getattr(geom, "geoms", [geom])
    assert all(polygon.exterior.is_ccw for polygon in polygons)


def test_get_site_relocation_names_both_ends(client: TestClient):
    relocations = client.get("/api/v1/sites", params={"kind": "relocation_area"}).json()
    details = [
        client.get(f"/api/v1/sites/{code}").json()["properties"] for code in _codes(relocations)
    ]
    assert {"moved_from_code": "KCN-DONG-PHO-MOI", "moved_to_code": "KCN-BAT-XAT"}.items() <= next(
        d for d in details if d["moved_from_code"] == "KCN-DONG-PHO-MOI"
    ).items()


def test_get_site_mining_details(client: TestClient):
    props = client.get("/api/v1/sites/MINE-DONG-PAO").json()["properties"]
    assert props["licence_status"] == "licensed"
    assert props["geometry_source"] == "indicative"


def test_get_site_unknown_code_is_404_problem(client: TestClient):
    response = client.get("/api/v1/sites/KCN-NOWHERE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/not-found"
    assert "KCN-NOWHERE" in problem["detail"]
    assert problem["instance"] == "/api/v1/sites/KCN-NOWHERE"


def test_get_site_is_the_ogc_item_of_collection_sites(client: TestClient):
    api = client.get("/api/v1/sites/KCN-TANG-LOONG").json()
    ogc = client.get("/ogc/collections/sites/items/KCN-TANG-LOONG").json()
    assert api["properties"] == ogc["properties"]
    assert api["geometry"] == ogc["geometry"]


def test_get_site_etag_is_the_version_and_answers_304(client: TestClient):
    response = client.get("/api/v1/sites/KCN-TANG-LOONG")
    version = response.json()["properties"]["version"]
    assert response.headers["etag"] == f'W/"v{version}"'
    again = client.get("/api/v1/sites/KCN-TANG-LOONG", headers={"If-None-Match": f'W/"v{version}"'})
    assert again.status_code == 304
