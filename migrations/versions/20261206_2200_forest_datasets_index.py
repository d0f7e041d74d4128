"""``forest_datasets()`` finds the synthetic datasets on the partial index, never by a scan.

Migration 0010 asked, per dataset, ``EXISTS (... WHERE dataset = d AND synthetic)``. When the
layer holds a real (non-synthetic) dataset beside a synthetic one, PostgreSQL estimated that a
sequential scan would soon meet a synthetic row of that dataset, and for the real one it read
the whole table: measured on the benchmark layer with half its 200 000 parcels made a real
dataset, 56 ms per call, on every proposal check and forest report. The synthetic datasets are
now listed by a second loose index scan, on ``ix_forest_parcels_synthetic_dataset`` (``WHERE
synthetic``, migration 0008): 0.15 ms on the same layer, whatever the mix.

Revision ID: 0014_forest_datasets_index
Revises: 0013_inline_equal_area
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014_forest_datasets_index"
down_revision: str | None = "0013_inline_equal_area"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every dataset: a loose index scan on ix_forest_parcels_dataset, one probe per dataset.
ALL_DATASETS = """
    WITH RECURSIVE found AS (
        SELECT min(f.dataset) AS dataset
        FROM forest_parcels AS f
        UNION ALL
        SELECT (
            SELECT min(f.dataset)
            FROM forest_parcels AS f
            WHERE f.dataset > d.dataset
        )
        FROM found AS d
        WHERE d.dataset IS NOT NULL
    )"""

# Now: the synthetic ones by a second loose index scan, on the partial index
# ix_forest_parcels_synthetic_dataset (WHERE synthetic).
SYNTHETIC_BY_INDEX = """,
    synthetic_found AS (
        SELECT min(f.dataset) AS dataset
        FROM forest_parcels AS f
        WHERE f.synthetic
        UNION ALL
        SELECT (
            SELECT min(f.dataset)
            FROM forest_parcels AS f
            WHERE f.synthetic
              AND f.dataset > s.dataset
        )
        FROM synthetic_found AS s
        WHERE s.dataset IS NOT NULL
    )
    SELECT
        d.dataset,
        d.dataset IN (SELECT s.dataset FROM synthetic_found AS s WHERE s.dataset IS NOT NULL)"""

# Migration 0010's: EXISTS per dataset, which the planner answered by a sequential scan.
SYNTHETIC_BY_EXISTS = """
    SELECT
        d.dataset,
        EXISTS (
            SELECT 1
            FROM forest_parcels AS f
            WHERE f.dataset = d.dataset
              AND f.synthetic
        )"""


def _function(synthetic: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION forest_datasets()
RETURNS TABLE (dataset text, synthetic boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $${ALL_DATASETS}{synthetic}
    FROM found AS d
    WHERE d.dataset IS NOT NULL
    ORDER BY d.dataset
$$
"""


def upgrade() -> None:
    op.execute(_function(SYNTHETIC_BY_INDEX))


def downgrade() -> None:
    op.execute(_function(SYNTHETIC_BY_EXISTS))
