"""Legal decisions (quyết định) and the document file attached to each."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.db.base import Base

# The search key of a decision number: folded (diacritics, Đ/D, case), every run of other
# characters one space. "1234/QĐ-UBND" → "1234 qd ubnd". The repository builds the same key in
# Python (``decision_key``) and compares whole words, so "1234" never finds "11234/QĐ-UBND".
NUMBER_KEY_SQL = "btrim(regexp_replace(sitereg_fold(number), '[^a-z0-9]+', ' ', 'g'))"


class LegalDecision(Base):
    """A legal decision: its number as written, date, issuer and subject.

    The same number recurs across issuers and years (numbering restarts every year at every
    issuer), so a decision is unique by (number key, issuer, date); an unknown date counts
    as one value (NULLS NOT DISTINCT), so a number-only decision is not duplicated either.
    """

    __tablename__ = "legal_decisions"
    __table_args__ = (
        sa.Index(
            "uq_legal_decisions_number_key_issuer_date",
            "number_key",
            "issuer",
            "decision_date",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        sa.Index(
            "ix_legal_decisions_number_key_trgm",
            "number_key",
            postgresql_using="gin",
            postgresql_ops={"number_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.Text)
    number_key: Mapped[str] = mapped_column(sa.Text, sa.Computed(NUMBER_KEY_SQL, persisted=True))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    issuer: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )

    document: Mapped[LegalDecisionDocument | None] = relationship(
        back_populates="decision", lazy="raise", cascade="all, delete-orphan", uselist=False
    )


class LegalDecisionDocument(Base):
    """The file attached to a decision (PDF, DOCX or a scan): its facts and its bytes.

    A table of its own, one row per decision: lists and searches of decisions never read the
    bytes, and the bytes stay out of the decisions' rows and their pages.
    """

    __tablename__ = "legal_decision_documents"
    __table_args__ = (sa.CheckConstraint("size_bytes = octet_length(content)", name="size_bytes"),)

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("legal_decisions.id", ondelete="CASCADE"), primary_key=True
    )
    file_name: Mapped[str] = mapped_column(sa.Text)
    media_type: Mapped[str] = mapped_column(sa.Text)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False), raiseload=True)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )

    decision: Mapped[LegalDecision] = relationship(back_populates="document", lazy="raise")
