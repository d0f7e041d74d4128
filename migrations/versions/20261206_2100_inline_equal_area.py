"""``area_ha``'s equal-area rule as two SQL functions that PostgreSQL inlines.

``area_ha`` (migration 0012) is PL/pgSQL: its guard and its equal-area branch run as separate
expressions on every call. A statement that already knows a piece fits the rule (a piece of a
forest parcel lies inside the parcel's bounding box, so when the parcel fits, the piece does)
can now ask for the equal-area figure directly:

- ``fits_equal_area(geom)``: the guard (SRID 0 or 4326, inside Viet Nam's box, bounding-box
  diagonal at most 0.01°). Not STRICT, so PostgreSQL may inline it.
- ``equal_area_ha(geom)``: the area in hectares in the Lambert azimuthal equal-area projection
  of migration 0012 (SRID 990016). It names its argument once, so it is inlined even around a
  costly argument such as ``ST_Intersection``.

``area_ha`` itself now calls them, so the rule is written in one place and its figures do not
change.

Revision ID: 0013_inline_equal_area
Revises: 0012_small_polygon_equal_area
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_inline_equal_area"
down_revision: str | None = "0012_small_polygon_equal_area"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EQUAL_AREA_SRID = 990016

FITS_EQUAL_AREA = """
CREATE OR REPLACE FUNCTION fits_equal_area(geom geometry)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_SRID(geom) IN (0, 4326)
       AND ST_SetSRID(geom, 4326) @ ST_MakeEnvelope(100.0, 5.0, 112.0, 25.0, 4326)
       AND ST_Length(ST_BoundingDiagonal(geom)) <= 0.01
$$
"""

EQUAL_AREA_HA = f"""
CREATE OR REPLACE FUNCTION equal_area_ha(geom geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_Area(ST_Transform(ST_SetSRID(geom, 4326), {EQUAL_AREA_SRID})) / 10000.0
$$
"""

AREA_HA = """
CREATE OR REPLACE FUNCTION area_ha(geom geometry)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF fits_equal_area(geom) THEN
        RETURN equal_area_ha(geom);
    END IF;
    RETURN ST_Area(geom::geography, true) / 10000.0;
END
$$
"""

AREA_HA_0012 = f"""
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


def upgrade() -> None:
    op.execute(FITS_EQUAL_AREA)
    op.execute(EQUAL_AREA_HA)
    op.execute(AREA_HA)
    op.execute(
        "COMMENT ON FUNCTION fits_equal_area(geometry) IS 'True when area_ha measures this "
        "polygon in the equal-area projection (SRID 990016): within 0.01 degree, in Viet Nam.'"
    )
    op.execute(
        "COMMENT ON FUNCTION equal_area_ha(geometry) IS 'Hectares in the Lambert azimuthal "
        "equal-area projection of WGS 84 centred on 16N 106E (SRID 990016).'"
    )


def downgrade() -> None:
    op.execute(AREA_HA_0012)
    op.execute("DROP FUNCTION IF EXISTS equal_area_ha(geometry)")
    op.execute("DROP FUNCTION IF EXISTS fits_equal_area(geometry)")
