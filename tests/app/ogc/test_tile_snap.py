"""Tiles at full detail snap clear forest parcels themselves (migration 0011, ``_snapped``).

Each tile is compared feature by feature with the tile of the same collection without that path,
where every feature goes through ``ST_AsMVTGeom``: the same parcels, the same polygons.
"""

import dataclasses
import math
from pathlib import Path

import pyogrio
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.ogc.catalog import CATALOG
from app.ogc.tiles import features as tile_features
from app.ogc.tiles.mercator import M_PER_DEG_X, SNAP_SAFE_UNITS
from app.ogc.tiles.sql import tile_select

FOREST = CATALOG["forest"]
UNSNAPPED = dataclasses.replace(FOREST, tile_clearance=None)
# A valid 0.01° square with a slit 1e-6° wide: far narrower than a z12–z14 tile unit.
SLIT = (
    "MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{xm2} {y1},{xm2} {ym},{xm1} {ym},"
    "{xm1} {y1},{x0} {y1},{x0} {y0})))"
)
BOWTIE = "MULTIPOLYGON((({x0} {y0},{x1} {y1},{x1} {y0},{x0} {y1},{x0} {y0})))"


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _decode(tmp_path: Path, tile: bytes, z: int, x: int, y: int) -> dict[str, object]:
    path = tmp_path / f"{z}-{x}-{y}.pbf"
    path.write_bytes(tile)
    frame = pyogrio.read_dataframe(path, layer="forest", X=x, Y=y, Z=z)
    return dict(zip(frame["code"], frame.geometry, strict=True))


def _add_parcel(db_session: Session, code: str, wkt: str) -> float:
    db_session.execute(
        sa.text(
            "INSERT INTO forest_parcels (code, category, origin, dataset, synthetic, licence, "
            "geom, geometry_source, provenance) VALUES (:code, 'production', 'planted', "
            "'test', true, 'test', ST_GeomFromText(:wkt, 4326), 'indicative', 'test')"
        ),
        {"code": code, "wkt": wkt},
    )
    return float(
        db_session.execute(
            sa.text("SELECT tile_clearance_deg FROM forest_parcels WHERE code = :code"),
            {"code": code},
        ).scalar_one()
    )


def _parcel_point(db_session: Session, offset: int = 0) -> tuple[float, float]:
    """Return a point on the surface of the ``offset``-th forest parcel (by id)."""
    lon, lat = db_session.execute(
        sa.text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
            "FROM forest_parcels ORDER BY id OFFSET :offset LIMIT 1) AS one"
        ),
        {"offset": offset},
    ).one()
    return float(lon), float(lat)


def _add_edge_squares(db_session: Session, z: int, x: int, lat: float) -> None:
    """Add squares across the tile's east edge: one ends in the buffer (64 units), one beyond."""
    unit = 360.0 / (1 << z) / 4096
    east = (x + 1) / (1 << z) * 360.0 - 180.0
    square = "MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"
    for code, beyond in (("T-IN-BUFFER", 30), ("T-PAST-BUFFER", 100)):
        box = {"x0": east - 100 * unit, "x1": east + beyond * unit, "y0": lat}
        box["y1"] = lat + 50 * unit
        _add_parcel(db_session, code, square.format(**box))


def test_tile_clearance_is_the_minimum_clearance_and_zero_when_invalid(db_session: Session):
    x0, y0 = 104.0, 22.3
    box = {"x0": x0, "y0": y0, "x1": x0 + 0.01, "y1": y0 + 0.01}
    slit = dict(box, xm1=x0 + 0.005, xm2=x0 + 0.005 + 1e-6, ym=y0 + 0.002)
    assert _add_parcel(db_session, "T-SLIT", SLIT.format(**slit)) == pytest.approx(1e-6, rel=1e-3)
    assert _add_parcel(db_session, "T-BOWTIE", BOWTIE.format(**box)) == 0.0
    square = "MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"
    assert _add_parcel(db_session, "T-SQUARE", square.format(**box)) == pytest.approx(0.01)


