"""Indexes for history reads: each twin's ``code``, for as_of reads and history look-ups by code.

``<table>_as_of(at)`` reads the twin with ``recorded_from <= at AND recorded_to > at``; one
feature by its code (an OGC item, ``/api/v1/sites/{code}``, a site's history) then scanned the
twin's versions still current at ``at`` and filtered them by code. With an index on ``code``
that is an index look-up, as on the live table (bench/README.md, issue 15).

Revision ID: 0023_history_reads
Revises: 0022_drafts
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023_history_reads"
down_revision: str | None = "0022_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The twins whose features have a code (the details tables are keyed by their site's id).
CODED = ("sites", "clearance_parcels", "infrastructure", "forest_parcels", "protected_areas")


def upgrade() -> None:
    for table in CODED:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_{table}_versions_code ON {table}_versions (code)"
        )


def downgrade() -> None:
    for table in CODED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_versions_code")
