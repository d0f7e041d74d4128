"""Site-clearance parcels (giải phóng mặt bằng) and their status history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
from app.models.enums import ClearanceStatus

PERSONAL = "Personal data (Decree 13/2023/NĐ-CP): never served to anonymous readers."


class ClearanceParcel(VersionedMixin, ImportedMixin, ProvenanceMixin, TimestampMixin, Base):
    """A parcel inside a site, with its current clearance status."""

    __tablename__ = "clearance_parcels"
    __table_args__ = (
        gist("clearance_parcels"),
        sa.CheckConstraint(
            "compensation_vnd IS NULL OR compensation_vnd >= 0", name="compensation_vnd"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    status: Mapped[ClearanceStatus] = mapped_column(enum_type(ClearanceStatus, "clearance_status"))
    status_date: Mapped[date] = mapped_column(sa.Date)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    geom: Mapped[Any] = mapped_column(geometry_type("MULTIPOLYGON"))
    # Filled from geom by a trigger on every write (migration 0029).
    area_ha: Mapped[float] = mapped_column(
        sa.Float, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    # Personal data: the OGC catalogue serves these to signed-in callers only (migration 0020).
    owner_name: Mapped[str | None] = mapped_column(
        sa.Text, comment=f"Owner's full name. {PERSONAL}"
    )
    owner_id_number: Mapped[str | None] = mapped_column(
        sa.Text, comment=f"Owner's citizen ID (CCCD/CMND) number. {PERSONAL}"
    )
    compensation_vnd: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(18, 0), comment=f"Compensation to the owner (VND). {PERSONAL}"
    )

    history: Mapped[list[ClearanceStatusChange]] = relationship(
        back_populates="parcel",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ClearanceStatusChange.status_date",
    )


class ClearanceStatusChange(Base):
    """One dated status of a parcel; the history lets reports compute figures as of any date."""

    __tablename__ = "clearance_status_history"
    __table_args__ = (sa.UniqueConstraint("parcel_id", "status_date", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clearance_parcels.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ClearanceStatus] = mapped_column(enum_type(ClearanceStatus, "clearance_status"))
    status_date: Mapped[date] = mapped_column(sa.Date)

    parcel: Mapped[ClearanceParcel] = relationship(back_populates="history", lazy="raise")
