"""Site history: every update bumps ``version`` and ``updated_at`` and keeps the old row.

Revision ID: 0003_site_history
Revises: 0002_registry
Create Date: 2026-11-25 08:24:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_site_history"
down_revision: str | None = "0002_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION sites_keep_history() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- The old row goes to sites_history with its geometry as GeoJSON, so a version
            -- can be read back without PostGIS-specific decoding.
            INSERT INTO sites_history (site_id, code, version, operation, row)
            VALUES (
                OLD.id, OLD.code, OLD.version, TG_OP,
                (to_jsonb(OLD) - 'geom') || jsonb_build_object('geom', ST_AsGeoJSON(OLD.geom)::jsonb)
            );
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            -- Writers that bypass the ORM still get a new version number.
            IF NEW.version = OLD.version THEN
                NEW.version := OLD.version + 1;
            END IF;
            NEW.updated_at := now();
            RETURN NEW;
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER trg_sites_history BEFORE UPDATE OR DELETE ON sites "
        "FOR EACH ROW EXECUTE FUNCTION sites_keep_history()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_sites_history ON sites")
    op.execute("DROP FUNCTION IF EXISTS sites_keep_history()")
