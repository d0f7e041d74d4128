import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvalidParameter
from app.ogc.cql2.text import parse_text

ITEMS = "/ogc/collections/{}/items"


def _filter(client: TestClient, collection: str, expression: str, **params: str):
    return client.get(
        ITEMS.format(collection), params={"filter": expression, "limit": 1000, **params}
    )


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {feature["id"] for feature in response.json()["features"]}


def _codes(db_session: Session, sql: str) -> set[str]:
    return set(db_session.execute(text(sql)).scalars())


# -- the parser: cql2-text gives the cql2-json tree -------------------------------------------
@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("a = 1", {"op": "=", "args": [{"property": "a"}, 1]}),
        ("a <> 'x''y'", {"op": "<>", "args": [{"property": "a"}, "x'y"]}),
        ('"a b" >= 2.5', {"op": ">=", "args": [{"property": "a b"}, 2.5]}),
        ("a IS NOT NULL", {"op": "not", "args": [{"op": "isNull", "args": [{"property": "a"}]}]}),
        (
            "a NOT LIKE 'K%'",
            {"op": "not", "args": [{"op": "like", "args": [{"property": "a"}, "K%"]}]},
        ),
        ("a BETWEEN 1 AND 2", {"op": "between", "args": [{"property": "a"}, 1, 2]}),
        ("a IN ('x', 'y')", {"op": "in", "args": [{"property": "a"}, ["x", "y"]]}),
        (
            "a = 1 OR b = 2 AND c = 3",
            {
                "op": "or",
                "args": [
                    {"op": "=", "args": [{"property": "a"}, 1]},
                    {
                        "op": "and",
                        "args": [
                            {"op": "=", "args": [{"property": "b"}, 2]},
                            {"op": "=", "args": [{"property": "c"}, 3]},
                        ],
                    },
                ],
            },
        ),
        (
            "d > DATE('2025-01-01')",
            {"op": ">", "args": [{"property": "d"}, {"date": "2025-01-01"}]},
        ),
        (
            "T_AFTER(d, TIMESTAMP('2025-01-01T00:00:00Z'))",
            {"op": "t_after", "args": [{"property": "d"}, {"timestamp": "2025-01-01T00:00:00Z"}]},
        ),
        (
            "S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))",
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [1, 2, 3, 4]}]},
        ),
        (
            "CASEI(a) = casei('X')",
            {
                "op": "=",
                "args": [
                    {"op": "casei", "args": [{"property": "a"}]},
                    {"op": "casei", "args": ["X"]},
                ],
            },
        ),
    ],
)
def test_parse_text_gives_the_cql2_json_tree(source: str, tree: dict):
    assert parse_text(source) == tree


def test_parse_text_reads_ilike_as_casei_like_only_where_written():
    node = parse_text("a LIKE 'ILIKE' OR \"ILIKE\" ilike 'x'")
    assert node["args"][0] == {"op": "like", "args": [{"property": "a"}, "ILIKE"]}
    assert node["args"][1] == {
        "op": "like",
        "args": [
            {"op": "casei", "args": [{"property": "ILIKE"}]},
            {"op": "casei", "args": ["x"]},
        ],
    }


def test_parse_text_keeps_accented_and_quoted_names_and_reads_booleans():
    assert parse_text('tên_xã = TRUE AND "a ""b""" <> false') == {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "tên_xã"}, True]},
            {"op": "<>", "args": [{"property": 'a "b"'}, False]},
        ],
    }


def test_parse_text_rejects_nesting_beyond_the_budget_before_the_parser_sees_it():
    # cql2-rs recurses per level and aborts the process at about 1,600 parentheses.
    with pytest.raises(InvalidParameter) as caught:
        parse_text("(" * 5000 + "a = 1" + ")" * 5000)
    assert "more than 256 parentheses" in str(caught.value)
    assert "character 257" in str(caught.value)
    assert parse_text("NOT " * 255 + "a = 1")["op"] == "not"


def test_parse_text_reads_wkt_as_geojson():
    node = parse_text("S_WITHIN(geometry, POLYGON((104 22, 105 22, 105 23, 104 22)))")
    assert node["args"][1]["type"] == "Polygon"


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("a = ", "character 5"),
        ("a = 'open", "character 5"),
        ("(a = 1", "character 7"),
        ("a == 1", "character 4"),
        ("a = 1\nAND b = 2 AND", "character 20"),
        ("tằng = = 1", "character 8"),
        ("a @ 1", "character 3"),
    ],
)
def test_parse_text_reports_the_position_of_a_syntax_error(source: str, where: str):
    with pytest.raises(InvalidParameter) as caught:
        parse_text(source)
    assert where in str(caught.value)


