import gzip
import json

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from spatial.crs import transform_geometry

ITEMS = "/ogc/collections/{}/items"
CRS = "http://www.opengis.net/def/crs/"


def _ids(body: dict) -> list[str]:
    return [feature["id"] for feature in body["features"]]


def _count(db_session: Session, sql: str) -> int:
    return int(db_session.execute(text(sql)).scalar_one())


def test_items_is_a_geojson_feature_collection(client: TestClient, db_session: Session):
    response = client.get(ITEMS.format("industrial_zones"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["content-crs"] == f"<{CRS}OGC/1.3/CRS84>"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    zones = _count(db_session, "SELECT count(*) FROM sites WHERE kind = 'industrial_zone'")
    assert body["numberMatched"] == body["numberReturned"] == zones
    feature = body["features"][0]
    assert feature["properties"]["kind"] == "industrial_zone"
    assert "occupancy_rate_pct" in feature["properties"]


def test_items_pages_with_next_and_prev_links(client: TestClient):
    first = client.get(ITEMS.format("sites"), params={"limit": 20}).json()
    assert first["numberReturned"] == 20 and first["numberMatched"] > 40
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in rels
    second = client.get(rels["next"]).json()
    assert not set(_ids(first)) & set(_ids(second))
    back = {link["rel"]: link["href"] for link in second["links"]}["prev"]
    assert _ids(client.get(back).json()) == _ids(first)


def test_items_caps_limit_at_the_configured_maximum(client: TestClient):
    body = client.get(ITEMS.format("forest"), params={"limit": 100000}).json()
    assert body["numberReturned"] == min(1000, body["numberMatched"])


def test_items_rejects_limit_zero(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"limit": 0})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/limit"


def test_items_rejects_unknown_parameters(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"colour": "red"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/query/colour"


def test_items_bbox_selects_by_location(client: TestClient):
    body = client.get(ITEMS.format("sites"), params={"bbox": "104.12,22.28,104.17,22.33"}).json()
    assert "KCN-TANG-LOONG" in _ids(body)
    assert "MINE-DONG-PAO" not in _ids(body)


def test_items_bbox_in_vn2000_matches_bbox_in_crs84(client: TestClient):
    box = shapely.box(104.12, 22.28, 104.17, 22.33)
    projected = transform_geometry(box, 4326, 9208).bounds
    crs84 = client.get(ITEMS.format("sites"), params={"bbox": "104.12,22.28,104.17,22.33"})
    vn2000 = client.get(
        ITEMS.format("sites"),
        params={"bbox": ",".join(map(str, projected)), "bbox-crs": f"{CRS}EPSG/0/9208"},
    )
    assert set(_ids(crs84.json())) <= set(_ids(vn2000.json()))


def test_items_bbox_in_epsg_4326_is_lat_lon(client: TestClient):
    body = client.get(
        ITEMS.format("sites"),
        params={"bbox": "22.28,104.12,22.33,104.17", "bbox-crs": f"{CRS}EPSG/0/4326"},
    ).json()
    assert "KCN-TANG-LOONG" in _ids(body)


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "105,22,104,23", "200,0,201,1"])
def test_items_rejects_a_bad_bbox(client: TestClient, bbox: str):
    response = client.get(ITEMS.format("sites"), params={"bbox": bbox})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/bbox"


def test_items_datetime_filters_on_the_temporal_property(client: TestClient, db_session: Session):
    body = client.get(ITEMS.format("sites"), params={"datetime": "2025-01-01/..", "limit": 1000})
    expected = _count(
        db_session, "SELECT count(*) FROM sites WHERE legal_decision_date >= '2025-01-01'"
    )
    assert body.json()["numberMatched"] == expected > 0


def test_items_datetime_instant(client: TestClient, db_session: Session):
    day = db_session.execute(text("SELECT min(status_date) FROM clearance_parcels")).scalar_one()
    body = client.get(ITEMS.format("clearance_parcels"), params={"datetime": day.isoformat()})
    assert body.json()["numberMatched"] == _count(
        db_session, f"SELECT count(*) FROM clearance_parcels WHERE status_date = '{day}'"
    )


