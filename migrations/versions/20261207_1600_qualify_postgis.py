"""A plain ``pg_restore`` of a sitereg dump works: qualified PostGIS calls, stored areas copied.

A ``pg_dump`` script runs with an empty ``search_path``. Two things broke a plain restore:

- The SQL helpers behind stored columns (``area_ha``, ``fits_equal_area``, ``equal_area_ha``,
  ``tile_clearance_deg``) called PostGIS without a schema. PostgreSQL inlines them while it
  creates ``forest_parcels``, so even the table could not be created. They are re-created here
  with every PostGIS function, type and operator qualified by PostGIS's schema. Qualified, not
  ``SET search_path``: a SQL function with a ``SET`` clause is never inlined (migration 0013).
- ``area_ha`` measures small polygons in the project's own equal-area SRID (990016), a row
  that migration 0012 added to PostGIS's ``spatial_ref_sys``. pg_restore loads that table's rows
  after ``clearance_parcels`` and ``forest_parcels`` (data goes in name order), so computing the
  stored areas during the load failed. And a recomputation is not a copy: rows stored before
  migration 0012 keep their geodesic figures, which today's formula would change by up to 1 m².

So ``forest_parcels.area_ha``, ``forest_parcels.tile_clearance_deg`` and
``clearance_parcels.area_ha`` are no longer generated columns but ordinary ones that a
``BEFORE INSERT OR UPDATE`` trigger fills from ``geom`` on every write, as the generated
expression did. Dropping the expression keeps the stored values and rewrites nothing. pg_dump
then writes the values, pg_restore copies them, and the triggers are created after the data.

Revision ID: 0029_qualify_postgis
Revises: 0028_reported_figures
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_qualify_postgis"
down_revision: str | None = "0028_reported_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EQUAL_AREA_SRID = 990016

# {p} is PostGIS's schema, quoted; {s} the schema of the registry's helpers.
QUALIFIED = """
CREATE OR REPLACE FUNCTION {s}.fits_equal_area(geom {p}.geometry)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT {p}.ST_SRID(geom) IN (0, 4326)
       AND {p}.ST_SetSRID(geom, 4326)
           OPERATOR({p}.@) {p}.ST_MakeEnvelope(100.0, 5.0, 112.0, 25.0, 4326)
       AND {p}.ST_Length({p}.ST_BoundingDiagonal(geom)) <= 0.01
$$;

CREATE OR REPLACE FUNCTION {s}.equal_area_ha(geom {p}.geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT {p}.ST_Area({p}.ST_Transform({p}.ST_SetSRID(geom, 4326), {srid})) / 10000.0
$$;

CREATE OR REPLACE FUNCTION {s}.area_ha(geom {p}.geometry)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF {s}.fits_equal_area(geom) THEN
        RETURN {s}.equal_area_ha(geom);
    END IF;
    RETURN {p}.ST_Area(geom::{p}.geography, true) / 10000.0;
END
$$;

CREATE OR REPLACE FUNCTION {s}.tile_clearance_deg(geom {p}.geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN ({p}.ST_IsValidDetail(geom)).valid
                THEN {p}.ST_MinimumClearance(geom) ELSE 0 END
$$;
"""

STORED = """
CREATE OR REPLACE FUNCTION {s}.sitereg_parcel_measures() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.area_ha := {s}.area_ha(NEW.geom);
    IF TG_TABLE_NAME = 'forest_parcels' THEN
        NEW.tile_clearance_deg := {s}.tile_clearance_deg(NEW.geom);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION {s}.sitereg_parcel_measures() IS 'Fills area_ha (and tile_clearance_deg) '
    'from geom on every write, as their generated expressions did (migration 0029).';
"""

# Table and its measured columns.
MEASURED = {
    "forest_parcels": ("area_ha", "tile_clearance_deg"),
    "clearance_parcels": ("area_ha",),
}


def _schemas() -> dict[str, str]:
    """PostGIS's schema and the helpers' schema, quoted for SQL."""
    bind = op.get_bind()
    postgis = bind.execute(
        sa.text(
            "SELECT quote_ident(n.nspname) FROM pg_extension AS e "
            "JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        )
    ).scalar_one()
    helpers = bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
    return {"p": postgis, "s": helpers}


def upgrade() -> None:
    names = _schemas()
    op.execute(QUALIFIED.format(srid=EQUAL_AREA_SRID, **names))
    op.execute(STORED.format(**names))
    for table, columns in MEASURED.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP EXPRESSION IF EXISTS")
        op.execute(
            f"CREATE OR REPLACE TRIGGER trg_{table}_measures BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sitereg_parcel_measures()"
        )


def downgrade() -> None:
    """Keep the qualified helpers, the ordinary columns and their triggers.

    Revision 0028's code reads and writes these tables the same way either way (it never writes
    the measured columns), and a column cannot become generated again in place: re-adding it
    would move it to the end of the table, which the ``*_as_of`` functions and the ``*_versions``
    tables (same column order) do not allow. ``upgrade`` is idempotent, so upgrading again works.
    """