# -- filters over HTTP, checked against SQL written by hand ------------------------------------
def test_filter_comparison_and_logic(client: TestClient, db_session: Session):
    got = _ids(_filter(client, "sites", "kind = 'industrial_zone' AND planned_area_ha > 200"))
    assert got == _codes(
        db_session,
        "SELECT code FROM sites WHERE kind = 'industrial_zone' AND planned_area_ha > 200",
    )
    assert got


def test_filter_like_in_between_and_null(client: TestClient, db_session: Session):
    like = _ids(_filter(client, "sites", "code LIKE 'MINE-%'"))
    assert like == {"MINE-DONG-PAO", "MINE-MIT-NOI"}
    inside = _ids(_filter(client, "sites", "kind IN ('mining_site', 'relocation_area')"))
    assert inside == _codes(
        db_session, "SELECT code FROM sites WHERE kind IN ('mining_site', 'relocation_area')"
    )
    between = _ids(_filter(client, "sites", "planned_area_ha BETWEEN 50 AND 100"))
    assert between == _codes(
        db_session, "SELECT code FROM sites WHERE planned_area_ha BETWEEN 50 AND 100"
    )
    null = _ids(_filter(client, "sites", "legal_decision_date IS NULL"))
    assert null == _codes(db_session, "SELECT code FROM sites WHERE legal_decision_date IS NULL")


def test_filter_not_and_or(client: TestClient, db_session: Session):
    got = _ids(
        _filter(client, "sites", "NOT (kind = 'industrial_cluster' OR kind = 'industrial_zone')")
    )
    assert got == _codes(
        db_session,
        "SELECT code FROM sites WHERE kind NOT IN ('industrial_cluster', 'industrial_zone')",
    )


def test_filter_case_insensitive_comparison(client: TestClient):
    got = _ids(_filter(client, "sites", "CASEI(name) LIKE CASEI('kcn tằng%')"))
    assert "KCN-TANG-LOONG" in got


def test_filter_accent_insensitive_comparison_folds_vietnamese(client: TestClient):
    got = _ids(_filter(client, "sites", "ACCENTI(name) LIKE ACCENTI('%tang loong%')"))
    assert "KCN-TANG-LOONG" in got


def test_filter_property_property_comparison(client: TestClient, db_session: Session):
    got = _ids(_filter(client, "sites", "area_ha > planned_area_ha"))
    assert got == _codes(db_session, "SELECT code FROM sites WHERE area_ha(geom) > planned_area_ha")


def test_filter_s_intersects_with_wkt(client: TestClient):
    box = "POLYGON((104.12 22.28, 104.17 22.28, 104.17 22.33, 104.12 22.33, 104.12 22.28))"
    got = _ids(_filter(client, "sites", f"S_INTERSECTS(geometry, {box})"))
    assert "KCN-TANG-LOONG" in got and "MINE-DONG-PAO" not in got


def test_filter_s_within_with_cql2_json_and_geojson(client: TestClient):
    tree = {
        "op": "s_within",
        "args": [
            {"property": "geometry"},
            {
                "type": "Polygon",
                "coordinates": [
                    [[103.0, 21.0], [106.0, 21.0], [106.0, 23.5], [103.0, 23.5], [103.0, 21.0]]
                ],
            },
        ],
    }
    got = _ids(_filter(client, "mining_sites", json.dumps(tree), **{"filter-lang": "cql2-json"}))
    assert got == {"MINE-DONG-PAO", "MINE-MIT-NOI"}


def test_filter_bbox_literal_and_spatial_functions(client: TestClient):
    inside = _ids(
        _filter(client, "communes", "S_INTERSECTS(geometry, BBOX(103.5, 21.5, 104.5, 22.8))")
    )
    outside = _ids(
        _filter(client, "communes", "S_DISJOINT(geometry, BBOX(103.5, 21.5, 104.5, 22.8))")
    )
    assert inside and outside and not inside & outside


def test_filter_crs_reads_geometries_in_vn2000(client: TestClient):
    # Tằng Loỏng's centre area in VN-2000 / TM-3 104°45' (EPSG:9208) metres.
    point = "POINT(437000 2466000)"
    got = _ids(
        _filter(
            client,
            "sites",
            "S_INTERSECTS(geometry, BBOX(430000, 2460000, 445000, 2475000))",
            **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/9208"},
        )
    )
    assert "KCN-TANG-LOONG" in got
    assert point


def test_filter_temporal_functions(client: TestClient, db_session: Session):
    after = _ids(_filter(client, "sites", "T_AFTER(legal_decision_date, DATE('2025-06-30'))"))
    assert after == _codes(
        db_session, "SELECT code FROM sites WHERE legal_decision_date > '2025-06-30'"
    )
    during = _ids(
        _filter(
            client,
            "clearance_parcels",
            "T_DURING(status_date, INTERVAL('2024-01-01', '2025-12-31'))",
        )
    )
    assert during == _codes(
        db_session,
        "SELECT code FROM clearance_parcels WHERE status_date > "
        "'2024-01-01' AND status_date < '2025-12-31'",
    )
    open_end = _ids(
        _filter(client, "sites", "T_INTERSECTS(legal_decision_date, INTERVAL('2025-01-01', '..'))")
    )
    assert open_end == _codes(
        db_session, "SELECT code FROM sites WHERE legal_decision_date >= '2025-01-01'"
    )


