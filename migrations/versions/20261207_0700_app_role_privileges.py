"""Grant the server's role (sitereg_app) what the registry needs and nothing more.

Privileges only. The role reads and writes the registry's tables (the owner's, not the
extensions'), uses their sequences, runs the project's SQL functions, and only reads
``spatial_ref_sys``, ``alembic_version`` and PostGIS's catalog views. Default privileges give it
the same on tables, sequences and functions that the migrating role creates later. A database
without the role (an external server whose DBA has not created it) gets a notice and no grants;
README "The database" lists what the DBA runs.

Revision ID: 0018_app_role_privileges
Revises: 0017_seed_agencies
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_app_role_privileges"
down_revision: str | None = "0017_seed_agencies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The role is named in the SQL below (sitereg_app; devcluster.cluster.APP_ROLE creates it in the
# embedded cluster). Tables, sequences and functions that are members of an extension (PostGIS's
# spatial_ref_sys, its functions) are not ours: the role only reads them, through PUBLIC's rights.

GRANT = """
DO $grant$
DECLARE
    item record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitereg_app') THEN
        RAISE NOTICE 'role sitereg_app does not exist: no grants (see README, The database)';
        RETURN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO sitereg_app', current_database());
    GRANT USAGE ON SCHEMA public TO sitereg_app;
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind, c.relname
        FROM pg_class AS c
        WHERE c.relnamespace = 'public'::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    LOOP
        IF item.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO sitereg_app', item.name);
        ELSIF item.relkind = 'r' AND item.relname <> 'alembic_version'
              AND NOT EXISTS (
                  SELECT 1 FROM pg_depend AS d WHERE d.objid = item.name::oid AND d.deptype = 'e'
              ) THEN
            EXECUTE format(
                'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO sitereg_app', item.name
            );
        ELSE
            EXECUTE format('GRANT SELECT ON TABLE %s TO sitereg_app', item.name);
        END IF;
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc AS p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e'
          )
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO sitereg_app', item.name);
    END LOOP;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sitereg_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sitereg_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO sitereg_app;
END
$grant$
"""

REVOKE = """
DO $revoke$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitereg_app') THEN
        RETURN;
    END IF;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM sitereg_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM sitereg_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM sitereg_app;
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sitereg_app;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sitereg_app;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM sitereg_app;
    REVOKE USAGE ON SCHEMA public FROM sitereg_app;
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM sitereg_app', current_database());
END
$revoke$
"""


def upgrade() -> None:
    op.execute(GRANT)


def downgrade() -> None:
    op.execute(REVOKE)
