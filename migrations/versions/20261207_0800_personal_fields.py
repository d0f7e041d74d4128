"""Clearance parcels gain their owner's name, ID number and compensation: personal data.

Schema only, three nullable columns; the demo data leaves them NULL (no real people). Each
column's COMMENT marks it as personal data under Decree 13/2023/NĐ-CP: the OGC catalogue
declares the same three as personal, so anonymous readers and public exports never get them.
The app role's table-level grants (0018) cover new columns; nothing to grant.

Revision ID: 0020_personal_fields
Revises: 0019_web_sessions
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_personal_fields"
down_revision: str | None = "0019_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same texts as app/models/clearance.py (the drift check compares comments).
PERSONAL = "Personal data (Decree 13/2023/NĐ-CP): never served to anonymous readers."
COLUMNS = (
    ("owner_name", sa.Text(), f"Owner's full name. {PERSONAL}"),
    ("owner_id_number", sa.Text(), f"Owner's citizen ID (CCCD/CMND) number. {PERSONAL}"),
    ("compensation_vnd", sa.Numeric(18, 0), f"Compensation to the owner (VND). {PERSONAL}"),
)
CHECK = "compensation_vnd"


def upgrade() -> None:
    for name, type_, comment in COLUMNS:
        op.add_column("clearance_parcels", sa.Column(name, type_, nullable=True, comment=comment))
    op.create_check_constraint(
        op.f(f"ck_clearance_parcels_{CHECK}"),
        "clearance_parcels",
        "compensation_vnd IS NULL OR compensation_vnd >= 0",
    )


def downgrade() -> None:
    op.drop_constraint(op.f(f"ck_clearance_parcels_{CHECK}"), "clearance_parcels", type_="check")
    for name, _type, _comment in reversed(COLUMNS):
        op.drop_column("clearance_parcels", name)
