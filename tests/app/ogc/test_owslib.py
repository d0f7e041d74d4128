"""Real clients: OWSLib's OGC API – Features client against a real uvicorn server."""

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.ogc.catalog import CATALOG

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


@pytest.fixture
def api(server_url: str) -> Features:
    return Features(server_url)


def test_owslib_reads_conformance_and_every_collection(api: Features):
    assert CORE in api.conformance()["conformsTo"]
    assert {c["id"] for c in api.collections()["collections"]} == set(CATALOG)
    assert api.collection("sites")["id"] == "sites"


def test_owslib_pages_items_with_limit_and_bbox(api: Features, db_session: Session):
    page = api.collection_items("industrial_clusters", limit=5)
    assert page["type"] == "FeatureCollection" and len(page["features"]) == 5
    assert (
        page["numberMatched"]
        == db_session.execute(
            text("SELECT count(*) FROM sites WHERE kind = 'industrial_cluster'")
        ).scalar_one()
    )
    around_tang_loong = api.collection_items("sites", bbox=[104.10, 22.26, 104.20, 22.36])
    assert "KCN-TANG-LOONG" in {f["id"] for f in around_tang_loong["features"]}


def test_owslib_filters_with_cql2_and_reads_one_feature(api: Features):
    found = api.collection_items("sites", filter="name LIKE 'KCN%'", **{"filter-lang": "cql2-text"})
    names = [f["properties"]["name"] for f in found["features"]]
    assert names and all(name.startswith("KCN") for name in names)
    feature = api.collection_item("sites", "KCN-TANG-LOONG")
    assert feature["properties"]["name"] == "KCN Tằng Loỏng"  # diacritics survive


def test_owslib_reads_queryables(api: Features):
    queryables = api.collection_queryables("sites")
    assert {"name", "kind", "status"} <= set(queryables["properties"])
