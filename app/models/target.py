"""Plan targets with their legal source."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.common import VersionedMixin, enum_type
from app.models.enums import TargetUnit


class PlanTarget(VersionedMixin, Base):
    """A commitment of a provincial plan: value, unit, deadline and the metric that tracks it."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title_vi: Mapped[str] = mapped_column(sa.Text)
    title_en: Mapped[str] = mapped_column(sa.Text)
    legal_source: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[TargetUnit] = mapped_column(enum_type(TargetUnit, "target_unit"))
    target_value: Mapped[float] = mapped_column(sa.Float)
    deadline: Mapped[date] = mapped_column(sa.Date)
    # The day the plan period begins (the plan's date); NULL: the deadline's year.
    period_start: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    metric: Mapped[str] = mapped_column(sa.String(64))
    scope: Mapped[str] = mapped_column(sa.Text)


class ReportedFigure(VersionedMixin, Base):
    """A figure an agency reported for a target: kept beside the registry's, never mixed."""

    __tablename__ = "reported_figures"

    id: Mapped[int] = mapped_column(sa.Identity(always=False), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    target_code: Mapped[str] = mapped_column(
        sa.String(64),
        sa.ForeignKey("plan_targets.code", onupdate="CASCADE"),
        index=True,
    )
    value: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(32))
    reported_on: Mapped[date] = mapped_column(sa.Date)
    agency: Mapped[str] = mapped_column(sa.Text)
    document: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class DatasetLoad(Base):
    """One loaded layer file: its checksum makes ``load-demo`` idempotent and auditable."""

    __tablename__ = "dataset_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[str] = mapped_column(sa.String(64), unique=True)
    file_name: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    feature_count: Mapped[int] = mapped_column(sa.Integer)
    loaded_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