@pytest.mark.parametrize("z", [12, 13, 14])
def test_snapped_features_are_the_polygons_st_asmvtgeom_gives(
    db_session: Session, tmp_path: Path, z: int
):
    # Parcels inside their tile: a few demo parcels, a slit parcel and a bow-tie beside them.
    lon, lat = _parcel_point(db_session)
    x, y = _tile_at(lon, lat, z)
    _add_edge_squares(db_session, z, x, lat)
    step = 360.0 / (1 << z) / 16
    base = {"x0": lon + step, "y0": lat + step, "x1": lon + 2 * step, "y1": lat + 2 * step}
    slit = dict(base, xm1=lon + 1.5 * step, xm2=lon + 1.5 * step + 1e-7, ym=lat + 1.2 * step)
    _add_parcel(db_session, "T-SLIT", SLIT.format(**slit))
    _add_parcel(db_session, "T-BOWTIE", BOWTIE.format(**base))
    query = tile_select(FOREST, z, x, y)
    counts = db_session.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE tile_clearance_deg >= :clear), "
            "count(*) FILTER (WHERE tile_clearance_deg < :clear) FROM forest_parcels "
            "WHERE geom @ ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)"
        ),
        {"clear": query.params["snap_clearance_deg"], "z": z, "x": x, "y": y},
    ).one()
    assert counts[0] >= 1 and counts[1] >= 2  # both paths are taken in this tile
    snapped = db_session.execute(query.statement, query.params).scalar_one()
    plain_query = tile_select(UNSNAPPED, z, x, y)
    plain = db_session.execute(plain_query.statement, plain_query.params).scalar_one()
    ours, theirs = _decode(tmp_path, snapped, z, x, y), _decode(tmp_path, plain, z, x, y)
    assert ours.keys() == theirs.keys() and {"T-SLIT", "T-BOWTIE"} <= ours.keys()
    # Equal up to the rings' start vertex and collinear vertices that ST_AsMVTGeom drops, which
    # are collinear in tile units but not quite once GDAL has scaled them to Web Mercator metres.
    for code, geometry in ours.items():
        assert geometry.is_valid, code
        assert geometry.hausdorff_distance(theirs[code]) < 1e-6, code
        assert geometry.symmetric_difference(theirs[code]).area < 1e-6 * theirs[code].area, code


def test_snap_clearance_is_two_tile_units_on_the_axis_with_fewer_units_per_degree():
    # A tile spans 360/2^z degrees of longitude but fewer of latitude: x has fewer units per degree.
    for z, x, y in [(12, 3235, 1785), (14, 12906, 7160)]:
        params = tile_select(FOREST, z, x, y).params
        unit_deg = 360.0 / (1 << z) / 4096
        assert params["unit_x"] * unit_deg == pytest.approx(1.0)
        assert -params["unit_y"] > params["unit_x"]
        assert params["snap_clearance_deg"] == pytest.approx(SNAP_SAFE_UNITS * unit_deg)


def test_snapped_rings_turn_as_st_asmvtgeom_turns_them(db_session: Session):
    # The MVT winding rule (GDAL reads either way): exterior rings as ST_AsMVTGeom writes them.
    lon, lat = _parcel_point(db_session)
    x, y = _tile_at(lon, lat, 12)
    params = tile_select(FOREST, 12, x, y).params
    mercator = sa.func.ST_Affine(
        FOREST.geometry, M_PER_DEG_X, 0.0, 0.0, params["m_per_deg_y"], 0.0, params["y_offset_m"]
    )
    geometry = sa.func.ST_AsMVTGeom(mercator, sa.func.ST_TileEnvelope(12, x, y), 4096, 64, False)
    rows = db_session.execute(
        sa.select(
            sa.func.ST_IsPolygonCCW(tile_features.snapped(FOREST)),
            sa.func.ST_IsPolygonCCW(geometry),
        )
        # Any parcel will do: neither expression clips, and tile units may run past 4096.
        .where(FOREST.tile_clearance >= params["snap_clearance_deg"])
        .order_by(FOREST.tile_id_expr)
        .limit(200),
        params,
    ).all()
    assert len(rows) == 200
    assert all(ours is True and theirs is True for ours, theirs in rows)


@pytest.mark.parametrize("z", [12, 14])
def test_features_left_unclipped_are_exactly_what_clipping_gives(db_session: Session, z: int):
    # Features inside the tile and its buffer skip ST_AsMVTGeom's clipping: no vertex may differ.
    lon, lat = _parcel_point(db_session, offset=40)
    x, y = _tile_at(lon, lat, z)
    _add_edge_squares(db_session, z, x, lat)
    params = tile_select(UNSNAPPED, z, x, y).params
    mercator = sa.func.ST_Affine(
        FOREST.geometry, M_PER_DEG_X, 0.0, 0.0, params["m_per_deg_y"], 0.0, params["y_offset_m"]
    )
    clipped = sa.func.ST_AsMVTGeom(mercator, sa.func.ST_TileEnvelope(z, x, y), 4096, 64, True)
    ours = tile_features.tile_geometry(UNSNAPPED, detail=True, affine=True)
    buffered = sa.func.ST_Transform(
        sa.func.ST_Expand(sa.func.ST_TileEnvelope(z, x, y), params["margin_m"]), 4326
    )
    rows = db_session.execute(
        sa.select(
            sa.func.ST_OrderingEquals(ours, clipped), ours.is_(None), clipped.is_(None)
        ).where(FOREST.geometry.op("&&")(buffered)),
        params,
    ).all()
    assert len(rows) >= 3
    assert all(same or (ours_null and theirs_null) for same, ours_null, theirs_null in rows)
