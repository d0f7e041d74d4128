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
