from app.ogc.catalog import CATALOG
from app.ogc.features import sql
from app.ogc.features.query import RawQuery, build_query


def _bbox_page(bbox: str, offset: int = 5) -> tuple[str, dict[str, object]]:
    query = build_query(
        CATALOG["industrial_zones"], RawQuery(bbox=bbox), {}, limit=10, offset=offset
    )
    return sql.driver_sql(query, "items")


def test_driver_sql_reuses_the_sql_with_each_requests_values():
    first_sql, first = _bbox_page("104,22,104.5,22.5")
    second_sql, second = _bbox_page("103,21,103.1,21.1", offset=20)
    assert first_sql == second_sql
    assert "%(bbox_max_x)s" in first_sql and "%(page_offset)s" in first_sql
    assert (first["bbox_min_x"], first["bbox_max_y"], first["page_offset"]) == (104.0, 22.5, 5)
    assert (second["bbox_min_x"], second["bbox_max_y"], second["page_offset"]) == (103.0, 21.1, 20)
    assert "industrial_zone" in second.values()  # the subset's enum value, as the dialect sends it


def test_driver_sql_compiles_a_filtered_query_for_the_request():
    query = build_query(CATALOG["sites"], RawQuery(filter="planned_area_ha > 123.5"), {}, limit=10)
    assert query.shape is None
    statement, values = sql.driver_sql(query, "items")
    # One row more than the limit: whether a next page exists, without counting.
    assert 123.5 in values.values() and values["page_limit"] == 11


def test_queryable_equality_is_not_a_shape_of_its_own():
    query = build_query(CATALOG["sites"], RawQuery(), {"province": "Lào Cai"}, limit=10)
    assert query.shape is None
    _, values = sql.driver_sql(query, "items")
    assert "Lào Cai" in values.values()


def test_feature_driver_sql_binds_only_the_id():
    query = build_query(CATALOG["sites"], RawQuery(), {})
    statement, values = sql.feature_driver_sql(query, "LC-KCN-001")
    again, other = sql.feature_driver_sql(query, "LC-CCN-002")
    assert statement == again and "%(feature_id)s" in statement
    assert values["feature_id"] == "LC-KCN-001" and other["feature_id"] == "LC-CCN-002"
