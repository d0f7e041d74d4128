"""Imports of official layers: one row per import, the jobs of web imports, row origins.

``imports`` records every run of ``sitereg import`` (dry runs too): the file and its checksum,
the mapping, the text encoding and the CRS with the reason each was chosen, who ran it on which
decision, and the counts of its report. A committed import's rows name it (``import_id``); the
forest inventory's original codes stay beside the mapped category and origin (``source_codes``),
and its descriptive fields (commune, tiểu khu, khoảnh, lô, forest owner, stated area) in
``attributes``. Protected areas get the same columns and a ``dataset``: official layers of them
are imported too, beside the indicative demo areas (dataset NULL), which imports never touch. A web or API import is a job (``import_jobs``): its state, phase and progress
live in the database, so any server process answers for it, and its CSV report is kept there.
The versioning of ``forest_parcels`` is reinstalled so that its twin and its
triggers carry the new columns.

Revision ID: 0024_imports
Revises: 0023_history_reads
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024_imports"
down_revision: str | None = "0023_history_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMPORTS = """
CREATE TABLE imports (
    id integer GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_imports PRIMARY KEY,
    layer text NOT NULL,
    dataset text NOT NULL,
    file_name text NOT NULL,
    sha256 text NOT NULL,
    file_format text NOT NULL,
    mapping text NOT NULL,
    encoding text NOT NULL,
    encoding_reason text NOT NULL,
    srid integer NOT NULL,
    crs_reason text NOT NULL,
    actor text NOT NULL,
    actor_id integer CONSTRAINT fk_imports_actor_id_users REFERENCES users (id),
    decision_id integer
        CONSTRAINT fk_imports_decision_id_legal_decisions REFERENCES legal_decisions (id),
    reason text,
    committed boolean NOT NULL,
    counts jsonb NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_imports_layer_dataset ON imports (layer, dataset, finished_at);
CREATE TABLE import_jobs (
    id integer GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_import_jobs PRIMARY KEY,
    state text NOT NULL CONSTRAINT ck_import_jobs_state
        CHECK (state IN ('queued', 'running', 'done', 'failed')),
    phase text,
    rows_done bigint NOT NULL DEFAULT 0,
    rows_total bigint,
    request jsonb NOT NULL,
    user_id integer NOT NULL CONSTRAINT fk_import_jobs_user_id_users REFERENCES users (id),
    import_id integer CONSTRAINT fk_import_jobs_import_id_imports REFERENCES imports (id),
    outcome jsonb,
    error text,
    report bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_import_jobs_user_id ON import_jobs (user_id, created_at);
"""


def upgrade() -> None:
    op.execute(IMPORTS)
    op.execute(
        # import_id names its import without a foreign key: the check cost 0.8 s per 166 000
        # imported rows (bench/import_forest.py), and imports are never deleted.
        "ALTER TABLE forest_parcels ADD COLUMN source_codes jsonb, ADD COLUMN attributes jsonb, "
        "ADD COLUMN import_id integer"
    )
    op.execute("SELECT sitereg_versioning_install('forest_parcels', true)")
    # Official protected-area layers come in through the importer too, as datasets.
    op.execute(
        "ALTER TABLE protected_areas ADD COLUMN dataset text, ADD COLUMN source_codes jsonb, "
        "ADD COLUMN attributes jsonb, ADD COLUMN import_id integer"
    )
    op.execute("CREATE INDEX ix_protected_areas_dataset ON protected_areas (dataset)")
    op.execute("SELECT sitereg_versioning_install('protected_areas', true)")
    # Official administrative boundaries (the 2025 communes) come in the same way; their
    # subdivided pieces follow by the triggers of migration 0012.
    op.execute(
        "ALTER TABLE admin_units ADD COLUMN dataset text, ADD COLUMN source_codes jsonb, "
        "ADD COLUMN attributes jsonb, ADD COLUMN import_id integer"
    )
    op.execute("CREATE INDEX ix_admin_units_dataset ON admin_units (dataset)")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE admin_units DROP COLUMN IF EXISTS dataset, "
        "DROP COLUMN IF EXISTS source_codes, DROP COLUMN IF EXISTS attributes, "
        "DROP COLUMN IF EXISTS import_id"
    )
    for table in ("protected_areas", "protected_areas_versions"):
        op.execute(
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS dataset, "
            "DROP COLUMN IF EXISTS source_codes, DROP COLUMN IF EXISTS attributes, "
            "DROP COLUMN IF EXISTS import_id"
        )
    op.execute("SELECT sitereg_versioning_install('protected_areas', true)")
    op.execute(
        "ALTER TABLE forest_parcels DROP COLUMN source_codes, DROP COLUMN attributes, "
        "DROP COLUMN import_id"
    )
    op.execute(
        "ALTER TABLE forest_parcels_versions DROP COLUMN source_codes, "
        "DROP COLUMN IF EXISTS attributes, DROP COLUMN import_id"
    )
    op.execute("SELECT sitereg_versioning_install('forest_parcels', true)")
    op.execute("DROP TABLE IF EXISTS import_jobs")
    op.execute("DROP TABLE imports")
