"""Forest overlap SQL against hand-built geometries, checked with shapely + pyproj Geod."""

import pytest
from factories import ORIGIN, make_forest, make_site, square
from geodesic import close, geodesic_ha
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy.orm import Session

from spatial.analysis import forest_overlap
from spatial.crs import transform_geometry

X, Y = ORIGIN
SITE = Polygon(
    [(X, Y), (X + 0.02, Y), (X + 0.02, Y + 0.02), (X, Y + 0.02)],
    holes=[
        [
            (X + 0.012, Y + 0.012),
            (X + 0.016, Y + 0.012),
            (X + 0.016, Y + 0.016),
            (X + 0.012, Y + 0.016),
        ]
    ],
)
INSIDE = square(X + 0.002, Y + 0.002, 0.004)  # covered whole by the site
CROSSING = square(X + 0.015, Y + 0.002, 0.01)  # crosses the site's east edge
TOUCHING = square(X + 0.02, Y + 0.005, 0.005)  # shares only the east edge
IN_HOLE = square(X + 0.013, Y + 0.013, 0.002)  # inside the site's hole
TWO_PARTS = MultiPolygon([square(X + 0.002, Y + 0.010, 0.003), square(X + 0.05, Y, 0.003)])


@pytest.fixture
def site_with_forest(db_session: Session) -> str:
    make_site(db_session, "TEST-SITE", SITE)
    make_forest(db_session, "T-INSIDE", INSIDE, category="special_use", origin="natural")
    make_forest(db_session, "T-CROSSING", CROSSING, category="protection", origin="planted")
    make_forest(db_session, "T-TOUCHING", TOUCHING, category="production", origin="natural")
    make_forest(db_session, "T-IN-HOLE", IN_HOLE, category="production", origin="planted")
    make_forest(db_session, "T-TWO-PARTS", TWO_PARTS, category="production", origin="natural")
    return "TEST-SITE"


def _by_key(rows: list[forest_overlap.ForestOverlapRow]) -> dict[tuple, float]:
    return {(r.category, r.origin): r.overlap_ha for r in rows if r.category}


def test_forest_overlap_matches_independent_geodesic_areas(db_session, site_with_forest):
    rows = forest_overlap.run(db_session.connection(), site_codes=[site_with_forest])
    found = _by_key(rows)
    expected = {
        ("special_use", "natural"): geodesic_ha(INSIDE),
        ("protection", "planted"): geodesic_ha(CROSSING.intersection(SITE)),
        ("production", "natural"): geodesic_ha(TWO_PARTS.intersection(SITE)),
    }
    assert set(found) == set(expected)
    for key, area_ha in expected.items():
        assert close(found[key], area_ha), (key, found[key], area_ha)
    assert close(rows[0].site_area_ha, geodesic_ha(SITE))


def test_forest_overlap_touching_edge_and_hole_give_zero_not_slivers(db_session, site_with_forest):
    rows = forest_overlap.run(db_session.connection(), site_codes=[site_with_forest])
    assert ("production", "planted") not in _by_key(rows)  # the parcel in the hole
    parcels = {(r.category, r.origin): r.parcels for r in rows if r.category}
    assert parcels[("production", "natural")] == 1  # the multipart parcel; the toucher is gone


def test_forest_overlap_vn2000_planar_matches_tm3_computation(db_session, site_with_forest):
    rows = forest_overlap.run(db_session.connection(), site_codes=[site_with_forest], vn2000=True)
    found = _by_key(rows)
    expected_ha = transform_geometry(CROSSING.intersection(SITE), 4326, 9208).area / 10_000
    assert close(found[("protection", "planted")], expected_ha)
    assert close(rows[0].site_area_ha, transform_geometry(SITE, 4326, 9208).area / 10_000)


def test_forest_overlap_site_without_forest_reports_zero(db_session):
    make_site(db_session, "TEST-BARE", square(X + 0.2, Y + 0.2, 0.01))
    rows = forest_overlap.run(db_session.connection(), site_codes=["TEST-BARE"])
    assert len(rows) == 1 and rows[0].category is None and rows[0].overlap_ha == 0


def test_forest_overlap_pieces_cover_the_same_hectares(db_session, site_with_forest):
    pieces = forest_overlap.pieces(db_session.connection(), site_code=site_with_forest)
    assert {p.parcel_code for p in pieces} == {"T-INSIDE", "T-CROSSING", "T-TWO-PARTS"}
    total = sum(p.overlap_ha for p in pieces)
    expected = (
        geodesic_ha(INSIDE)
        + geodesic_ha(CROSSING.intersection(SITE))
        + geodesic_ha(TWO_PARTS.intersection(SITE))
    )
    assert close(total, expected)