def test_items_datetime_on_a_collection_without_time_is_400(client: TestClient):
    response = client.get(ITEMS.format("forest"), params={"datetime": "2025-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/datetime"


def test_items_queryable_as_query_parameter(client: TestClient):
    body = client.get(ITEMS.format("sites"), params={"kind": "mining_site"}).json()
    assert set(_ids(body)) == {"MINE-DONG-PAO", "MINE-MIT-NOI"}


def test_items_queryable_parameter_with_a_wrong_type_is_400(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"planned_area_ha": "big"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/planned_area_ha"


def test_items_properties_selects_properties(client: TestClient):
    body = client.get(ITEMS.format("sites"), params={"properties": "name,kind"}).json()
    assert all(set(f["properties"]) == {"name", "kind"} for f in body["features"])


def test_items_properties_rejects_unknown_names(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"properties": "name,owner"})
    assert response.status_code == 400
    assert "owner" in response.json()["detail"]


def test_items_sortby_descending(client: TestClient):
    body = client.get(
        ITEMS.format("sites"), params={"sortby": "-planned_area_ha", "limit": 1000}
    ).json()
    areas = [f["properties"]["planned_area_ha"] for f in body["features"]]
    present = [area for area in areas if area is not None]
    assert present == sorted(present, reverse=True)
    assert areas[: len(present)] == present  # nulls last


def test_items_sortby_rejects_unknown_property(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"sortby": "owner"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/sortby"


def test_items_in_crs84_have_counter_clockwise_exterior_rings(client: TestClient):
    body = client.get(ITEMS.format("sites"), params={"limit": 1000}).json()
    for feature in body["features"]:
        for polygon in shape(feature["geometry"]).geoms:
            assert polygon.exterior.is_ccw


def test_items_in_vn2000_tm3_match_the_pinned_transformation(client: TestClient):
    crs84 = client.get(ITEMS.format("sites") + "/KCN-TANG-LOONG").json()
    response = client.get(ITEMS.format("sites") + "/KCN-TANG-LOONG", params={"crs": "EPSG:9208"})
    assert response.headers["content-crs"] == f"<{CRS}EPSG/0/9208>"
    served = shape(response.json()["geometry"])
    expected = transform_geometry(shape(crs84["geometry"]), 4326, 9208)
    assert served.hausdorff_distance(expected) < 0.05  # metres


def test_items_in_epsg_4326_are_lat_lon(client: TestClient):
    lon_lat = client.get(ITEMS.format("communes"), params={"limit": 1}).json()
    lat_lon = client.get(
        ITEMS.format("communes"), params={"limit": 1, "crs": f"{CRS}EPSG/0/4326"}
    ).json()
    x, y = lon_lat["features"][0]["geometry"]["coordinates"]
    assert lat_lon["features"][0]["geometry"]["coordinates"] == [y, x]


def test_items_in_web_mercator(client: TestClient):
    body = client.get(ITEMS.format("communes"), params={"limit": 1, "crs": "EPSG:3857"}).json()
    x, y = body["features"][0]["geometry"]["coordinates"]
    assert 11_000_000 < x < 12_000_000 and 2_000_000 < y < 3_000_000


def test_items_reject_an_unsupported_crs(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"crs": "EPSG:32648"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/crs"


def test_feature_by_id_has_links_and_vietnamese_text(client: TestClient):
    response = client.get(ITEMS.format("sites") + "/KCN-TANG-LOONG")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == "KCN-TANG-LOONG"
    assert feature["properties"]["name"] == "KCN Tằng Loỏng"
    assert {"self", "collection"} <= {link["rel"] for link in feature["links"]}


def test_feature_outside_the_collection_subset_is_404(client: TestClient):
    response = client.get(ITEMS.format("mining_sites") + "/KCN-TANG-LOONG")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_feature_rejects_filter_parameters(client: TestClient):
    response = client.get(ITEMS.format("sites") + "/KCN-TANG-LOONG", params={"bbox": "1,2,3,4"})
    assert response.status_code == 400


def test_items_etag_answers_304(client: TestClient):
    first = client.get(ITEMS.format("provinces"))
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert "max-age" in first.headers["cache-control"]
    again = client.get(ITEMS.format("provinces"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag and again.content == b""


def test_items_are_gzipped_when_accepted(client: TestClient):
    response = client.get(ITEMS.format("provinces"), headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(response.content)["type"] == "FeatureCollection"
    assert gzip  # httpx decodes transparently; the header proves compression


def test_items_html_lists_features(client: TestClient):
    response = client.get(ITEMS.format("mining_sites"), params={"f": "html"})
    assert response.status_code == 200
    assert "MINE-DONG-PAO" in response.text and "<table>" in response.text
