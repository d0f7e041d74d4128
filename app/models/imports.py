"""Imports of official layers (``sitereg import``): what was read, how, by whom; the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Import(Base):
    """One import run (dry runs too): the file, the choices made and why, and the counts."""

    __tablename__ = "imports"
    __table_args__ = (sa.Index("ix_imports_layer_dataset", "layer", "dataset", "finished_at"),)

    id: Mapped[int] = mapped_column(sa.Identity(always=True), primary_key=True)
    layer: Mapped[str] = mapped_column(sa.Text)
    dataset: Mapped[str] = mapped_column(sa.Text)
    file_name: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.Text)
    file_format: Mapped[str] = mapped_column(sa.Text)
    mapping: Mapped[str] = mapped_column(sa.Text)
    encoding: Mapped[str] = mapped_column(sa.Text)
    encoding_reason: Mapped[str] = mapped_column(sa.Text)
    srid: Mapped[int] = mapped_column(sa.Integer)
    crs_reason: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", name="fk_imports_actor_id_users"), nullable=True
    )
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("legal_decisions.id", name="fk_imports_decision_id_legal_decisions"),
        nullable=True,
    )
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    committed: Mapped[bool] = mapped_column(sa.Boolean)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class ImportJob(Base):
    """A web or API import: its state, phase and progress, outcome and CSV report."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="ck_import_jobs_state"
        ),
        sa.Index("ix_import_jobs_user_id", "user_id", "created_at"),
        sa.CheckConstraint(
            "review IN ('pending', 'approved', 'rejected')", name="ck_import_jobs_review"
        ),
        sa.Index("ix_import_jobs_review", "review", postgresql_where=sa.text("review = 'pending'")),
    )

    id: Mapped[int] = mapped_column(sa.Identity(always=True), primary_key=True)
    state: Mapped[str] = mapped_column(sa.Text)
    phase: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    rows_done: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", name="fk_import_jobs_user_id_users")
    )
    import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("imports.id", name="fk_import_jobs_import_id_imports"), nullable=True
    )
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    report: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    # An editor's committed import waits for review as a dry run, keeping its file.
    review: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    file_path: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", name="fk_import_jobs_reviewed_by_users"), nullable=True
    )
    review_reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    approved_job_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_jobs.id", name="fk_import_jobs_approved_job_id_import_jobs"),
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
