"""Stored minimum clearance of each forest parcel, so that most tile features skip re-validation.

``ST_AsMVTGeom`` re-validates every polygon after snapping it to the tile's integer grid (wagyu),
about 20 µs a parcel and four fifths of a z12 forest tile's time (bench/README.md). Snapping
moves a vertex by at most √½ of a tile unit, so a vertex comes at most √2 units closer to an
edge: a valid polygon whose minimum clearance (``ST_MinimumClearance``: the least distance
between distinct vertices, or from a vertex to an edge it is not on) is at least 2 tile units
stays valid, keeps every vertex distinct and cannot collapse. Tiles at full detail then snap
such parcels themselves (``app.ogc.tiles.sql``); the others still go through ``ST_AsMVTGeom``.
An invalid parcel gets clearance 0, so it never takes that path.

Revision ID: 0011_forest_tile_clearance
Revises: 0010_forest_datasets_function
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_forest_tile_clearance"
down_revision: str | None = "0010_forest_datasets_function"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ST_IsValidDetail rather than ST_IsValid: the same answer without a NOTICE per invalid row.
FUNCTION = """
CREATE FUNCTION tile_clearance_deg(geom geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN (ST_IsValidDetail(geom)).valid THEN ST_MinimumClearance(geom) ELSE 0 END
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(
        "COMMENT ON FUNCTION tile_clearance_deg(geometry) IS "
        "'Minimum clearance (degrees) of a valid geometry, 0 for an invalid one: "
        "how far its vertices may move before it can become invalid.'"
    )
    op.add_column(
        "forest_parcels",
        sa.Column(
            "tile_clearance_deg",
            sa.Float(),
            sa.Computed("tile_clearance_deg(geom)", persisted=True),
            nullable=False,
        ),
    )
    # Adding a stored column rewrites the table, which empties its visibility map: without a
    # VACUUM, counts and OFFSET pages could no longer use index-only scans until autovacuum
    # came by (items pages of the forest layer ran 35 % slower). VACUUM cannot run inside the
    # migration's transaction, hence the autocommit block.
    with op.get_context().autocommit_block():
        op.execute("VACUUM (ANALYZE) forest_parcels")


def downgrade() -> None:
    op.drop_column("forest_parcels", "tile_clearance_deg")
    op.execute("DROP FUNCTION tile_clearance_deg(geometry)")
