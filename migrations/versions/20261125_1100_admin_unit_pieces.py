"""Province and district outlines cut into small pieces, kept current by a trigger.

A proposal check asks which provinces and former districts a ~500 ha outline meets and how
many hectares it takes from each. The outlines have 2 000–3 250 vertices: reading (detoasting)
and intersecting whole outlines was a third of the check (bench/README.md). ``ST_Subdivide``
pieces of at most 128 vertices answer the same question from the few pieces the proposal meets.

Revision ID: 0009_admin_unit_pieces
Revises: 0008_forest_synthetic_index
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0009_admin_unit_pieces"
down_revision: str | None = "0008_forest_synthetic_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_VERTICES = 128

# Row trigger: admin_units holds a few hundred rows, loaded by upsert. Deleted units lose their
# pieces through the foreign key's ON DELETE CASCADE.
SYNC_FUNCTION = f"""
CREATE FUNCTION admin_unit_pieces_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM admin_unit_pieces WHERE unit_id = NEW.id;
    INSERT INTO admin_unit_pieces (unit_id, level, geom)
    SELECT NEW.id, NEW.level, piece
    FROM ST_Subdivide(NEW.geom, {MAX_VERTICES}) AS piece
    WHERE NEW.geom IS NOT NULL;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)
TRIGGERS = {
    "admin_unit_pieces_insert": "AFTER INSERT ON admin_units FOR EACH ROW",
    "admin_unit_pieces_update": "AFTER UPDATE OF geom, level ON admin_units FOR EACH ROW",
}
FILL = f"""
INSERT INTO admin_unit_pieces (unit_id, level, geom)
SELECT u.id, u.level, ST_Subdivide(u.geom, {MAX_VERTICES})
FROM admin_units AS u
WHERE u.geom IS NOT NULL
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


def upgrade() -> None:
    op.create_table(
        "admin_unit_pieces",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "province_2025",
                "province_pre2025",
                "district_pre2025",
                "commune_2025",
                name="admin_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POLYGON", srid=4326, spatial_index=False, from_text="ST_GeomFromEWKT"
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["admin_units.id"],
            name=op.f("fk_admin_unit_pieces_unit_id_admin_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_unit_pieces")),
    )
    op.create_index(
        "ix_admin_unit_pieces_geom", "admin_unit_pieces", ["geom"], postgresql_using="gist"
    )
    op.create_index(op.f("ix_admin_unit_pieces_unit_id"), "admin_unit_pieces", ["unit_id"])
    op.execute(SYNC_FUNCTION)
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION admin_unit_pieces_sync()")
    op.execute(FILL)
    op.execute("ANALYZE admin_unit_pieces")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON admin_units")
    op.execute("DROP FUNCTION admin_unit_pieces_sync()")
    op.drop_table("admin_unit_pieces")
