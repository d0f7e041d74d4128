"""Bad input of every class is a 4xx problem+json saying what is wrong, never a 500."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.settings import Settings

ITEMS = "/ogc/collections/{}/items"
CHECK = "/api/v1/analysis/check"
GEOJSON = {"content-type": "application/geo+json"}


def _problem(response: Any, status: int, code: str) -> ProblemDetail:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = ProblemDetail.model_validate(response.json())
    assert body.code == code
    return body


@pytest.fixture
def small_limits(test_settings: Settings) -> Iterator[TestClient]:
    """A client on an app whose bodies may be 0.1 MB, without the session override."""
    settings = test_settings.model_copy(
        update={"limits": test_settings.limits.model_copy(update={"upload_max_mb": 0.1})}
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (ITEMS.format("sites"), {"status": "bogus"}, "status"),
        (ITEMS.format("infrastructure"), {"kind": "industrial_zone"}, "kind"),
        ("/api/v1/export/sites.geojson", {"status": ""}, "status"),
        ("/api/v1/export/infrastructure.geojson", {"kind": "industrial_zone"}, "kind"),
    ],
)
def test_queryable_outside_its_enum_is_400_before_any_byte(
    client: TestClient, path: str, params: dict[str, str], name: str
):
    body = _problem(client.get(path, params=params), 400, "invalid-parameter")
    assert body.errors[0].pointer == f"/query/{name}"
    assert "is not one of" in body.detail


@pytest.mark.parametrize(
    ("path", "params", "pointer"),
    [
        ("/api/v1/sites", {"q": "a\x00b"}, "/query/q"),
        (ITEMS.format("sites"), {"name": "x\x1by"}, "/query/name"),
        (ITEMS.format("sites"), {"filter": "name = 'a\x00'"}, "/query/filter"),
        ("/api/v1/export/sites.geojson", {"filter": "name = '\x07'"}, "/query/filter"),
        ("/api/v1/sites/KCN%00X", {}, "/path"),
    ],
)
def test_control_characters_are_400_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, str], pointer: str
):
    body = _problem(client.get(path, params=params), 400, "invalid-parameter")
    assert body.errors[0].pointer == pointer


def test_a_filter_on_several_lines_is_still_read(client: TestClient):
    response = client.get(ITEMS.format("sites"), params={"filter": "kind =\n\t'industrial_zone'"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/api/v1/sites", ITEMS.format("sites")])
def test_offset_beyond_64_bits_is_400(client: TestClient, path: str):
    body = _problem(client.get(path, params={"offset": str(2**70)}), 400, "invalid-parameter")
    assert body.errors[0].pointer == "/query/offset"


def test_cql2_nested_hundreds_of_levels_is_400(client: TestClient):
    text = "(" * 400 + "name = 'x'" + ")" * 400
    _problem(client.get(ITEMS.format("sites"), params={"filter": text}), 400, "invalid-parameter")
    node: dict[str, Any] = {"op": "=", "args": [{"property": "name"}, "x"]}
    for _ in range(400):
        node = {"op": "not", "args": [node]}
    params = {"filter": json.dumps(node), "filter-lang": "cql2-json"}
    _problem(client.get(ITEMS.format("sites"), params=params), 400, "invalid-parameter")


@pytest.mark.parametrize(
    "text",
    [
        "NOT " * 7_500 + "name = 'x'",
        " AND ".join(f"name = '{index}'" for index in range(2500)) + " AND (",
    ],
)
def test_a_30_kb_bad_filter_writes_one_short_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, text: str
):
    assert len(text) > 30_000
    with caplog.at_level(logging.DEBUG):
        response = client.get(ITEMS.format("sites"), params={"filter": text})
    assert response.status_code == 400
    assert all(record.exc_info is None for record in caplog.records)  # no traceback
    assert caplog.text.count("\n") <= 3


@pytest.mark.parametrize("depth", [40, 900, 5000])
def test_deeply_nested_json_upload_is_400(client: TestClient, depth: int):
    body = '{"type": "Polygon", "coordinates": ' + "[" * depth + "]" * depth + "}"
    problem = _problem(client.post(CHECK, content=body, headers=GEOJSON), 400, "malformed-body")
    assert f"nested {depth + 1} levels deep" in problem.detail


def test_deeply_nested_json_in_a_multipart_upload_is_400(client: TestClient):
    body = '{"type": "Polygon", "coordinates": ' + "[" * 900 + "]" * 900 + "}"
    files = {"file": ("deep.geojson", body.encode(), "application/geo+json")}
    problem = _problem(client.post(CHECK, files=files), 400, "unreadable-file")
    assert "nested 901 levels deep" in problem.detail


def test_deeply_nested_json_write_body_is_400_before_authentication(client: TestClient):
    body = '{"type": "Feature", "properties": {}, "geometry": ' + "[" * 900 + "]" * 900 + "}"
    response = client.post(ITEMS.format("industrial_clusters"), content=body, headers=GEOJSON)
    _problem(response, 400, "malformed-body")


def test_chunked_body_over_the_limit_is_413_while_reading(small_limits: TestClient):
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b" " * 16_384

    response = small_limits.post(CHECK, content=chunks(), headers=GEOJSON)
    assert "content-length" not in response.request.headers
    body = _problem(response, 413, "too-large")
    assert "more than the limit" in body.detail


def test_chunked_multipart_over_the_limit_is_413(small_limits: TestClient):
    boundary = "sitereg-test"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(64):
            yield b"\0" * 16_384

    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    _problem(small_limits.post(CHECK, content=chunks(), headers=headers), 413, "too-large")


def test_a_write_body_over_the_limit_is_413(small_limits: TestClient):
    body = json.dumps({"type": "Feature", "properties": {"x": "y" * 200_000}, "geometry": None})
    response = small_limits.post(ITEMS.format("industrial_clusters"), content=body, headers=GEOJSON)
    _problem(response, 413, "too-large")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "status", "code", "says"),
    [
        ({"a.shp": b"\0" * (201 * 2**20)}, 413, "too-large", "expands to 201 MB"),
        ({f"{index}.txt": b"" for index in range(65)}, 413, "too-large", "65 members"),
        ({"../../etc/a.shp": b"x", "a.shx": b"", "a.dbf": b""}, 400, "unreadable-file", "unsafe"),
    ],
)
def test_zip_members_are_checked_before_extraction(
    client: TestClient, members: dict[str, bytes], status: int, code: str, says: str
):
    files = {"file": ("upload.zip", _zip(members), "application/zip")}
    body = _problem(client.post(CHECK, files=files, params={"crs": "EPSG:4326"}), status, code)
    assert says in body.detail


def test_error_lists_stop_at_fifty_and_say_how_many(client: TestClient):
    collection = {"type": "FeatureCollection", "features": [{}] * 20_000}
    response = client.post(CHECK, json=collection)
    body = _problem(response, 422, "invalid-geometry")
    assert len(body.errors) == 50
    assert "first 50 of 20000 problems" in body.detail
    assert len(response.content) < 20_000


def test_a_body_of_another_content_type_is_415(client: TestClient):
    response = client.post(CHECK, content=b"hello", headers={"content-type": "text/plain"})
    body = _problem(response, 415, "unsupported-format")
    assert "text/plain" in body.detail


def test_ogc_root_with_a_trailing_slash_is_the_landing_page(client: TestClient):
    response = client.get("/ogc/", follow_redirects=False)
    assert response.status_code == 200
    assert any(link["rel"] == "conformance" for link in response.json()["links"])


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/ogc/collections", {"GET"}),
        ("POST", "/api/v1/sites/KCN-TANG-LOONG", {"GET"}),
        ("PUT", ITEMS.format("sites"), {"GET"}),
        # Reading and keeping targets are routes of two routers: Allow names both.
        ("OPTIONS", "/api/v1/targets", {"GET", "POST"}),
        ("DELETE", "/api/v1/reported-figures", {"POST"}),
    ],
)
def test_every_405_says_allow(client: TestClient, method: str, path: str, allowed: set[str]):
    response = client.request(method, path)
    _problem(response, 405, "method-not-allowed")
    assert allowed <= {item.strip() for item in response.headers["allow"].split(",")}


@pytest.mark.parametrize("value", ["-6469693231", "0.5", "99999999999999999999"])
def test_integer_queryables_beyond_the_column_are_answered(client: TestClient, value: str):
    response = client.get(ITEMS.format("protected_areas"), params={"version": value})
    if response.status_code == 200:  # in bigint's range: no row has it
        assert response.json()["numberMatched"] == 0
    else:
        body = _problem(response, 400, "invalid-parameter")
        assert body.errors[0].pointer == "/query/version"


@pytest.mark.parametrize("value", ["", "null", "cql2"])
def test_filter_lang_outside_its_enum_is_400_even_without_a_filter(client: TestClient, value: str):
    response = client.get(ITEMS.format("forest"), params={"filter-lang": value})
    body = _problem(response, 400, "invalid-parameter")
    assert body.errors[0].pointer == "/query/filter-lang"


@pytest.mark.parametrize(
    "path",
    ["/ogc", "/ogc/collections", "/ogc/collections/sites", ITEMS.format("sites") + "?limit=5"],
)
def test_ogc_links_are_also_link_headers(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code == 200
    header = response.headers["link"]
    for item in response.json()["links"]:
        assert f'rel="{item["rel"]}"' in header
    assert header.isascii()


def test_a_feature_sends_its_links_as_link_header(client: TestClient):
    response = client.get(ITEMS.format("sites") + "/KCN-TANG-LOONG")
    assert response.status_code == 200
    assert 'rel="collection"' in response.headers["link"]
    assert "title*=UTF-8''" in response.headers["link"]  # the collection's Vietnamese title


def test_an_anonymous_write_to_a_read_only_collection_is_405_not_401(client: TestClient):
    body = {"type": "Feature", "geometry": None, "properties": {}}
    response = client.post(ITEMS.format("communes"), json=body)
    _problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_ogc_openapi_declares_bbox_limit_datetime_as_the_standard_does(client: TestClient):
    document = client.get("/ogc/api").json()
    for path in ("/collections/{collectionId}/items", "/collections/forest/items"):
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        bbox = parameters["bbox"]
        assert (bbox["style"], bbox["explode"], bbox["in"]) == ("form", False, "query")
        assert bbox["schema"]["type"] == "array"
        assert bbox["schema"]["items"] == {"type": "number"}
        sizes = [(o["minItems"], o["maxItems"]) for o in bbox["schema"]["oneOf"]]
        assert sizes == [(4, 4), (6, 6)]
        assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1}
        assert parameters["datetime"]["schema"] == {"type": "string"}
        assert parameters["limit"]["explode"] is parameters["datetime"]["explode"] is False
