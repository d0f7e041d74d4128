import sqlalchemy as sa
from factories import ORIGIN, square
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy.orm import Session

from app.models import AdminUnit

# Every province and district is cut into pieces of at most 128 vertices that tile it exactly:
# planar areas (degrees) agree to 1e-9 and the pieces do not overlap. Geodesic areas of the
# pieces need not add up to the unit's: a cut puts a vertex on a long outline edge (up to 148 km
# in the province layer) at its planar position, off the geodesic that edge stands for. The
# check never sums piece areas; it measures the proposal's intersection, the same planar set
# either way.
MISMATCHES = sa.text(
    """
    SELECT u.code, count(p.id) AS pieces, max(ST_NPoints(p.geom)) AS most_vertices,
        ST_Area(u.geom) AS unit_deg2, sum(ST_Area(p.geom)) AS pieces_deg2
    FROM admin_units AS u
    LEFT JOIN admin_unit_pieces AS p ON p.unit_id = u.id
    WHERE u.geom IS NOT NULL
    GROUP BY u.id
    HAVING count(p.id) = 0
        OR max(ST_NPoints(p.geom)) > 128
        OR abs(sum(ST_Area(p.geom)) - ST_Area(u.geom)) > 1e-9 * ST_Area(u.geom)
        OR abs(ST_Area(ST_Union(p.geom)) - ST_Area(u.geom)) > 1e-9 * ST_Area(u.geom)
        OR bool_or(p.level <> u.level)
    """
)
PIECES = sa.text(
    "SELECT count(*), coalesce(sum(ST_Area(p.geom::geography)), 0) FROM admin_unit_pieces AS p "
    "JOIN admin_units AS u ON u.id = p.unit_id WHERE u.code = :code"
)


def _multi(polygon: Polygon) -> object:
    return from_shape(MultiPolygon([polygon]), srid=4326)


def test_admin_unit_pieces_add_up_to_every_unit(db_session: Session):
    assert db_session.scalar(sa.text("SELECT count(*) FROM admin_unit_pieces")) > 0
    assert db_session.execute(MISMATCHES).all() == []


def test_admin_unit_pieces_follow_insert_update_and_delete(db_session: Session):
    lon, lat = ORIGIN
    unit = AdminUnit(
        code="TEST-UNIT",
        level="district_pre2025",
        name="Huyện Thử",
        licence="test",
        geometry_source="indicative",
        provenance="test fixture",
        geom=_multi(square(lon, lat, 0.01).buffer(0.002, quad_segs=64)),
    )
    db_session.add(unit)
    db_session.flush()
    count, area_m2 = db_session.execute(PIECES, {"code": "TEST-UNIT"}).one()
    assert count >= 2  # 260 vertices: more than one piece
    unit.geom = _multi(square(lon, lat, 0.04))
    db_session.flush()
    count, bigger_m2 = db_session.execute(PIECES, {"code": "TEST-UNIT"}).one()
    assert count == 1 and bigger_m2 > 3 * area_m2
    db_session.delete(unit)
    db_session.flush()
    assert db_session.execute(PIECES, {"code": "TEST-UNIT"}).one() == (0, 0)
