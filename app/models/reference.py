"""Reference layers: forest land, protected areas, administrative units."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.common import ProvenanceMixin, VersionedMixin, enum_type, geometry_type, gist
from app.models.enums import AdminLevel, ForestCategory, ForestOrigin


class ForestParcel(VersionedMixin, ProvenanceMixin, Base):
    """A forest-land parcel by category and origin; ``synthetic`` marks generated demo data."""

    __tablename__ = "forest_parcels"
    __table_args__ = (
        gist("forest_parcels"),
        # Lets every answer tell at once whether a dataset is synthetic (forest_layer.sql).
        sa.Index(
            "ix_forest_parcels_synthetic_dataset", "dataset", postgresql_where=sa.text("synthetic")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    category: Mapped[ForestCategory] = mapped_column(
        enum_type(ForestCategory, "forest_category"), index=True
    )
    origin: Mapped[ForestOrigin] = mapped_column(enum_type(ForestOrigin, "forest_origin"))
    dataset: Mapped[str] = mapped_column(sa.Text, index=True)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    licence: Mapped[str] = mapped_column(sa.Text)
    geom: Mapped[Any] = mapped_column(geometry_type("MULTIPOLYGON"))
    # Stored so that reports can skip the intersection for parcels a site fully covers; a trigger
    # fills it from geom on every write, so dumps carry the value (migration 0029).
    area_ha: Mapped[float] = mapped_column(
        sa.Float, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    # Tiles at full detail snap a parcel themselves when it is this far from becoming invalid
    # (migration 0011, app.ogc.tiles.sql). Filled by the same trigger.
    tile_clearance_deg: Mapped[float] = mapped_column(
        sa.Float, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    # The inventory's own codes (three-forest-types, land/forest state, origin) as the file had
    # them, beside the mapped category and origin; and the import that brought this version.
    source_codes: Mapped[dict[str, str] | None] = mapped_column(JSONB, nullable=True)
    # The file's descriptive fields as the mapping names them (commune, plot, forest owner, ...).
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    # No foreign key: checking it cost more than the rest of an import's row (migration 0024).
    import_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class ProtectedArea(VersionedMixin, ProvenanceMixin, Base):
    """A national park or nature reserve; often known only by a locator point or a bbox."""

    __tablename__ = "protected_areas"
    __table_args__ = (gist("protected_areas"), gist("protected_areas", "locator"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.Text)
    designation: Mapped[str | None] = mapped_column(sa.Text)
    stated_area: Mapped[str | None] = mapped_column(sa.Text)
    legal_basis: Mapped[str | None] = mapped_column(sa.Text)
    use_for_overlap_analysis: Mapped[bool] = mapped_column(sa.Boolean)
    licence: Mapped[str] = mapped_column(sa.Text)
    geom: Mapped[Any | None] = mapped_column(geometry_type("MULTIPOLYGON"), nullable=True)
    locator: Mapped[Any | None] = mapped_column(geometry_type("POINT"), nullable=True)
    # Set on areas brought by an import (``sitereg import --layer protected_areas``); the
    # indicative demo areas have none, and imports never touch them.
    dataset: Mapped[str | None] = mapped_column(sa.Text, nullable=True, index=True)
    source_codes: Mapped[dict[str, str] | None] = mapped_column(JSONB, nullable=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    import_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class AdminUnit(ProvenanceMixin, Base):
    """A province, former district or 2025 commune; communes have only a label point."""

    __tablename__ = "admin_units"
    __table_args__ = (gist("admin_units"), gist("admin_units", "label_point"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    level: Mapped[AdminLevel] = mapped_column(enum_type(AdminLevel, "admin_level"), index=True)
    name: Mapped[str] = mapped_column(sa.Text)
    province: Mapped[str | None] = mapped_column(sa.Text)
    qa_flags: Mapped[str | None] = mapped_column(sa.Text)
    licence: Mapped[str] = mapped_column(sa.Text)
    geom: Mapped[Any | None] = mapped_column(geometry_type("MULTIPOLYGON"), nullable=True)
    label_point: Mapped[Any | None] = mapped_column(geometry_type("POINT"), nullable=True)
    # Set on units brought by an import (official boundaries); the demo's units have none.
    dataset: Mapped[str | None] = mapped_column(sa.Text, nullable=True, index=True)
    source_codes: Mapped[dict[str, str] | None] = mapped_column(JSONB, nullable=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    import_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class AdminUnitPiece(Base):
    """A piece of at most 128 vertices of a province or district outline (``ST_Subdivide``).

    A trigger on ``admin_units`` (migration ``0009_admin_unit_pieces``) rebuilds a unit's pieces
    whenever its outline changes, so a proposal check reads a few small pieces instead of whole
    2 000–3 250-vertex outlines. Never written by the application.
    """

    __tablename__ = "admin_unit_pieces"
    __table_args__ = (gist("admin_unit_pieces"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admin_units.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[AdminLevel] = mapped_column(enum_type(AdminLevel, "admin_level"))
    geom: Mapped[Any] = mapped_column(geometry_type("POLYGON"))
