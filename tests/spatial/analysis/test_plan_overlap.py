import json

from factories import ORIGIN, make_site, square
from geodesic import close, geodesic_ha
from shapely.geometry import shape
from sqlalchemy.orm import Session

from spatial.analysis import plan_overlap

X, Y = ORIGIN


def test_plan_overlap_reports_shared_hectares_and_shares(db_session: Session):
    mine = square(X, Y, 0.01)
    cluster = square(X + 0.006, Y + 0.006, 0.01)
    make_site(db_session, "TEST-A-MINE", mine, kind="mining_site")
    make_site(db_session, "TEST-B-CLUSTER", cluster)
    pairs = [p for p in plan_overlap.run(db_session.connection()) if p.site_a == "TEST-A-MINE"]
    assert len(pairs) == 1
    pair = pairs[0]
    shared = mine.intersection(cluster)
    assert pair.site_b == "TEST-B-CLUSTER" and pair.kind_a == "mining_site"
    assert close(pair.overlap_ha, geodesic_ha(shared))
    assert close(pair.share_a_pct, 100 * geodesic_ha(shared) / geodesic_ha(mine))
    assert close(geodesic_ha(shape(json.loads(pair.geometry_json))), geodesic_ha(shared))
    assert pair.related is False


def test_plan_overlap_ignores_sites_that_only_touch(db_session: Session):
    make_site(db_session, "TEST-C-LEFT", square(X + 0.1, Y, 0.01))
    make_site(db_session, "TEST-C-RIGHT", square(X + 0.11, Y, 0.01))
    codes = {(p.site_a, p.site_b) for p in plan_overlap.run(db_session.connection())}
    assert ("TEST-C-LEFT", "TEST-C-RIGHT") not in codes


def test_plan_overlap_marks_relocations_as_related(db_session: Session):
    overlaps = {(p.site_a, p.site_b): p for p in plan_overlap.run(db_session.connection())}
    assert overlaps[("KCN-BAT-XAT", "RELOC-KCN-DONG-PHO-MOI-BAT-XAT")].related


def test_boundary_crossings_split_a_site_across_former_districts(db_session: Session):
    crossings = {(c.site_code, c.level): c for c in plan_overlap.crossings(db_session.connection())}
    au_lau = crossings[("KCN-AU-LAU", "district_pre2025")]
    assert len(au_lau.unit_names) >= 2 and all(ha > 0 for ha in au_lau.unit_ha)
