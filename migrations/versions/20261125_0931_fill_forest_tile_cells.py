"""Count the forest parcels already loaded into the low-zoom tile cells (data).

Revision ID: 0007_fill_forest_tile_cells
Revises: 0006_forest_tile_cells
Create Date: 2026-11-25 09:31:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_fill_forest_tile_cells"
down_revision: str | None = "0006_forest_tile_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same cells as the triggers of 0006 compute, for the rows that were there before them.
FILL = """
INSERT INTO forest_tile_cells (zoom, i, j, category, features)
SELECT
    zoom,
    floor(ST_XMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    floor(ST_YMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    category,
    count(*)
FROM forest_parcels
CROSS JOIN generate_series(0, 9) AS zoom
WHERE ST_XMax(geom) - ST_XMin(geom) >= 360.0 / 2 ^ 20
    OR ST_YMax(geom) - ST_YMin(geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.execute(FILL)


def downgrade() -> None:
    op.execute("DELETE FROM forest_tile_cells")
