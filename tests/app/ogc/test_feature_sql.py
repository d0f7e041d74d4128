from app.ogc.catalog import CATALOG
from app.ogc.features import sql
from app.ogc.features.query import RawQuery, build_query


def _bbox_page(bbox: str) -> tuple[str, dict[str, object]]:
    query = build_query(CATALOG["industrial_zones"], RawQuery(bbox=bbox), {}, limit=10, offset=5)
    return sql.driver_sql(sql.items_select(query))


def test_driver_sql_reuses_the_sql_with_each_statements_values():
    first_sql, first = _bbox_page("104,22,104.5,22.5")
    second_sql, second = _bbox_page("103,21,103.1,21.1")
    assert first_sql == second_sql
    assert sorted(v for k, v in first.items() if k.startswith("ST_MakeEnvelope")) != sorted(
        v for k, v in second.items() if k.startswith("ST_MakeEnvelope")
    )
    assert 103.1 in second.values() and 104.5 in first.values()
    assert "industrial_zone" in second.values()  # the subset's enum value, as the dialect sends it


def test_feature_driver_sql_binds_only_the_id():
    query = build_query(CATALOG["sites"], RawQuery(), {})
    statement, values = sql.feature_driver_sql(query, "LC-KCN-001")
    again, other = sql.feature_driver_sql(query, "LC-CCN-002")
    assert statement == again and "%(feature_id)s" in statement
    assert values["feature_id"] == "LC-KCN-001" and other["feature_id"] == "LC-CCN-002"
