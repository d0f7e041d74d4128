"""Faster bulk writes of the forest layer: measures given once, cells rolled up, one stamp.

An import of 200 000 forest plots spent most of its time in the layer's triggers (issue 16,
bench/README.md). Three changes, each giving the same stored values as before:

- **Measures given by a set-based writer are kept.** The ``BEFORE INSERT`` trigger that fills
  ``area_ha`` (and ``tile_clearance_deg``) from ``geom`` now runs only when the row leaves them
  empty, as every ORM write does; the importer computes them in its ``INSERT`` with the same
  SQL functions, once per row and without a PL/pgSQL call per row. ``UPDATE`` always
  recomputes them, as before.
- **Tile cells are counted at zoom 11 and rolled up.** The statement triggers counted every
  changed parcel twelve times (zooms 0–11) from its bounding box; the cells of zoom ``z`` are
  now those of zoom 11 shifted right by ``11 - z`` bits. ``floor(x / (360 / 2^(z+6)))`` equals
  ``floor(x / (360 / 2^17)) >> (11 - z)`` exactly (the divisors differ by a power of two, so
  the floating-point quotients do too), so the counts agree with the cells already stored.
- **A writer may take its data version before it writes.** ``sitereg_take_data_version()``
  takes the next data version now (holding ``registry_state``'s row until commit, so versions
  still grow in commit order) and the feed rows written afterwards in the transaction carry it
  from their column default; the deferred per-row stamping trigger then fires only for rows
  without one. An import of a million parcels otherwise queued a million deferred trigger
  events and rewrote a million feed rows at commit. Other writers keep stamping at commit.
- **The stored tiles of cells (0032) are found from the cells.** A statement renders again the
  z10–z11 tiles its rows' zoom-11 cells fall in, each distinct cell once, rather than one
  lookup per row; the tiles rendered are the same.

Revision ID: 0034_import_speed
Revises: 0032_tile_pyramid
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034_import_speed"
down_revision: str | None = "0032_tile_pyramid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ZOOM = 11
FIRST_STORED, LAST_STORED = 10, 11  # the zooms of the stored tiles of cells (0032)

# Migration 0030's statement, kept for downgrade: every changed parcel once per zoom.
OLD_APPLY = """
INSERT INTO forest_tile_cells AS cell (zoom, i, j, category, features)
SELECT
    zoom,
    floor(ST_XMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    floor(ST_YMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    changed.category,
    sum(changed.delta)
FROM ({rows}) AS changed
CROSS JOIN generate_series(0, {max_zoom}) AS zoom
WHERE ST_XMax(changed.geom) - ST_XMin(changed.geom) >= 360.0 / 2 ^ 20
    OR ST_YMax(changed.geom) - ST_YMin(changed.geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
ON CONFLICT (zoom, i, j, category) DO UPDATE
SET features = cell.features + excluded.features
"""
# The same counts: each parcel's box read once, its zoom-11 cell counted, the coarser zooms
# rolled up from those counts (``>>`` is an arithmetic shift: floor, also west of 0°).
NEW_APPLY = """
WITH boxes AS MATERIALIZED (
    SELECT changed.category, changed.delta, changed.geom::box3d AS box FROM ({rows}) AS changed
), finest AS (
    SELECT floor(ST_XMin(box) / (360.0 / 2 ^ ({max_zoom} + 6)))::integer AS i,
           floor(ST_YMin(box) / (360.0 / 2 ^ ({max_zoom} + 6)))::integer AS j,
           category,
           sum(delta) AS features
    FROM boxes
    WHERE ST_XMax(box) - ST_XMin(box) >= 360.0 / 2 ^ 20
        OR ST_YMax(box) - ST_YMin(box) >= 360.0 / 2 ^ 20
    GROUP BY 1, 2, 3
)
INSERT INTO forest_tile_cells AS cell (zoom, i, j, category, features)
SELECT zoom, i >> ({max_zoom} - zoom), j >> ({max_zoom} - zoom), category, sum(features)
FROM finest
CROSS JOIN generate_series(0, {max_zoom}) AS zoom
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4  -- the primary key's order: its B-tree pages are filled in turn
ON CONFLICT (zoom, i, j, category) DO UPDATE
SET features = cell.features + excluded.features
"""
# 0032's rendering of the stored tiles a statement's rows fall in, kept for downgrade.
OLD_RENDER = """
PERFORM forest_cell_tiles_refresh(touched.zoom, touched.x, touched.y)
FROM (
    SELECT DISTINCT zoom, tile.x, tile.y
    FROM ({rows}) AS changed
    CROSS JOIN generate_series({first}, {last}) AS zoom
    CROSS JOIN LATERAL forest_cell_tiles_of(
        zoom, ST_XMin(changed.geom), ST_YMin(changed.geom)) AS tile
    ORDER BY 1, 2, 3
) AS touched
"""
# The same tiles, found from the rows' distinct zoom-11 cells (an import of a million parcels
# has a few hundred thousand), each cell's centre passed on: the function finds its cell again.
NEW_RENDER = """
PERFORM forest_cell_tiles_refresh(touched.zoom, touched.x, touched.y)
FROM (
    SELECT DISTINCT zoom, tile.x, tile.y
    FROM (
        SELECT DISTINCT floor(ST_XMin(changed.geom) / (360.0 / 2 ^ 17))::integer AS i,
               floor(ST_YMin(changed.geom) / (360.0 / 2 ^ 17))::integer AS j
        FROM ({rows}) AS changed
    ) AS finest
    CROSS JOIN generate_series({first}, {last}) AS zoom
    CROSS JOIN LATERAL forest_cell_tiles_of(
        zoom, ((finest.i >> (11 - zoom)) + 0.5) * (360.0 / 2 ^ (zoom + 6)),
        ((finest.j >> (11 - zoom)) + 0.5) * (360.0 / 2 ^ (zoom + 6))) AS tile
    ORDER BY 1, 2, 3
) AS touched
"""
NEW_ROWS = "SELECT category, geom, 1 AS delta FROM new_rows"
OLD_ROWS = "SELECT category, geom, -1 AS delta FROM old_rows"


def sync_function(apply: str, render: str) -> str:
    """Return the trigger function that keeps the cells of zooms 0–11 and the stored tiles."""
    statements = {}
    for name, rows in (
        ("insert", NEW_ROWS),
        ("delete", OLD_ROWS),
        ("update", OLD_ROWS + " UNION ALL " + NEW_ROWS),
    ):
        statements[name] = apply.format(rows=rows, max_zoom=MAX_ZOOM)
        if name != "insert":
            statements[name] += ";\n        DELETE FROM forest_tile_cells WHERE features <= 0"
        statements[name] += ";\n" + render.format(rows=rows, first=FIRST_STORED, last=LAST_STORED)
    return f"""
CREATE OR REPLACE FUNCTION forest_tile_cells_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM forest_tile_cells;
        DELETE FROM forest_cell_tiles;
    ELSIF TG_OP = 'INSERT' THEN
        {statements["insert"]};
    ELSIF TG_OP = 'DELETE' THEN
        {statements["delete"]};
    ELSE
        {statements["update"]};
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


# Table and the measured columns an INSERT may give (migration 0029 fills them otherwise).
MEASURED = {
    "forest_parcels": ("area_ha", "tile_clearance_deg"),
    "clearance_parcels": ("area_ha",),
}


def measure_triggers(table: str, columns: tuple[str, ...]) -> str:
    """Return the triggers that fill ``columns`` on every UPDATE, and on an INSERT without them."""
    empty = " OR ".join(f"NEW.{column} IS NULL" for column in columns)
    return f"""
DROP TRIGGER trg_{table}_measures ON {table};
CREATE TRIGGER trg_{table}_measures BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION sitereg_parcel_measures();
CREATE TRIGGER trg_{table}_measures_ins BEFORE INSERT ON {table}
    FOR EACH ROW WHEN ({empty}) EXECUTE FUNCTION sitereg_parcel_measures();
"""


OLD_MEASURE_TRIGGERS = """
DROP TRIGGER trg_{table}_measures_ins ON {table};
CREATE OR REPLACE TRIGGER trg_{table}_measures BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION sitereg_parcel_measures();
"""

STAMP = """
-- The data version a writer took for its transaction, or NULL (then stamped at commit).
ALTER TABLE registry_changes ALTER COLUMN data_version SET DEFAULT sitereg_setting('data_version')::bigint;

-- Take the transaction's data version now, once; stamp the feed rows written so far with it.
-- Runs as the owner, like the stamping at commit: the application role may not update the feed.
CREATE FUNCTION sitereg_take_data_version() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    dv bigint := sitereg_setting('data_version')::bigint;
BEGIN
    IF dv IS NOT NULL THEN
        RETURN dv;
    END IF;
    UPDATE registry_state SET data_version = data_version + 1, changed_at = now()
        RETURNING data_version INTO dv;
    PERFORM set_config('sitereg.data_version', dv::text, true);
    PERFORM set_config('sitereg.unstamped', 'no', true);
    UPDATE registry_changes SET data_version = dv
        WHERE xact = txid_current() AND data_version IS NULL;
    RETURN dv;
END $$;

-- At commit (deferred), once per transaction: the data version taken, or the next one.
CREATE OR REPLACE FUNCTION sitereg_stamp_data_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    dv bigint := sitereg_setting('data_version')::bigint;
BEGIN
    -- Set by the versioning triggers of each writing statement; the first deferred event of
    -- the transaction stamps them all, the others find nothing to do.
    IF current_setting('sitereg.unstamped', true) IS DISTINCT FROM 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('sitereg.unstamped', 'no', true);
    IF dv IS NULL THEN
        UPDATE registry_state SET data_version = data_version + 1, changed_at = now()
            RETURNING data_version INTO dv;
    END IF;
    UPDATE registry_changes SET data_version = dv
        WHERE xact = txid_current() AND data_version IS NULL;
    RETURN NULL;
END $$;

-- Only rows without a data version queue a deferred event (WHEN is evaluated at insert).
DROP TRIGGER trg_registry_changes_stamp ON registry_changes;
CREATE CONSTRAINT TRIGGER trg_registry_changes_stamp AFTER INSERT ON registry_changes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.data_version IS NULL)
    EXECUTE FUNCTION sitereg_stamp_data_version();
"""

OLD_STAMP = """
DROP TRIGGER trg_registry_changes_stamp ON registry_changes;
CREATE CONSTRAINT TRIGGER trg_registry_changes_stamp AFTER INSERT ON registry_changes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sitereg_stamp_data_version();

CREATE OR REPLACE FUNCTION sitereg_stamp_data_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    dv bigint;
BEGIN
    -- Set by the versioning triggers of each writing statement; the first deferred event of
    -- the transaction stamps them all, the others find nothing to do.
    IF current_setting('sitereg.unstamped', true) IS DISTINCT FROM 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('sitereg.unstamped', 'no', true);
    UPDATE registry_state SET data_version = data_version + 1, changed_at = now()
        RETURNING data_version INTO dv;
    UPDATE registry_changes SET data_version = dv
        WHERE xact = txid_current() AND data_version IS NULL;
    RETURN NULL;
END $$;

DROP FUNCTION sitereg_take_data_version();
ALTER TABLE registry_changes ALTER COLUMN data_version DROP DEFAULT;
"""


def upgrade() -> None:
    op.execute(sync_function(NEW_APPLY, NEW_RENDER))
    for table, columns in MEASURED.items():
        op.execute(measure_triggers(table, columns))
    op.execute(STAMP)
    # Only the registry's roles take data versions (functions are PUBLIC by default).
    op.execute("REVOKE ALL ON FUNCTION sitereg_take_data_version() FROM PUBLIC")
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitereg_app') THEN
                GRANT EXECUTE ON FUNCTION sitereg_take_data_version() TO sitereg_app;
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(OLD_STAMP)
    for table in MEASURED:
        op.execute(OLD_MEASURE_TRIGGERS.format(table=table))
    op.execute(sync_function(OLD_APPLY, OLD_RENDER))
