"""Keyset (cursor) paging of items: stable under inserts, with sortby, and checked."""

import base64
import json
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from factories import make_forest, square
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.ogc.features import sql

ITEMS = "/ogc/collections/forest/items"
# A corner of the map with no demo parcels, so a bbox there selects the test's rows only.
WEST, SOUTH = 106.9, 10.9
BBOX = f"{WEST},{SOUTH},{WEST + 0.1},{SOUTH + 0.1}"


def _insert(engine: Engine, codes: list[str], sizes_deg: list[float] | None = None) -> None:
    """Commit forest parcels (items read a pool of their own, which sees committed rows)."""
    sizes_deg = sizes_deg or [0.002] * len(codes)
    with Session(engine) as session:
        for index, (code, size_deg) in enumerate(zip(codes, sizes_deg, strict=True)):
            lon, lat = WEST + 0.01 + (index % 20) * 0.004, SOUTH + 0.01 + (index // 20) * 0.004
            make_forest(session, code, square(lon, lat, size_deg))
        session.commit()


@pytest.fixture
def tag(engine: Engine) -> Iterator[str]:
    """A code prefix of this test's committed parcels, deleted at the end."""
    prefix = f"TEST-CUR-{secrets.token_hex(3)}"
    yield prefix
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM forest_parcels WHERE code LIKE :p"), {"p": f"{prefix}%"})


def _next(body: dict) -> str | None:
    return {link["rel"]: link["href"] for link in body["links"]}.get("next")


def _walk(client: TestClient, params: dict, between=lambda page: None) -> list[str]:
    """Follow next links from the first page, calling ``between`` after each page."""
    seen: list[str] = []
    body = client.get(ITEMS, params=params).json()
    for page in range(100):
        seen += [feature["id"] for feature in body["features"]]
        between(page)
        href = _next(body)
        if href is None:
            return seen
        assert "cursor=" in href and "offset=" not in href
        body = client.get(href).json()
    raise AssertionError("more than 100 pages")


def test_items_cursor_pages_have_no_duplicates_or_gaps_while_rows_are_added(
    client: TestClient, engine: Engine, tag: str
):
    start = [f"{tag}-{n:03d}" for n in range(10, 40)]
    _insert(engine, start)

    def add_rows(page: int) -> None:
        # Before and after the current position: an offset would repeat or skip rows.
        _insert(engine, [f"{tag}-{page:03d}a", f"{tag}-{page + 50:03d}"])

    seen = _walk(client, {"bbox": BBOX, "limit": 7}, add_rows)
    assert len(seen) == len(set(seen))
    assert set(start) <= set(seen)


def test_items_cursor_follows_sortby_with_ties(client: TestClient, engine: Engine, tag: str):
    codes = [f"{tag}-{n:03d}" for n in range(12)]
    _insert(engine, codes, [0.001, 0.002, 0.003] * 4)  # three sizes, four parcels each
    whole = client.get(ITEMS, params={"bbox": BBOX, "sortby": "-area_ha", "limit": 100}).json()
    paged = _walk(client, {"bbox": BBOX, "sortby": "-area_ha", "limit": 5})
    assert paged == [feature["id"] for feature in whole["features"]] and len(paged) == 12
    areas = [feature["properties"]["area_ha"] for feature in whole["features"]]
    assert areas == sorted(areas, reverse=True)


def test_items_cursor_keeps_a_filter(client: TestClient, engine: Engine, tag: str):
    _insert(engine, [f"{tag}-{n:03d}" for n in range(9)], [0.001, 0.002, 0.003] * 3)
    params = {"bbox": BBOX, "filter": "area_ha > 2", "sortby": "area_ha", "limit": 2}
    paged = _walk(client, params)
    whole = client.get(ITEMS, params={**params, "limit": 100}).json()
    assert paged == [feature["id"] for feature in whole["features"]] and len(paged) == 6


def test_items_cursor_page_has_prev_link_back_to_the_first_page(client: TestClient):
    first = client.get(ITEMS, params={"limit": 10}).json()
    second = client.get(_next(first)).json()
    prev = {link["rel"]: link["href"] for link in second["links"]}["prev"]
    assert [f["id"] for f in client.get(prev).json()["features"]] == [
        f["id"] for f in first["features"]
    ]


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        _cursor([1, 2]),
        _cursor({"sortby": "", "after": ["x", "y"], "position": 3}),
        _cursor({"sortby": "-area_ha", "after": ["F-1"], "position": 3}),
        _cursor({"sortby": "", "after": [7], "position": 3}),
        _cursor({"sortby": "", "after": ["a\u0000b"], "position": 3}),
        _cursor({"sortby": "", "after": ["F-1"], "position": -1}),
        "A" * 5000,
    ],
)
def test_items_bad_cursor_is_400(client: TestClient, cursor: str):
    response = client.get(ITEMS, params={"cursor": cursor})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/query/cursor"


@pytest.mark.parametrize(
    ("sortby", "after"),
    [("area_ha", ["big", "F-1"]), ("synthetic", [1, "F-1"]), ("version", [1.5, "F-1"])],
)
def test_items_cursor_value_of_the_wrong_type_is_400(client: TestClient, sortby: str, after):
    cursor = _cursor({"sortby": sortby, "after": after, "position": 3})
    response = client.get(ITEMS, params={"cursor": cursor, "sortby": sortby})
    assert response.status_code == 400
    assert "sort key" in response.json()["detail"]


def test_items_cursor_after_a_null_sort_value_is_200(client: TestClient):
    cursor = _cursor({"sortby": "-area_ha", "after": [None, "F-1"], "position": 3})
    response = client.get(ITEMS, params={"cursor": cursor, "sortby": "-area_ha"})
    assert response.status_code == 200


def test_items_cursor_with_offset_is_400(client: TestClient):
    first = client.get(ITEMS, params={"limit": 5}).json()
    response = client.get(_next(first) + "&offset=5")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/cursor"


def test_items_number_matched_is_left_out_past_the_cap(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sql, "COUNT_CAP", 50)
    body = client.get(ITEMS, params={"limit": 10}).json()
    assert "numberMatched" not in body and body["numberReturned"] == 10 and _next(body)


def test_items_number_matched_is_exact_under_the_cap(client: TestClient, db_session: Session):
    body = client.get(ITEMS, params={"limit": 10, "category": "special_use"}).json()
    expected = db_session.scalar(
        sa.text("SELECT count(*) FROM forest_parcels WHERE category = 'special_use'")
    )
    assert body["numberMatched"] == expected > 10
