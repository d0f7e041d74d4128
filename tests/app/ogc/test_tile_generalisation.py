"""Forest tiles stay light however dense the parcels: cells where a tile would hold too many."""

import math

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.ogc.catalog import CATALOG
from app.ogc.tiles.sql import (
    TILE_FEATURE_BUDGET,
    TilePlan,
    TileQuery,
    _statement,
    tile_plan,
    tile_select,
)

FOREST = CATALOG["forest"].public
MAX_TILE_BYTES = 200_000
# 50 000 parcels of 0.0015° (about 160 m, a few pixels from z12) in one z10 tile's area, far
# from the demo layer: 224 × 224 squares from (106.52°, 10.52°).
WEST, SOUTH, SIDE, SIZE_DEG = 106.52, 10.52, 224, 0.0015
DENSE = sa.text(
    """
    INSERT INTO forest_parcels (code, category, origin, dataset, synthetic, licence,
        geometry_source, provenance, geom)
    SELECT 'TEST-DENSE-' || n, (ARRAY['special_use', 'protection', 'production'])[1 + n % 3],
        'natural', 'test-dense', true, 'test', 'indicative', 'test fixture',
        ST_Multi(ST_MakeEnvelope(:west + (n % :side) * :size, :south + (n / :side) * :size,
            :west + (n % :side + 1) * :size, :south + (n / :side + 1) * :size, 4326))
    FROM generate_series(0, CAST(:count AS integer) - 1) AS n
    """
)


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _bytes(db_session: Session, query: TileQuery) -> bytes:
    return bytes(db_session.execute(query.statement, query.params).scalar_one() or b"")


def _served(db_session: Session, plan: TilePlan) -> bytes:
    """Return the tile as ``fetch_tile`` makes it: the count first, then the chosen statements."""
    count = None
    if plan.count is not None:
        row = tuple(db_session.execute(plan.count.statement, plan.count.params).one())
        stored = plan.stored(row)
        if stored is not None:
            return stored
        count = row[0]
    for query in plan.chosen(count):
        row = db_session.execute(query.statement, query.params).first()
        if row is not None:
            return bytes(row[0] or b"")
    return b""


def _tile(db_session: Session, z: int, x: int, y: int) -> bytes:
    return _served(db_session, tile_plan(FOREST, z, x, y))


def _features_alone(z: int, x: int, y: int) -> TileQuery:
    """Return the tile of the parcels themselves, with no cells and no budget (before)."""
    query = tile_select(FOREST, z, x, y)
    variant = "detail-" if z >= 12 else "simplified-"
    variant += "affine" if "m_per_deg_y" in query.params else "transform"
    return TileQuery(*_statement(FOREST, variant), params=query.params)


@pytest.fixture
def dense(db_session: Session) -> tuple[float, float]:
    """Insert the dense layer (rolled back with the test); return its centre."""
    binds = {"west": WEST, "south": SOUTH, "side": SIDE, "size": SIZE_DEG, "count": SIDE**2}
    db_session.execute(DENSE, binds)
    return WEST + SIDE * SIZE_DEG / 2, SOUTH + SIDE * SIZE_DEG / 2


# One insert of the dense layer per test (about 20 s): zooms are looped, not parametrised.


def test_forest_tile_on_a_dense_layer_stays_under_the_size_bound(
    db_session: Session, dense: tuple[float, float]
):
    sizes = {}
    for z in range(6, 16):
        sizes[z] = len(_tile(db_session, z, *_tile_at(*dense, z)))
    assert max(sizes.values()) <= MAX_TILE_BYTES, sizes


def test_forest_tile_of_too_many_parcels_shows_cells(
    db_session: Session, dense: tuple[float, float]
):
    for z in (10, 11, 12):
        x, y = _tile_at(*dense, z)
        parcels = _bytes(db_session, _features_alone(z, x, y))
        tile = _tile(db_session, z, x, y)
        assert len(parcels) > MAX_TILE_BYTES > len(tile), z  # dense, yet the tile is light


def test_forest_tile_shows_the_parcels_from_z13(db_session: Session, dense: tuple[float, float]):
    for z in (13, 14):
        x, y = _tile_at(*dense, z)
        assert _tile(db_session, z, x, y) == _bytes(db_session, _features_alone(z, x, y)), z


