"""Stored geodesic areas of forest and clearance parcels (generated from geom).

Revision ID: 0005_parcel_areas
Revises: 0004_vn2000_srids
Create Date: 2026-11-25 08:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_parcel_areas"
down_revision: str | None = "0004_vn2000_srids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("forest_parcels", "clearance_parcels")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "area_ha", sa.Float(), sa.Computed("area_ha(geom)", persisted=True), nullable=False
            ),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "area_ha")