def test_forest_overlap_demo_site_matches_independent_overlay(db_session):
    """A real outline against the synthetic layer, recomputed in shapely from the same rows."""
    import json

    import sqlalchemy as sa
    from shapely.geometry import shape

    site_json = db_session.scalar(
        sa.text("SELECT ST_AsGeoJSON(geom, 15) FROM sites WHERE code = 'KCN-TANG-LOONG'")
    )
    site = shape(json.loads(site_json))
    parcels = db_session.execute(
        sa.text(
            "SELECT f.category, ST_AsGeoJSON(f.geom, 15) FROM forest_parcels AS f, sites AS s "
            "WHERE s.code = 'KCN-TANG-LOONG' AND ST_Intersects(f.geom, s.geom)"
        )
    ).all()
    expected: dict[str, float] = {}
    for category, geojson in parcels:
        piece = shape(json.loads(geojson)).intersection(site)
        expected[category] = expected.get(category, 0.0) + geodesic_ha(piece)
    rows = forest_overlap.run(db_session.connection(), site_codes=["KCN-TANG-LOONG"])
    found: dict[str, float] = {}
    for row in rows:
        found[row.category] = found.get(row.category, 0.0) + row.overlap_ha
    assert expected and set(found) == set(expected)
    for category, area_ha in expected.items():
        assert close(found[category], area_ha), category


def _ground_totals(db_session: Session) -> dict[tuple[str, str | None], float]:
    totals: dict[tuple[str, str | None], float] = {}
    for row in forest_overlap.ground(db_session.connection()):
        key = (row.group_name, row.category)
        totals[key] = totals.get(key, 0.0) + row.overlap_ha
    return totals


def test_ground_totals_count_a_phase_inside_its_zone_once(db_session: Session):
    x, y = X + 0.5, Y + 0.5  # away from the demo data
    before = _ground_totals(db_session)
    zone = make_site(db_session, "T-GROUND-ZONE", square(x, y, 0.02), kind="mining_site")
    make_site(
        db_session, "T-GROUND-GD1", square(x, y, 0.01), kind="mining_site",
        part_of_site_id=zone.id, part_relation="phase",
    )  # fmt: skip
    forest = square(x + 0.005, y + 0.005, 0.01)  # half inside the phase, all inside the zone
    make_forest(db_session, "T-GROUND-F", forest, category="special_use")

    after = _ground_totals(db_session)

    added = after[("total", "special_use")] - before.get(("total", "special_use"), 0.0)
    assert close(added, geodesic_ha(forest))  # once, though two sites cover its SW quarter
    per_site = {
        row.site_code: row.overlap_ha
        for row in forest_overlap.run(
            db_session.connection(), site_codes=["T-GROUND-ZONE", "T-GROUND-GD1"]
        )
        if row.category == "special_use"
    }
    assert close(sum(per_site.values()), geodesic_ha(forest) * 1.25)  # the sum double-counts


@pytest.mark.parametrize("vn2000", [False, True])
def test_report_statement_gives_every_site_the_rows_of_the_site_question(
    db_session: Session, vn2000: bool
):
    """forest_overlap_report.sql's 'site' rows are forest_overlap.sql's, to the last digit."""
    conn = db_session.connection()
    found = forest_overlap.report(conn, vn2000=vn2000)
    assert found.sites and found.sites == forest_overlap.run(conn, vn2000=vn2000)


def test_report_ground_reuses_a_lone_sites_forest_and_merges_only_shared_ground(
    db_session: Session,
):
    """A lone site adds its own forest to its kind and the total; an overlap counts once."""
    x, y = X + 0.7, Y + 0.7  # away from the demo data
    before = _ground_totals(db_session)
    make_site(db_session, "T-LONE", square(x, y, 0.01), kind="mining_site")
    make_forest(db_session, "T-LONE-F", square(x + 0.005, y - 0.002, 0.004), category="production")
    mine = make_site(db_session, "T-CROSS-A", square(x + 0.1, y, 0.01), kind="mining_site")
    zone = make_site(db_session, "T-CROSS-B", square(x + 0.105, y, 0.01), kind="industrial_zone")
    forest = square(x + 0.104, y + 0.002, 0.004)  # on both sites' shared strip and beyond
    make_forest(db_session, "T-CROSS-F", forest, category="production")
    conn = db_session.connection()
    own = {
        row.site_code: row.overlap_ha
        for row in forest_overlap.run(conn, site_codes=["T-LONE", mine.code, zone.code])
        if row.category == "production"
    }

    after = _ground_totals(db_session)

    def added(group: str) -> float:
        return after[(group, "production")] - before.get((group, "production"), 0.0)

    assert close(added("mining_site"), own["T-LONE"] + own["T-CROSS-A"])
    assert close(added("industrial_zone"), own["T-CROSS-B"])
    assert close(added("total"), own["T-LONE"] + geodesic_ha(forest))  # shared strip once
    assert own["T-CROSS-A"] + own["T-CROSS-B"] > geodesic_ha(forest) * 1.1  # sites double it