def test_filter_cql2_json_equals_cql2_text(client: TestClient):
    text_form = _ids(_filter(client, "forest", "category = 'special_use' AND area_ha > 20"))
    tree = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "category"}, "special_use"]},
            {"op": ">", "args": [{"property": "area_ha"}, 20]},
        ],
    }
    json_form = _ids(_filter(client, "forest", json.dumps(tree), **{"filter-lang": "cql2-json"}))
    assert text_form == json_form and text_form


def test_filter_gdal_cql_text_with_ilike_and_dates(client: TestClient, db_session: Session):
    # What GDAL 3.6's OAPIF driver sends for
    # -where "name ILIKE 'kcn%' AND legal_decision_date > '2025-01-01'".
    sent = "(name ILIKE 'kcn%') AND (legal_decision_date > '2025-01-01T')"
    got = _ids(_filter(client, "sites", sent, **{"filter-lang": "cql-text"}))
    assert got == _codes(
        db_session,
        "SELECT code FROM sites WHERE name ILIKE 'kcn%' AND legal_decision_date > '2025-01-01'",
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("owner = 'x'", "unknown property 'owner'"),
        ("planned_area_ha = 'large'", "compares planned_area_ha (number)"),
        ("name LIKE 3", "compares name (string)"),
        ("S_INTERSECTS(name, POINT(1 2))", "needs geometries"),
        ("T_AFTER(name, DATE('2020-01-01'))", "temporal functions need dates"),
        ("communes = 'x'", "cannot apply to communes (array)"),
        ("legal_decision_date > DATE('yesterday')", "not an RFC 3339 date"),
        (
            "S_INTERSECTS(geometry, POLYGON((1 2, 3)))",
            "syntax error, expected DECIMAL at character 39",
        ),
        ("S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))", "invalid geometry literal"),
        ("S_FOO(geometry, geometry)", "unknown spatial function 's_foo'"),
        ("(" * 2000 + "name = 'x'" + ")" * 2000, "more than 256 parentheses"),
    ],
)
def test_filter_errors_are_400_naming_the_problem(
    client: TestClient, expression: str, message: str
):
    response = _filter(client, "sites", expression)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["pointer"] == "/query/filter"
    assert message in problem["detail"]


@pytest.mark.parametrize(
    "hostile",
    [
        "name = 'x'; DROP TABLE sites; --'",
        "name = 'x'' OR 1=1 --'",
        "\"name; DROP TABLE sites\" = 'x'",
        "code = 'x'' OR ''1''=''1'",
        "name = CHR(39)",
        "pg_sleep(1) = 1",
        "name = 'x' OR " + "-" * 3000 + "1 = 1",
        "NOT " * 4000 + "name = 'x'",
    ],
)
def test_filter_injection_strings_never_reach_sql(
    client: TestClient, db_session: Session, hostile: str
):
    response = _filter(client, "sites", hostile)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["numberMatched"] == 0
    assert db_session.execute(text("SELECT count(*) FROM sites")).scalar_one() > 0


def test_filter_json_must_be_valid(client: TestClient):
    response = _filter(client, "sites", "{not json", **{"filter-lang": "cql2-json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


@pytest.mark.parametrize("depth", [300, 1200])
def test_filter_json_nested_too_deep_is_400_not_500(client: TestClient, depth: int):
    # Python's json and the compiler recurse per level: a deep tree once made a RecursionError.
    leaf = '{"op":"=","args":[{"property":"name"},"x"]}'
    deep = '{"op":"not","args":[' * depth + leaf + "]}" * depth
    response = _filter(client, "sites", deep, **{"filter-lang": "cql2-json"})
    assert response.status_code == 400
    assert "nested more than 256 operators deep" in response.json()["detail"]


def test_filter_json_at_the_nesting_limit_still_answers(client: TestClient):
    leaf = '{"op":"=","args":[{"property":"name"},"x"]}'
    deep = '{"op":"not","args":[' * 255 + leaf + "]}" * 255
    response = _filter(client, "sites", deep, **{"filter-lang": "cql2-json"})
    assert response.status_code == 200, response.text


def test_filter_lang_must_be_known(client: TestClient):
    response = _filter(client, "sites", "a = 1", **{"filter-lang": "sql"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/filter-lang"


def test_filter_applies_to_downloads_too(client: TestClient):
    response = client.get("/api/v1/export/sites.geojson", params={"filter": "kind = 'mining_site'"})
    body = json.loads(response.content)
    assert {feature["id"] for feature in body["features"]} == {"MINE-DONG-PAO", "MINE-MIT-NOI"}
