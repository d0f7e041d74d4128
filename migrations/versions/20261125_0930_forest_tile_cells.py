"""Forest parcels counted per low-zoom tile cell, kept current by statement triggers.

Revision ID: 0006_forest_tile_cells
Revises: 0005_parcel_areas
Create Date: 2026-11-25 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_forest_tile_cells"
down_revision: str | None = "0005_parcel_areas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Adds signed counts of a set of parcels (the statement's transition table) to every zoom 0–9.
# A cell is 4 pixels of a 256-pixel tile: 360 / 2^(zoom + 6) degrees. As in the live grid query
# it replaces, parcels smaller than one zoom-12 pixel (360 / 2^20 degrees) are left out.
APPLY = """
INSERT INTO forest_tile_cells AS cell (zoom, i, j, category, features)
SELECT
    zoom,
    floor(ST_XMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    floor(ST_YMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    changed.category,
    sum(changed.delta)
FROM ({rows}) AS changed
CROSS JOIN generate_series(0, 9) AS zoom
WHERE ST_XMax(changed.geom) - ST_XMin(changed.geom) >= 360.0 / 2 ^ 20
    OR ST_YMax(changed.geom) - ST_YMin(changed.geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
ON CONFLICT (zoom, i, j, category) DO UPDATE
SET features = cell.features + excluded.features
"""
NEW_ROWS = "SELECT category, geom, 1 AS delta FROM new_rows"
OLD_ROWS = "SELECT category, geom, -1 AS delta FROM old_rows"

SYNC_FUNCTION = f"""
CREATE FUNCTION forest_tile_cells_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM forest_tile_cells;
    ELSIF TG_OP = 'INSERT' THEN
        {APPLY.format(rows=NEW_ROWS)};
    ELSIF TG_OP = 'DELETE' THEN
        {APPLY.format(rows=OLD_ROWS)};
        DELETE FROM forest_tile_cells WHERE features <= 0;
    ELSE
        {APPLY.format(rows=OLD_ROWS + " UNION ALL " + NEW_ROWS)};
        DELETE FROM forest_tile_cells WHERE features <= 0;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)
TRIGGERS = {
    "forest_tile_cells_insert": "AFTER INSERT ON forest_parcels "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    "forest_tile_cells_update": "AFTER UPDATE ON forest_parcels "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    "forest_tile_cells_delete": "AFTER DELETE ON forest_parcels "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    "forest_tile_cells_truncate": "AFTER TRUNCATE ON forest_parcels FOR EACH STATEMENT",
}


def upgrade() -> None:
    op.create_table(
        "forest_tile_cells",
        sa.Column("zoom", sa.SmallInteger(), nullable=False),
        sa.Column("i", sa.Integer(), nullable=False),
        sa.Column("j", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "special_use",
                "protection",
                "production",
                name="forest_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("features", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("zoom", "i", "j", "category", name=op.f("pk_forest_tile_cells")),
    )
    op.execute(SYNC_FUNCTION)
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION forest_tile_cells_sync()")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON forest_parcels")
    op.execute("DROP FUNCTION forest_tile_cells_sync()")
    op.drop_table("forest_tile_cells")
