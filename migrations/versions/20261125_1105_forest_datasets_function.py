"""SQL function ``forest_datasets()``: the forest datasets loaded and whether each is synthetic.

Every answer built on the forest layer says which datasets it used and warns when one is
synthetic. As a function, the question is asked inside the analysis statement itself (one round
trip per proposal check) and written once for every caller.

Revision ID: 0010_forest_datasets_function
Revises: 0009_admin_unit_pieces
Create Date: 2026-11-25 11:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_forest_datasets_function"
down_revision: str | None = "0009_admin_unit_pieces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A loose index scan on ix_forest_parcels_dataset (one index probe per dataset instead of reading
# 200 000+ rows), and the partial index ix_forest_parcels_synthetic_dataset so that EXISTS
# answers "no" at once for real data (migration 0008).
FUNCTION = """
CREATE FUNCTION forest_datasets()
RETURNS TABLE (dataset text, synthetic boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
    )
    SELECT
        d.dataset,
        EXISTS (
            SELECT 1
            FROM forest_parcels AS f
            WHERE f.dataset = d.dataset
              AND f.synthetic
        )
    FROM found AS d
    WHERE d.dataset IS NOT NULL
    ORDER BY d.dataset
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION forest_datasets()")
