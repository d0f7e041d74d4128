from dataclasses import replace

import psycopg
import pytest
from async_pool import with_read_pool
from factories import ORIGIN, make_forest, make_site, square
from geoalchemy2.shape import from_shape
from geodesic import close, geodesic_ha
from shapely.geometry import MultiPolygon, Point, Polygon, box
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.models import ProtectedArea
from spatial.analysis import nearby, proposal_conflicts
from spatial.analysis._sql import ewkb_bind
from spatial.crs import transform_geometry

X, Y = ORIGIN


def test_proposal_conflicts_areas_forest_and_sites(db_session: Session):
    proposal = square(X, Y, 0.02)
    forest = square(X + 0.015, Y + 0.015, 0.01)
    site = square(X - 0.005, Y - 0.005, 0.01)
    make_forest(db_session, "T-P-FOREST", forest, category="special_use", origin="natural")
    make_site(db_session, "TEST-P-SITE", site)
    found = proposal_conflicts.run(db_session.connection(), geom=proposal, zone_srid=9208)
    assert close(found.area_ha, geodesic_ha(proposal))
    assert close(found.area_vn2000_ha, transform_geometry(proposal, 4326, 9208).area / 1e4)
    assert [(f.key, f.detail) for f in found.forest] == [("special_use", "natural")]
    assert close(found.forest[0].overlap_ha, geodesic_ha(forest.intersection(proposal)))
    assert [s.key for s in found.sites] == ["TEST-P-SITE"]
    assert close(found.sites[0].overlap_ha, geodesic_ha(site.intersection(proposal)))


def test_proposal_conflicts_finds_province_zone_and_districts(db_session: Session):
    near_tang_loong = box(104.13, 22.29, 104.15, 22.31)
    found = proposal_conflicts.run(db_session.connection(), geom=near_tang_loong)
    assert found.province == "Lào Cai"
    assert close(found.area_vn2000_ha, transform_geometry(near_tang_loong, 4326, 9208).area / 1e4)
    assert [d.name for d in found.districts] == ["Huyện Bảo Thắng"]
    assert "KCN-TANG-LOONG" in {s.key for s in found.sites}


def test_nearby_lists_features_within_the_distance(db_session: Session):
    make_site(db_session, "TEST-NEAR", square(X, Y, 0.001))
    make_site(db_session, "TEST-FAR", square(X + 0.1, Y, 0.001))
    found = nearby.run(db_session.connection(), geom=Point(X - 0.001, Y), distance_m=500)
    codes = {f.code: f.distance_m for f in found}
    assert "TEST-NEAR" in codes and "TEST-FAR" not in codes
    assert 100 < codes["TEST-NEAR"] < 120  # 0.001° of longitude at 10.5° N ≈ 109 m


def _protected_area(session: Session, code: str, geom: Polygon | None, locator: Point) -> None:
    outline = from_shape(MultiPolygon([geom]), srid=4326) if geom is not None else None
    session.add(
        ProtectedArea(
            code=code,
            name=code,
            use_for_overlap_analysis=False,
            licence="test",
            geometry_source="indicative",
            provenance="test fixture",
            geom=outline,
            locator=from_shape(locator, srid=4326),
        )
    )
    session.flush()


def test_nearby_measures_a_protected_area_by_its_outline_else_its_locator(db_session: Session):
    # Both have a locator at the origin; the first's outline lies 0.1° (~11 km) away.
    _protected_area(db_session, "T-PA-OUTLINE", square(X + 0.1, Y, 0.01), Point(X, Y))
    _protected_area(db_session, "T-PA-POINT", None, Point(X, Y))
    found = nearby.run(db_session.connection(), geom=Point(X - 0.001, Y), distance_m=500)
    areas = {f.code for f in found if f.layer == "protected_area"}
    assert areas == {"T-PA-POINT"}


def test_proposal_checked_concurrently_matches_one_connection(engine: Engine, database_url: str):
    # Committed demo data: the concurrent run reads through fresh pooled connections.
    near_tang_loong = box(104.12, 22.28, 104.16, 22.32)
    with engine.connect() as conn:
        sequential = proposal_conflicts.run(conn, geom=near_tang_loong)
    concurrent = with_read_pool(
        database_url,
        lambda pool: proposal_conflicts.run_pooled(
            pool, geom=near_tang_loong, forest_shares=proposal_conflicts.FOREST_SHARES
        ),
    )
    # Shares of the parcels are summed in another order: equal to the last bits, no more.
    assert [(f.key, f.detail, f.extra) for f in concurrent.forest] == [
        (f.key, f.detail, f.extra) for f in sequential.forest
    ]
    assert [f.overlap_ha for f in concurrent.forest] == pytest.approx(
        [f.overlap_ha for f in sequential.forest], rel=1e-12
    )
    assert replace(concurrent, forest=[]) == replace(sequential, forest=[])
    assert concurrent.forest and concurrent.sites and concurrent.datasets


def _sections(database_url: str, *, parts: int, part: int) -> list[str]:
    """Return the sections of the rows one share of a lone check answers (demo data)."""
    statement = proposal_conflicts.raw_statement(proposal_conflicts.STATEMENT)
    near_tang_loong = box(104.12, 22.28, 104.16, 22.32)
    params = proposal_conflicts._params(ewkb_bind(near_tang_loong), None, parts=parts, part=part)
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        rows = psycopg.RawCursor(conn).execute(statement.sql, statement.values(params)).fetchall()
    return [row[0] for row in rows]


def test_proposal_shares_answer_each_section_but_forest_once(database_url: str):
    first = _sections(database_url, parts=2, part=0)
    second = _sections(database_url, parts=2, part=1)
    whole = _sections(database_url, parts=1, part=0)
    # The first share has the areas and units, the second the other layers; forest both.
    assert {"proposal", "province", "district"} <= set(first) - set(second)
    assert {"site", "dataset"} <= set(second) - set(first)
    assert sorted(s for s in first + second if s != "forest") == sorted(
        s for s in whole if s != "forest"
    )
