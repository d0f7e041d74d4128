"""Forest tile cells up to zoom 11: z10 and z11 tiles read cells too, whatever the density.

At 1 000 000 parcels a z10 forest tile drawn parcel by parcel was 813 KB (issue 20). The cells
that the statement triggers of 0006 keep for zooms 0–9 now go up to zoom 11, so every tile up
to z11 holds at most 66 × 66 cells, and the parcels themselves show from z12. The trigger
function is replaced (the triggers stay) and the new zooms are filled from the parcels already
there, in the same transaction, so the cells never disagree with the parcels.

Revision ID: 0030_tile_generalisation
Revises: 0029_qualify_postgis
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030_tile_generalisation"
down_revision: str | None = "0029_qualify_postgis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_MAX_ZOOM = 9
NEW_MAX_ZOOM = 11

# As in 0006: signed counts of the statement's transition table, per zoom 0–max; a cell is 4
# pixels of a 256-pixel tile (360 / 2^(zoom + 6) degrees); parcels below one zoom-12 pixel
# (360 / 2^20 degrees) are left out.
APPLY = """
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
NEW_ROWS = "SELECT category, geom, 1 AS delta FROM new_rows"
OLD_ROWS = "SELECT category, geom, -1 AS delta FROM old_rows"
FILL = """
INSERT INTO forest_tile_cells (zoom, i, j, category, features)
SELECT
    zoom,
    floor(ST_XMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    floor(ST_YMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    category,
    count(*)
FROM forest_parcels
CROSS JOIN generate_series({first}, {last}) AS zoom
WHERE ST_XMax(geom) - ST_XMin(geom) >= 360.0 / 2 ^ 20
    OR ST_YMax(geom) - ST_YMin(geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
"""


def sync_function(max_zoom: int) -> str:
    """Return the trigger function that keeps the cells of zooms 0–``max_zoom`` current."""
    apply = {
        name: APPLY.format(rows=rows, max_zoom=max_zoom)
        for name, rows in (
            ("insert", NEW_ROWS),
            ("delete", OLD_ROWS),
            ("update", OLD_ROWS + " UNION ALL " + NEW_ROWS),
        )
    }
    return f"""
CREATE OR REPLACE FUNCTION forest_tile_cells_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM forest_tile_cells;
    ELSIF TG_OP = 'INSERT' THEN
        {apply["insert"]};
    ELSIF TG_OP = 'DELETE' THEN
        {apply["delete"]};
        DELETE FROM forest_tile_cells WHERE features <= 0;
    ELSE
        {apply["update"]};
        DELETE FROM forest_tile_cells WHERE features <= 0;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


def upgrade() -> None:
    op.execute(sync_function(NEW_MAX_ZOOM))
    op.execute(FILL.format(first=OLD_MAX_ZOOM + 1, last=NEW_MAX_ZOOM))


def downgrade() -> None:
    op.execute(sync_function(OLD_MAX_ZOOM))
    op.execute("DELETE FROM forest_tile_cells WHERE zoom > 9")  # OLD_MAX_ZOOM
