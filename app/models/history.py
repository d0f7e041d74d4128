"""The registry's history: the feed of changes, the data version, and each table's twin.

Migration 0021 and its triggers write all three; the application only reads them (and its
database role may not rewrite them). The ``<table>_versions`` twins are built by the database
from the live table's columns (``sitereg_versioning_install``), so they are described here from
the models rather than declared twice, on a ``MetaData`` of their own that Alembic does not
compare.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

TWINS: Final = sa.MetaData()


class RegistryChange(Base):
    """One created, updated or deleted feature: who, when, which request, decision and reason."""

    __tablename__ = "registry_changes"
    __table_args__ = (
        sa.Index("ix_registry_changes_feature", "layer", "feature_id", "version"),
        sa.Index(
            "ix_registry_changes_unstamped",
            "xact",
            postgresql_where=sa.text("data_version IS NULL"),
        ),
        sa.CheckConstraint("operation IN ('create', 'update', 'delete')", name="operation"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    # The version a writer took before writing (``sitereg_take_data_version()``, migration
    # 0034: an import), else stamped at commit by a deferred trigger (NULL only inside the
    # writing transaction).
    data_version: Mapped[int | None] = mapped_column(
        sa.BigInteger, index=True, server_default=sa.text("sitereg_setting('data_version')::bigint")
    )
    xact: Mapped[int] = mapped_column(sa.BigInteger, server_default=sa.func.txid_current())
    recorded_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), index=True
    )
    layer: Mapped[str] = mapped_column(sa.Text)
    feature_id: Mapped[int] = mapped_column(sa.Integer)
    code: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer)
    operation: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("legal_decisions.id"))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    draft_id: Mapped[int | None] = mapped_column(sa.BigInteger)


class RegistryState(Base):
    """The one row holding the data version: it grows with every writing statement."""

    __tablename__ = "registry_state"
    __table_args__ = (sa.CheckConstraint("id", name="single_row"),)

    id: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True, server_default=sa.true())
    data_version: Mapped[int] = mapped_column(sa.BigInteger, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class Draft(Base):
    """A change waiting for an approver: the request as sent, its author and base version."""

    __tablename__ = "drafts"
    __table_args__ = (
        sa.CheckConstraint(
            "operation IN ('create', 'replace', 'update', 'delete')", name="operation"
        ),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    collection: Mapped[str] = mapped_column(sa.Text)
    layer: Mapped[str] = mapped_column(sa.Text)
    code: Mapped[str] = mapped_column(sa.Text, index=True)
    operation: Mapped[str] = mapped_column(sa.Text)
    base_version: Mapped[int | None] = mapped_column(sa.Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_crs: Mapped[str | None] = mapped_column(sa.Text)
    repair: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    needs: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    status: Mapped[str] = mapped_column(sa.Text, server_default="pending", index=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(sa.Text)
    result_version: Mapped[int | None] = mapped_column(sa.Integer)


def twin(table: sa.Table) -> sa.Table:
    """Return ``<table>_versions``: the columns of ``table`` and when each version ended."""
    name = f"{table.name}_versions"
    existing = TWINS.tables.get(name)
    if existing is not None:
        return existing
    columns = [sa.Column(column.name, column.type) for column in table.columns]
    return sa.Table(
        name,
        TWINS,
        *columns,
        sa.Column("recorded_to", sa.DateTime(timezone=True)),
    )
