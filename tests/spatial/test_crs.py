import pytest
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import Point
from sqlalchemy.orm import Session

from spatial.crs import (
    TM3_ZONES,
    TOWGS84_6960,
    epsg_code,
    is_crs84,
    transform_geometry,
)
from spatial.errors import UnknownCRS

# Control point QH1 of KCN Tằng Loỏng (shared/data/sites-locations.md, "Worked check").
QH1_WGS84 = (104.13479263, 22.32027166)
QH1_VN2000_9208 = (436425.85, 2469254.33)


def test_transform_wgs84_to_tm3_matches_the_control_point():
    point = transform_geometry(Point(QH1_WGS84), 4326, 9208)
    assert point.x == pytest.approx(QH1_VN2000_9208[0], abs=0.01)
    assert point.y == pytest.approx(QH1_VN2000_9208[1], abs=0.01)


def test_transform_tm3_round_trip_is_submillimetre():
    there = transform_geometry(Point(QH1_WGS84), 4326, 9208)
    back = transform_geometry(there, 9208, 4326)
    assert back.x == pytest.approx(QH1_WGS84[0], abs=1e-8)
    assert back.y == pytest.approx(QH1_WGS84[1], abs=1e-8)


def test_unflipped_towgs84_would_be_079_m_off():
    # The widely copied +towgs84 with EPSG:6960's rotation signs as published is wrong by ~0.8 m.
    wrong = TOWGS84_6960.split(",")
    wrong[3:6] = [str(-float(value)) for value in wrong[3:6]]
    proj = (
        "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        f"+towgs84={','.join(wrong)} +units=m +no_defs"
    )
    east, north = Transformer.from_crs(4326, proj, always_xy=True).transform(*QH1_WGS84)
    offset_m = ((east - QH1_VN2000_9208[0]) ** 2 + (north - QH1_VN2000_9208[1]) ** 2) ** 0.5
    assert 0.7 < offset_m < 0.9


def test_datum_shift_moves_a_point_about_220_m():
    vn2000_as_wgs84 = transform_geometry(Point(QH1_VN2000_9208), 9208, 4326)
    naive = Transformer.from_crs(
        "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m",
        4326,
        always_xy=True,
    ).transform(*QH1_VN2000_9208)
    from pyproj import Geod

    shift_m = Geod(ellps="WGS84").inv(vn2000_as_wgs84.x, vn2000_as_wgs84.y, *naive)[2]
    assert 200 < shift_m < 250


def test_postgis_knows_the_tm3_zones_and_agrees_on_the_control_point(db_session: Session):
    east, north = db_session.execute(
        sa.text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform("
            "ST_SetSRID(ST_Point(:lon, :lat), 4326), 9208) AS p) AS t"
        ),
        {"lon": QH1_WGS84[0], "lat": QH1_WGS84[1]},
    ).one()
    assert east == pytest.approx(QH1_VN2000_9208[0], abs=0.01)
    assert north == pytest.approx(QH1_VN2000_9208[1], abs=0.01)
    known = db_session.scalar(
        sa.text("SELECT count(*) FROM spatial_ref_sys WHERE srid = ANY(:srids)"),
        {"srids": list(TM3_ZONES)},
    )
    assert known == len(TM3_ZONES)


@pytest.mark.parametrize(
    ("text", "srid"),
    [
        ("EPSG:9208", 9208),
        ("4326", 4326),
        ("CRS84", 4326),
        ("http://www.opengis.net/def/crs/EPSG/0/9205", 9205),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
    ],
)
def test_epsg_code_accepts_codes_and_uris(text: str, srid: int):
    assert epsg_code(text) == srid


def test_epsg_code_rejects_unknown_crs_with_a_hint():
    with pytest.raises(UnknownCRS, match="9205"):
        epsg_code("EPSG:32648")


def test_is_crs84_knows_every_spelling_and_not_epsg_4326():
    assert is_crs84("CRS84") and is_crs84("ogc:crs84")
    assert is_crs84("https://www.opengis.net/def/crs/OGC/1.3/CRS84")
    assert not is_crs84("EPSG:4326")
