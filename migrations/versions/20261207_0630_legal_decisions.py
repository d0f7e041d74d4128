"""Legal decisions as a resource: ``legal_decisions``, their documents, and ``sites.legal_decision_id``.

A decision is unique by its number's search key, issuer and date (NULLS NOT DISTINCT: the demo
sites cite five decisions whose date the sources do not give). The number alone is not unique:
numbering restarts each year at each issuer. The attached file lives in its own table, one row
per decision, so lists and searches never read its bytes. The sites keep their three
``legal_*`` columns for now; they become derived from the linked decision in a later revision.

Revision ID: 0015_legal_decisions
Revises: 0014_forest_datasets_index
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_legal_decisions"
down_revision: str | None = "0014_forest_datasets_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.decision.NUMBER_KEY_SQL on the day of this revision.
NUMBER_KEY_SQL = "btrim(regexp_replace(sitereg_fold(number), '[^a-z0-9]+', ' ', 'g'))"


def upgrade() -> None:
    op.create_table(
        "legal_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("number_key", sa.Text(), sa.Computed(NUMBER_KEY_SQL, persisted=True)),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_decisions")),
    )
    op.create_index(
        "uq_legal_decisions_number_key_issuer_date",
        "legal_decisions",
        ["number_key", "issuer", "decision_date"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(
        "ix_legal_decisions_number_key_trgm",
        "legal_decisions",
        ["number_key"],
        postgresql_using="gin",
        postgresql_ops={"number_key": "gin_trgm_ops"},
    )
    op.create_table(
        "legal_decision_documents",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "size_bytes = octet_length(content)",
            name=op.f("ck_legal_decision_documents_size_bytes"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["legal_decisions.id"],
            name=op.f("fk_legal_decision_documents_decision_id_legal_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_legal_decision_documents")),
    )
    op.add_column("sites", sa.Column("legal_decision_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_sites_legal_decision_id_legal_decisions"),
        "sites",
        "legal_decisions",
        ["legal_decision_id"],
        ["id"],
    )
    op.create_index(op.f("ix_sites_legal_decision_id"), "sites", ["legal_decision_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sites_legal_decision_id"), table_name="sites")
    op.drop_constraint(
        op.f("fk_sites_legal_decision_id_legal_decisions"), "sites", type_="foreignkey"
    )
    op.drop_column("sites", "legal_decision_id")
    op.drop_table("legal_decision_documents")
    op.drop_index("ix_legal_decisions_number_key_trgm", table_name="legal_decisions")
    op.drop_index("uq_legal_decisions_number_key_issuer_date", table_name="legal_decisions")
    op.drop_table("legal_decisions")
