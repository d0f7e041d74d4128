"""Sites, clearance parcels and infrastructure become import layers too.

Surveyed site boundaries, clearance (GPMB) parcel lists and infrastructure lines arrive as files
from survey units and agencies. Each of the three tables gets what forest parcels got in 0024: a
``dataset`` (the import that owns the row; NULL for rows kept by hand or by the demo loader,
which imports never touch), the source's raw codes (``source_codes``), its descriptive fields
(``attributes``) and the import that last wrote the row (``import_id``, no foreign key, as in
0024). Versioning is reinstalled so that each twin carries the new columns.

An editor's committed web import becomes a draft, as an editor's feature write does: its job
runs as a dry run and waits for review (``import_jobs.review`` pending), keeping its file
(``file_path``); an approver approves it (a new job commits the same file, named by
``approved_job_id``) or rejects it with a reason.

Revision ID: 0025_import_layers
Revises: 0024_imports
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025_import_layers"
down_revision: str | None = "0024_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sites", "clearance_parcels", "infrastructure")
REVIEW = """
ALTER TABLE import_jobs
    ADD COLUMN review text CONSTRAINT ck_import_jobs_review
        CHECK (review IN ('pending', 'approved', 'rejected')),
    ADD COLUMN file_path text,
    ADD COLUMN reviewed_by integer CONSTRAINT fk_import_jobs_reviewed_by_users
        REFERENCES users (id),
    ADD COLUMN review_reason text,
    ADD COLUMN approved_job_id integer CONSTRAINT fk_import_jobs_approved_job_id_import_jobs
        REFERENCES import_jobs (id);
CREATE INDEX ix_import_jobs_review ON import_jobs (review) WHERE review = 'pending';
"""


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN dataset text, ADD COLUMN source_codes jsonb, "
            "ADD COLUMN attributes jsonb, ADD COLUMN import_id integer"
        )
        op.execute(f"CREATE INDEX ix_{table}_dataset ON {table} (dataset)")
        op.execute(f"SELECT sitereg_versioning_install('{table}', true)")
    op.execute(REVIEW)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_import_jobs_review")
    op.execute(
        "ALTER TABLE import_jobs DROP COLUMN IF EXISTS approved_job_id, "
        "DROP COLUMN IF EXISTS review_reason, DROP COLUMN IF EXISTS reviewed_by, "
        "DROP COLUMN IF EXISTS file_path, DROP COLUMN IF EXISTS review"
    )
    for table in TABLES:
        for name in (table, f"{table}_versions"):
            op.execute(
                f"ALTER TABLE {name} DROP COLUMN IF EXISTS dataset, "
                "DROP COLUMN IF EXISTS source_codes, DROP COLUMN IF EXISTS attributes, "
                "DROP COLUMN IF EXISTS import_id"
            )
        op.execute(f"SELECT sitereg_versioning_install('{table}', true)")
