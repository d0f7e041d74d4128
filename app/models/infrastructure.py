"""Infrastructure items (roads, technical infrastructure, wastewater plants) tied to sites."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.common import (
    ImportedMixin,
    ProvenanceMixin,
    TimestampMixin,
    VersionedMixin,
    enum_type,
    geometry_type,
    gist,
)
from app.models.enums import InfrastructureKind, InfrastructureStatus


class Infrastructure(VersionedMixin, ImportedMixin, ProvenanceMixin, TimestampMixin, Base):
    """A line or polygon tied to a site, with its capital by source."""

    __tablename__ = "infrastructure"
    __table_args__ = (
        gist("infrastructure"),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('MULTILINESTRING', 'MULTIPOLYGON')", name="geom_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[InfrastructureKind] = mapped_column(
        enum_type(InfrastructureKind, "infrastructure_kind")
    )
    status: Mapped[InfrastructureStatus] = mapped_column(
        enum_type(InfrastructureStatus, "infrastructure_status")
    )
    stated_length_km: Mapped[float | None] = mapped_column(sa.Float)
    capital_state_budget_bn_vnd: Mapped[float | None] = mapped_column(sa.Float)
    capital_enterprise_bn_vnd: Mapped[float | None] = mapped_column(sa.Float)
    legal_basis: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    geom: Mapped[Any] = mapped_column(geometry_type("GEOMETRY"))
