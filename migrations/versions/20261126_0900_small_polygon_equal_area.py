"""``area_ha`` measures small polygons in an equal-area projection of the WGS 84 ellipsoid.

The geodesic area (``ST_Area(geography, true)``, GeographicLib's polygon area) solves one
inverse geodesic problem per edge: about 1 µs a vertex, 20-40 µs for a forest parcel or the
piece of one that a proposal cuts. A proposal check measured about 22 such pieces, and those
areas were a quarter of its forest statement's time (bench/README.md, round 4).

For a polygon whose bounding box has a diagonal of at most 0.01° (about 1.1 km) and lies in
Viet Nam, ``area_ha`` now projects it to a Lambert azimuthal equal-area projection of the
WGS 84 ellipsoid centred on Viet Nam (16° N, 106° E; SRID 990016, added here) and takes the
planar area there: an equal-area projection keeps areas on the ellipsoid exactly, and over
edges this short the projected straight edge and the geodesic enclose the same area to within
1 m² (checked against pyproj's geodesic areas across the country in
``tests/db/test_area_ha.py``). Every other polygon keeps the geodesic formula, so a province
outline or a long-edged upload loses nothing. About 4 µs instead of 20-40.

Stored areas (``forest_parcels.area_ha``, ``clearance_parcels.area_ha``) keep the values the
geodesic formula gave them; new and updated rows get the new function's. The two agree to
within 1 m² a polygon, so no table is rewritten.

Revision ID: 0012_small_polygon_equal_area
Revises: 0011_forest_tile_clearance
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_small_polygon_equal_area"
down_revision: str | None = "0011_forest_tile_clearance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EQUAL_AREA_SRID = 990016
EQUAL_AREA_PROJ4 = "+proj=laea +lat_0=16 +lon_0=106 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
EQUAL_AREA_WKT = (
    'PROJCS["sitereg equal area: Lambert azimuthal equal-area on WGS 84, 16N 106E",'
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]],PROJECTION["Lambert_Azimuthal_Equal_Area"],'
    'PARAMETER["latitude_of_center",16],PARAMETER["longitude_of_center",106],'
    'PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,'
    'AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)

# PL/pgSQL, not SQL: a SQL function naming its argument more than once is not inlined when
# the argument is costly (an ST_Intersection), and its per-call overhead then ate the gain.
AREA_HA = f"""
CREATE OR REPLACE FUNCTION area_ha(geom geometry)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF ST_SRID(geom) IN (0, 4326)
       AND ST_SetSRID(geom, 4326) @ ST_MakeEnvelope(100.0, 5.0, 112.0, 25.0, 4326)
       AND ST_Length(ST_BoundingDiagonal(geom)) <= 0.01 THEN
        RETURN ST_Area(ST_Transform(ST_SetSRID(geom, 4326), {EQUAL_AREA_SRID})) / 10000.0;
    END IF;
    RETURN ST_Area(geom::geography, true) / 10000.0;
END
$$
"""

GEODESIC_AREA_HA = (
    "CREATE OR REPLACE FUNCTION area_ha(geom geometry) RETURNS double precision "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT ST_Area(geom::geography, true) / 10000.0 $$"
)


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
            "VALUES (:srid, 'SITEREG', :srid, :wkt, :proj4) "
            "ON CONFLICT (srid) DO UPDATE SET srtext = EXCLUDED.srtext, "
            "proj4text = EXCLUDED.proj4text"
        ),
        {"srid": EQUAL_AREA_SRID, "wkt": EQUAL_AREA_WKT, "proj4": EQUAL_AREA_PROJ4},
    )
    op.execute(AREA_HA)
    op.execute(
        "COMMENT ON FUNCTION area_ha(geometry) IS 'Area in hectares on the WGS 84 ellipsoid: "
        "geodesic, or in an equal-area projection for a polygon within 0.01 degree in Viet Nam "
        "(the same to within 1 square metre).'"
    )


def downgrade() -> None:
    op.execute(GEODESIC_AREA_HA)
    op.get_bind().execute(
        sa.text("DELETE FROM spatial_ref_sys WHERE srid = :srid"), {"srid": EQUAL_AREA_SRID}
    )
