"""Registered sites and their kind-specific details."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
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
from app.models.enums import LicenceStatus, SiteKind, SiteStatus, WastewaterStatus


class Site(VersionedMixin, ImportedMixin, ProvenanceMixin, TimestampMixin, Base):
    """An industrial zone, industrial cluster, mining site or relocation area."""

    __tablename__ = "sites"
    __table_args__ = (
        gist("sites"),
        sa.Index(
            "ix_sites_name_folded_trgm",
            "name_folded",
            postgresql_using="gin",
            postgresql_ops={"name_folded": "gin_trgm_ops"},
        ),
        sa.CheckConstraint("planned_area_ha IS NULL OR planned_area_ha > 0", name="planned_area"),
        sa.CheckConstraint("part_relation IN ('phase', 'part')", name="part_relation"),
        sa.CheckConstraint(
            "location_confidence IN "
            "('surveyed', 'digitized', 'site_point', 'commune', 'district', 'unknown')",
            name="location_confidence",
        ),
        sa.CheckConstraint(
            "established_on IS NULL OR established_before IS NULL "
            "OR established_on <= established_before",
            name="established_order",
        ),
        sa.CheckConstraint(
            "(part_of_site_id IS NULL) = (part_relation IS NULL)", name="part_named"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.Text)
    name_folded: Mapped[str] = mapped_column(
        sa.Text, sa.Computed("sitereg_fold(name || ' ' || code)", persisted=True)
    )
    kind: Mapped[SiteKind] = mapped_column(enum_type(SiteKind, "site_kind"), index=True)
    status: Mapped[SiteStatus] = mapped_column(enum_type(SiteStatus, "site_status"), index=True)
    province: Mapped[str] = mapped_column(sa.Text, index=True)
    communes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    managing_agency: Mapped[str | None] = mapped_column(sa.Text)
    legal_decision_number: Mapped[str | None] = mapped_column(sa.Text)
    legal_decision_date: Mapped[date | None] = mapped_column(sa.Date)
    legal_issuer: Mapped[str | None] = mapped_column(sa.Text)
    # The decision the three columns above name; they become derived from it later (issue 15).
    legal_decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("legal_decisions.id"), index=True
    )
    planned_area_ha: Mapped[float | None] = mapped_column(sa.Float)
    # When the site was established, apart from its latest legal basis (migration 0026).
    established_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    established_before: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    established_basis: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    geom: Mapped[Any] = mapped_column(geometry_type("MULTIPOLYGON"))
    # How the outline's location is known (migration 0027; follows geometry_source by trigger).
    location_confidence: Mapped[str] = mapped_column(sa.Text, server_default="unknown")
    source_quality: Mapped[str | None] = mapped_column(sa.Text)
    qa_flags: Mapped[str | None] = mapped_column(sa.Text)
    # A phase or part of another site; how such sites count is the trust issue's (17) question.
    part_of_site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="SET NULL"), index=True
    )
    part_relation: Mapped[str | None] = mapped_column(sa.Text)
    zone_details: Mapped[ZoneDetails | None] = relationship(
        back_populates="site", lazy="raise", cascade="all, delete-orphan", uselist=False
    )
    mining_details: Mapped[MiningDetails | None] = relationship(
        back_populates="site", lazy="raise", cascade="all, delete-orphan", uselist=False
    )
    relocation_details: Mapped[RelocationDetails | None] = relationship(
        back_populates="site",
        lazy="raise",
        cascade="all, delete-orphan",
        uselist=False,
        foreign_keys="RelocationDetails.site_id",
    )


class ZoneDetails(VersionedMixin, Base):
    """Facts of an industrial zone or cluster: occupancy, wastewater, eco-industrial programme."""

    __tablename__ = "zone_details"

    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    occupancy_rate_pct: Mapped[float | None] = mapped_column(sa.Float)
    wastewater_status: Mapped[WastewaterStatus | None] = mapped_column(
        enum_type(WastewaterStatus, "wastewater_status")
    )
    eco_industrial_programme: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    site: Mapped[Site] = relationship(back_populates="zone_details", lazy="raise")


class MiningDetails(VersionedMixin, Base):
    """Facts of a mining site: mineral, licence, offtake contract, rehabilitation deposit."""

    __tablename__ = "mining_details"

    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    mineral: Mapped[str] = mapped_column(sa.Text)
    licence_number: Mapped[str | None] = mapped_column(sa.Text)
    licence_status: Mapped[LicenceStatus] = mapped_column(
        enum_type(LicenceStatus, "licence_status")
    )
    licensed_capacity: Mapped[str | None] = mapped_column(sa.Text)
    offtake_contract: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    offtake_contract_ref: Mapped[str | None] = mapped_column(sa.Text)
    rehabilitation_deposit_bn_vnd: Mapped[float | None] = mapped_column(sa.Float)

    site: Mapped[Site] = relationship(back_populates="mining_details", lazy="raise")


class RelocationDetails(VersionedMixin, Base):
    """Facts of a relocation: the site moved from and to, households, deadline."""

    __tablename__ = "relocation_details"

    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    moved_from_site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="SET NULL")
    )
    moved_to_site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="SET NULL")
    )
    households_planned: Mapped[int | None] = mapped_column(sa.Integer)
    households_relocated: Mapped[int | None] = mapped_column(sa.Integer)
    deadline: Mapped[date | None] = mapped_column(sa.Date)

    site: Mapped[Site] = relationship(
        back_populates="relocation_details", lazy="raise", foreign_keys=[site_id]
    )
    moved_from: Mapped[Site | None] = relationship(lazy="raise", foreign_keys=[moved_from_site_id])
    moved_to: Mapped[Site | None] = relationship(lazy="raise", foreign_keys=[moved_to_site_id])
