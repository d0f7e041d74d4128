import psycopg
import shapely
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import Format
from sqlalchemy import Engine

from spatial.analysis._sql import driver_sql, driver_statement, ewkb_bind, load
from spatial.crs import PROVINCE_ZONES


def test_driver_sql_reads_geometries_from_ewkb_and_escapes_percent_signs():
    sql = driver_sql(
        "SELECT :geom, :n, x::int -- 5 % of the time\n-- a comment line\nFROM t WHERE x LIKE '%a'",
        geometry_binds=("geom",),
    )
    assert sql == (
        "SELECT ST_GeomFromEWKB(%(geom)s), %(n)s, x::int -- 5 %% of the time\n"
        "FROM t WHERE x LIKE '%%a'"
    )


def test_psycopg_sends_an_ewkb_bind_in_binary():
    dumper = Transformer().get_dumper(ewkb_bind(shapely.Point(104, 22)), PyFormat.AUTO)
    assert dumper.format is Format.BINARY


def test_statements_are_loaded_with_the_zone_table_written_in():
    for name in ("proposal_conflicts", "forest_overlap"):
        text = load(name)
        assert ":zone_provinces" not in text and ":zone_srids" not in text
        assert "ARRAY['Lai Châu'" in text and "ARRAY[9205" in text


def test_the_zone_table_constants_hold_every_province_of_spatial_crs(engine: Engine):
    query = driver_sql(
        "SELECT z.province, z.srid FROM unnest(CAST(:zone_provinces AS text[]), "
        "CAST(:zone_srids AS int[])) AS z (province, srid)"
    )
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(query).all()
    assert dict(rows) == PROVINCE_ZONES


def test_the_check_statement_needs_no_zone_binds_and_reads_a_binary_proposal(database_url: str):
    sql = driver_statement("proposal_conflicts")
    assert "zone_provinces" not in sql and "zone_srids" not in sql
    proposal = shapely.Point(103.97, 22.42).buffer(0.01)  # near Lào Cai city
    params = {
        "geom": ewkb_bind(proposal),
        "zone_srid": None,
        "with_context": True,
        "with_layers": True,
    }
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        more = {"parts": 1, "part": 0, "point_radius_m": 5_000.0}
        rows = conn.execute(sql, {**params, **more}, prepare=True).fetchall()
    head = next(row for row in rows if row[0] == "proposal")
    assert head[3] == "Lào Cai"  # the province found decides the TM-3 zone
    assert abs(head[5] - head[4]) / head[4] < 1e-3  # VN-2000 planar vs geodesic hectares
