import sqlalchemy as sa
from factories import ORIGIN, make_forest, square
from sqlalchemy.orm import Session

# What the cells must hold: every parcel counted per zoom in the cell of its south-west corner.
EXPECTED = sa.text(
    """
    SELECT zoom, floor(ST_XMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer AS i,
        floor(ST_YMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer AS j, category, count(*)
    FROM forest_parcels CROSS JOIN generate_series(0, 11) AS zoom
    WHERE ST_XMax(geom) - ST_XMin(geom) >= 360.0 / 2 ^ 20
        OR ST_YMax(geom) - ST_YMin(geom) >= 360.0 / 2 ^ 20
    GROUP BY 1, 2, 3, 4
    """
)
STORED = sa.text("SELECT zoom, i, j, category, features FROM forest_tile_cells")
CELL = sa.text(
    "SELECT category, features FROM forest_tile_cells WHERE zoom = 9 AND i = :i AND j = :j"
)


def _cell_9(lon: float, lat: float) -> dict[str, int]:
    size_deg = 360.0 / 2**15
    return {"i": int(lon // size_deg), "j": int(lat // size_deg)}


def _cells(db_session: Session, lon: float, lat: float) -> dict[str, int]:
    rows = db_session.execute(CELL, _cell_9(lon, lat)).all()
    return {str(category): int(features) for category, features in rows}


def test_forest_tile_cells_match_the_parcels(db_session: Session):
    expected = {tuple(row) for row in db_session.execute(EXPECTED)}
    assert expected
    assert {tuple(row) for row in db_session.execute(STORED)} == expected


def test_forest_tile_cells_follow_insert_update_and_delete(db_session: Session):
    lon, lat = ORIGIN
    assert _cells(db_session, lon, lat) == {}
    first = make_forest(db_session, "TEST-CELL-1", square(lon, lat, 0.002))
    make_forest(db_session, "TEST-CELL-2", square(lon, lat, 0.001), category="production")
    assert _cells(db_session, lon, lat) == {"protection": 1, "production": 1}
    first.category = "production"
    db_session.flush()
    assert _cells(db_session, lon, lat) == {"production": 2}
    db_session.delete(first)
    db_session.flush()
    assert _cells(db_session, lon, lat) == {"production": 1}


def test_forest_tile_cells_leave_out_parcels_below_a_z12_pixel(db_session: Session):
    lon, lat = ORIGIN
    make_forest(db_session, "TEST-CELL-TINY", square(lon, lat, 0.0001))
    assert _cells(db_session, lon, lat) == {}