@pytest.fixture
def moderate(db_session: Session) -> tuple[float, float]:
    """Insert 60 × 60 parcels of 0.0022° (a z12 tile holds about 1 600); return their centre."""
    west, south, side, size_deg = 107.02, 11.02, 60, 0.0022
    binds = {"west": west, "south": south, "side": side, "size": size_deg, "count": side**2}
    db_session.execute(DENSE, binds)
    return west + side * size_deg / 2, south + side * size_deg / 2


def test_z12_tile_of_more_parcels_than_its_cells_shows_the_cells(
    db_session: Session, moderate: tuple[float, float]
):
    x, y = _tile_at(*moderate, 12)
    plan = tile_plan(FOREST, 12, x, y)
    count = db_session.execute(plan.count.statement, plan.count.params).first()
    assert plan.budget < count[0] <= TILE_FEATURE_BUDGET  # within the size bound, not legible
    stored, made = _stored_and_made(db_session, 12, x, y)
    assert stored and stored == made == _tile(db_session, 12, x, y)
    parcels = _bytes(db_session, _features_alone(12, x, y))
    assert len(made) < len(parcels) / 2  # 8-pixel cells, not parcels of 6
    x, y = _tile_at(*moderate, 13)
    assert _tile(db_session, 13, x, y) == _bytes(db_session, _features_alone(13, x, y))


def test_forest_tile_of_the_sparse_demo_layer_shows_parcels_at_z10(db_session: Session):
    lon, lat, parcels = db_session.execute(
        sa.text(
            "SELECT ST_X(p), ST_Y(p), (SELECT count(*) FROM forest_parcels) FROM "
            "(SELECT ST_PointOnSurface(geom) AS p FROM forest_parcels ORDER BY id LIMIT 1) AS f"
        )
    ).one()
    assert parcels < TILE_FEATURE_BUDGET * 10  # the demo: a few thousand over two provinces
    for z in (10, 12):
        x, y = _tile_at(lon, lat, z)
        tile = _tile(db_session, z, x, y)
        assert tile and tile == _bytes(db_session, _features_alone(z, x, y)), z


def _stored_and_made(db_session: Session, z: int, x: int, y: int) -> tuple[bytes | None, bytes]:
    """Return the stored tile of cells (None when none is) and the same tile made now."""
    (made,) = tile_plan(FOREST, z, x, y).dense
    stored = TileQuery(*_statement(FOREST, "stored"), params=made.params)
    row = db_session.execute(stored.statement, stored.params).first()
    return (bytes(row[0]) if row else None), _bytes(db_session, made)


def test_dense_forest_tile_is_served_from_the_stored_tile_of_cells(
    db_session: Session, dense: tuple[float, float]
):
    for z in (10, 11, 12):
        x, y = _tile_at(*dense, z)
        plan = tile_plan(FOREST, z, x, y)
        assert plan.count is not None, z
        row = db_session.execute(plan.count.statement, plan.count.params).one()
        stored, made = _stored_and_made(db_session, z, x, y)
        assert plan.stored(tuple(row)) == stored, z  # the count brought the stored tile
        assert stored and stored == made == _tile(db_session, z, x, y), z


def test_stored_forest_tiles_follow_edits_and_deletes(
    db_session: Session, dense: tuple[float, float]
):
    tiles = {z: _tile_at(*dense, z) for z in (10, 11, 12)}
    before = {z: _stored_and_made(db_session, z, *tiles[z])[0] for z in tiles}
    db_session.execute(
        sa.text("UPDATE forest_parcels SET category = 'special_use' WHERE dataset = 'test-dense'")
    )
    for z in (10, 12):
        stored, made = _stored_and_made(db_session, z, *tiles[z])
        assert stored and stored == made != before[z], z  # changed with the cells: a new ETag
    db_session.execute(sa.text("DELETE FROM forest_parcels WHERE dataset = 'test-dense'"))
    for z in (10, 11, 12):
        x, y = _tile_at(*dense, z)
        assert _stored_and_made(db_session, z, x, y) == (None, b""), z
