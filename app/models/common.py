"""Column helpers shared by the ORM tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.enums import GeometrySource

SRID = 4326


def enum_type(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """Return a VARCHAR + CHECK enum type storing the enum's values (portable migrations)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def geometry_type(geometry_type_name: str) -> Geometry:
    """Return an EPSG:4326 geometry type; its GiST index is declared on the table."""
    return Geometry(geometry_type_name, srid=SRID, spatial_index=False)


class ProvenanceMixin:
    """Where a geometry comes from, and under which licence."""

    geometry_source: Mapped[GeometrySource] = mapped_column(
        enum_type(GeometrySource, "geometry_source")
    )
    provenance: Mapped[str] = mapped_column(sa.Text)


class ImportedMixin:
    """Which imported dataset owns a row (NULL: kept by hand), its source codes and fields."""

    dataset: Mapped[str | None] = mapped_column(sa.Text, nullable=True, index=True)
    source_codes: Mapped[dict[str, str] | None] = mapped_column(JSONB, nullable=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    import_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class TimestampMixin:
    """Creation and last-update times, set by the database."""

    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class VersionedMixin:
    """A row the database keeps every version of (migration 0021, ``<table>_versions``).

    ``version`` counts the row's versions; ``recorded_from`` is when this one entered the
    registry (ISO 19152 LADM ``beginLifespanVersion``). Triggers set both on every update.
    """

    version: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    recorded_from: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


def gist(table: str, column: str = "geom") -> Any:
    """Return the GiST index declaration of a geometry column."""
    return sa.Index(f"ix_{table}_{column}", column, postgresql_using="gist")
