"""``as_of``: the registry as it was recorded at a time, before vs after an outline change."""

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from history_writes import move_site, recorded_before_last_change
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.ogc.catalog import get_collection
from app.ogc.features import sql
from app.ogc.features.query import RawQuery, build_query
from app.repositories.as_of import parse_as_of
from app.schemas.analysis import SiteForestOverlap
from app.schemas.site import SiteFeatureCollection

FOREST_SITE = sa.text(
    "SELECT s.code FROM sites AS s WHERE EXISTS (SELECT 1 FROM forest_parcels AS f "
    "WHERE ST_Intersects(f.geom, s.geom)) ORDER BY s.code LIMIT 1"
)


@pytest.fixture
def moved(db_session: Session) -> tuple[str, str]:
    """A site with forest inside, moved 0.05° east: its code and a time before the move."""
    code = str(db_session.execute(FOREST_SITE).scalar_one())
    move_site(db_session, code, dx_deg=0.05)
    return code, recorded_before_last_change(db_session, code)


def _centroid_x(geometry: dict) -> float:
    return float(shape(geometry).centroid.x)


def test_sites_list_as_of_returns_the_old_outline(client: TestClient, moved: tuple[str, str]):
    code, before = moved
    now = SiteFeatureCollection.model_validate(
        client.get("/api/v1/sites", params={"q": code}).json()
    )
    then = SiteFeatureCollection.model_validate(
        client.get("/api/v1/sites", params={"q": code, "as_of": before}).json()
    )
    new_x = _centroid_x(now.features[0].geometry)
    old_x = _centroid_x(then.features[0].geometry)
    assert new_x - old_x == pytest.approx(0.05, abs=1e-6)
    assert then.features[0].properties.version == now.features[0].properties.version - 1


def test_site_as_of_returns_the_old_outline_and_version(client: TestClient, moved: tuple[str, str]):
    code, before = moved
    now = client.get(f"/api/v1/sites/{code}").json()
    then = client.get(f"/api/v1/sites/{code}", params={"as_of": before}).json()
    assert _centroid_x(now["geometry"]) - _centroid_x(then["geometry"]) == pytest.approx(
        0.05, abs=1e-6
    )
    assert then["properties"]["version"] == now["properties"]["version"] - 1


def test_site_as_of_before_the_site_existed_is_404(client: TestClient, db_session: Session):
    code = str(db_session.execute(FOREST_SITE).scalar_one())
    assert client.get(f"/api/v1/sites/{code}", params={"as_of": "2001-01-01"}).status_code == 404


def test_forest_overlap_as_of_answers_the_old_question(client: TestClient, db_session: Session):
    code = str(db_session.execute(FOREST_SITE).scalar_one())
    url = f"/api/v1/sites/{code}/forest-overlap"
    old = SiteForestOverlap.model_validate(client.get(url).json())
    move_site(db_session, code, dx_deg=0.05)
    before = recorded_before_last_change(db_session, code)
    now = SiteForestOverlap.model_validate(client.get(url).json())
    then = SiteForestOverlap.model_validate(client.get(url, params={"as_of": before}).json())
    assert then.forest_total_ha == pytest.approx(old.forest_total_ha)
    assert now.forest_total_ha != pytest.approx(old.forest_total_ha)
    assert then.recorded_as_of == datetime.fromisoformat(before)
    assert any("As of" in note for note in then.notes) and now.recorded_as_of is None


def test_site_page_as_of_shows_a_banner_and_the_old_area(
    client: TestClient, moved: tuple[str, str], db_session: Session
):
    code, before = moved
    page = client.get(f"/sites/{code}", params={"as_of": before, "lang": "en"})
    assert page.status_code == 200
    assert "sr-banner--as-of" in page.text and "As of" in page.text
    assert f"/api/v1/sites/{code}?as_of=" in page.text
    assert "sr-banner--as-of" not in client.get(f"/sites/{code}").text


