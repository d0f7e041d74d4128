"""One field says how each site outline's location is known.

``sites.location_confidence``: ``surveyed`` (a coordinate table), ``digitized`` (from a published
map), ``site_point`` (an indicative outline placed at a published point of the site itself),
``commune`` (placed at a named commune), ``district`` (placed at a district-level fallback
point), ``unknown`` (a placeholder point, or no location at all). It
replaces the location notes scattered in ``source_quality`` (``location_confidence:…``) and
``qa_flags``. For surveyed and digitized outlines it follows ``geometry_source`` (a trigger
keeps the two in step); for indicative ones it is curated (``data/curated/site_locations.csv``)
and ``unknown`` until someone says better. Findings against outlines whose location is not
surveyed or digitized are reported as "location uncertain", not as conflicts.

Revision ID: 0027_location_confidence
Revises: 0026_site_establishment
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0027_location_confidence"
down_revision: str | None = "0026_site_establishment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOW = """
CREATE FUNCTION sitereg_location_follows_source() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A surveyed or digitized outline is located as its source says; an indicative one keeps
    -- what it was given (or 'unknown').
    IF NEW.geometry_source IN ('surveyed', 'digitized') THEN
        NEW.location_confidence := NEW.geometry_source;
    ELSIF NEW.location_confidence IN ('surveyed', 'digitized') THEN
        NEW.location_confidence := 'unknown';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER trg_sites_location_follows_source
    BEFORE INSERT OR UPDATE OF geometry_source, location_confidence ON sites
    FOR EACH ROW EXECUTE FUNCTION sitereg_location_follows_source();
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE sites ADD COLUMN location_confidence text NOT NULL DEFAULT 'unknown' "
        "CONSTRAINT ck_sites_location_confidence CHECK (location_confidence IN "
        "('surveyed', 'digitized', 'site_point', 'commune', 'district', 'unknown'))"
    )
    op.execute(
        "UPDATE sites SET location_confidence = geometry_source "
        "WHERE geometry_source IN ('surveyed', 'digitized')"
    )
    op.execute(FOLLOW)
    op.execute("SELECT sitereg_versioning_install('sites', true)")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_sites_location_follows_source ON sites")
    op.execute("DROP FUNCTION IF EXISTS sitereg_location_follows_source()")
    for table in ("sites", "sites_versions"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS location_confidence")
    op.execute("SELECT sitereg_versioning_install('sites', true)")
