"""When each site was established, apart from its latest legal basis; when a plan period starts.

A zone's recorded legal basis is often the latest plan adjustment (QĐ 525/QĐ-UBND of 25/02/2026
for the long-established KCN), so counting "new zones" by that date counted old zones as new.
``sites.established_on`` is the date of the establishment decision when known;
``established_before`` a date the zone is known to have been established by (for example the
date of a decision listing it as established) when the exact date is not; and
``established_basis`` says which document says so. Unknown stays NULL, never a guess.
``plan_targets.period_start`` is the day a target's plan period begins (the plan's own date),
so a target counts what happened within its plan period.

Revision ID: 0026_site_establishment
Revises: 0025_import_layers
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026_site_establishment"
down_revision: str | None = "0025_import_layers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE sites ADD COLUMN established_on date, ADD COLUMN established_before date, "
        "ADD COLUMN established_basis text, ADD CONSTRAINT ck_sites_established_order "
        "CHECK (established_on IS NULL OR established_before IS NULL "
        "OR established_on <= established_before)"
    )
    op.execute("SELECT sitereg_versioning_install('sites', true)")
    op.execute("ALTER TABLE plan_targets ADD COLUMN period_start date")


def downgrade() -> None:
    op.execute("ALTER TABLE plan_targets DROP COLUMN IF EXISTS period_start")
    op.execute("ALTER TABLE sites DROP CONSTRAINT IF EXISTS ck_sites_established_order")
    for table in ("sites", "sites_versions"):
        op.execute(
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS established_on, "
            "DROP COLUMN IF EXISTS established_before, DROP COLUMN IF EXISTS established_basis"
        )
    op.execute("SELECT sitereg_versioning_install('sites', true)")