def test_ogc_item_sql_as_of_reads_the_old_outline(db_session: Session, moved: tuple[str, str]):
    code, before = moved
    collection = get_collection("sites")

    def feature(at: datetime | None) -> dict:
        query = build_query(collection, RawQuery(), {}, as_of=at)
        return json.loads(db_session.execute(sql.feature_select(query, code)).scalar_one())

    now, then = feature(None), feature(parse_as_of(before))
    assert _centroid_x(now["geometry"]) - _centroid_x(then["geometry"]) == pytest.approx(
        0.05, abs=1e-6
    )
    page = build_query(collection, RawQuery(), {"code": code}, limit=10, as_of=parse_as_of(before))
    texts = db_session.execute(sql.items_select(page)).scalars().all()
    assert [json.loads(text)["properties"]["version"] for text in texts] == [
        then["properties"]["version"]
    ]
    assert db_session.execute(sql.count_select(page)).scalar_one() == 1


def test_ogc_items_as_of_before_any_data_is_empty(client: TestClient):
    body = client.get("/ogc/collections/sites/items", params={"as_of": "2001-01-01"}).json()
    assert body["numberMatched"] == 0 and body["features"] == []


def test_ogc_items_as_of_in_the_future_reads_now(client: TestClient):
    now = client.get("/ogc/collections/sites/items", params={"limit": 5}).json()
    later = client.get("/ogc/collections/sites/items", params={"limit": 5, "as_of": "2999-01-01"})
    assert later.json()["features"] == now["features"]


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/collections/sites/items",
        "/ogc/collections/sites/items/X",
        "/api/v1/sites",
        "/api/v1/reports/forest-overlap",
    ],
)
def test_malformed_as_of_is_a_400_naming_it(client: TestClient, path: str):
    response = client.get(path, params={"as_of": "last tuesday"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/query/as_of"


def test_as_of_is_an_items_parameter_in_the_openapi_document(client: TestClient):
    document = client.get("/ogc/api").json()
    for path in ("/collections/{collectionId}/items", "/collections/sites/items"):
        items = document["paths"][path]["get"]
        assert "as_of" in {parameter["name"] for parameter in items["parameters"]}


def test_parse_as_of_reads_a_bare_date_as_the_end_of_that_day_in_vietnam():
    value = parse_as_of("2026-01-01")
    assert value is not None
    assert value.isoformat() == "2026-01-01T23:59:59.999999+07:00"


def test_ogc_items_as_of_has_its_own_etag_and_a_settled_past_is_cached_longer(
    client: TestClient,
):
    now = client.get("/ogc/collections/sites/items", params={"limit": 5})
    later = client.get("/ogc/collections/sites/items", params={"limit": 5, "as_of": "2999-01-01"})
    assert later.json()["features"] == now.json()["features"]
    assert later.headers["etag"] != now.headers["etag"]
    assert "max-age=60," in later.headers["cache-control"]
    past = client.get("/ogc/collections/sites/items", params={"as_of": "2001-01-01"})
    assert "max-age=86400," in past.headers["cache-control"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/reports/forest-overlap", {}),
        ("/api/v1/reports/plan-overlaps", {}),
        ("/api/v1/analysis/nearby", {"distance_m": 20000, "lon": 104.0, "lat": 22.4}),
    ],
)
def test_analysis_answers_say_which_recorded_time_they_answer_for(
    client: TestClient, path: str, params: dict
):
    body = client.get(path, params={**params, "as_of": "2001-01-01"}).json()
    assert body["recorded_as_of"].startswith("2001-01-01T23:59:59")
    now = client.get(path, params=params).json()
    assert now["recorded_as_of"] is None
    if "nearby" in path:  # administrative units are not versioned: only they remain
        assert {f["layer"] for f in body["features"]} == {"commune"}
        assert {f["layer"] for f in now["features"]} > {"commune"}
        return
    listed = "sites" if "forest" in path else "overlaps"
    assert body[listed] == [] and now[listed] != []
