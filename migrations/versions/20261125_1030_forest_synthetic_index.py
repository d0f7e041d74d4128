"""Partial index on forest_parcels(dataset) WHERE synthetic, for the "is it synthetic?" check.

Revision ID: 0008_forest_synthetic_index
Revises: 0007_fill_forest_tile_cells
Create Date: 2026-11-25 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_forest_synthetic_index"
down_revision: str | None = "0007_fill_forest_tile_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_forest_parcels_synthetic_dataset",
        "forest_parcels",
        ["dataset"],
        postgresql_where=sa.text("synthetic"),
    )


def downgrade() -> None:
    op.drop_index("ix_forest_parcels_synthetic_dataset", table_name="forest_parcels")
