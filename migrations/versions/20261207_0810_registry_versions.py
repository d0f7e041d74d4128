"""Every version of every editable row, kept by the database: ``<table>_versions`` and a feed.

Each editable table gets ``version`` and ``recorded_from`` (when this version entered the
registry: ISO 19152 LADM's ``beginLifespanVersion``); a ``<table>_versions`` twin keeps every
replaced or deleted version with its ``recorded_to`` (``endLifespanVersion``). Triggers write
them, so no writer (the API, the CLI, an import, psql) can change a row without history.

``registry_changes`` is the registry-wide feed: one row per created, updated or deleted feature
with who (``sitereg.actor_id`` / ``sitereg.actor``), which request, which legal decision (and
its date) and why, read from transaction-local settings the write service sets
(``app.services.change_context``). ``registry_state.data_version`` grows once per writing
transaction, stamped at commit by a deferred trigger: the row lock that orders the versions is
taken and released inside COMMIT, never held while a client sends its next statement. So data
versions follow commits, and caches, ETags and the feed's cursor can key on them across
processes and replicas.

``sitereg_versioning_install(table, feed)`` (re)builds a table's twin, triggers and
``<table>_as_of(timestamptz)`` function from the table's current columns: a later migration that
adds a column calls it again.

Revision ID: 0021_registry_versions
Revises: 0020_personal_fields
Create Date: 2026-12-07 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021_registry_versions"
down_revision: str | None = "0020_personal_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, in the feed): details tables are versioned with their site, which the feed names.
VERSIONED = (
    ("sites", True),
    ("zone_details", False),
    ("mining_details", False),
    ("relocation_details", False),
    ("clearance_parcels", True),
    ("infrastructure", True),
    ("forest_parcels", True),
    ("protected_areas", True),
)

STATE = """
CREATE TABLE registry_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    data_version bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO registry_state DEFAULT VALUES;

CREATE TABLE registry_changes (
    id bigserial PRIMARY KEY,
    -- Set at commit (sitereg_stamp_data_version); NULL only inside the writing transaction.
    data_version bigint,
    xact bigint NOT NULL DEFAULT txid_current(),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    layer text NOT NULL,
    feature_id integer NOT NULL,
    code text,
    version integer NOT NULL,
    operation text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    actor_id integer REFERENCES users (id),
    actor text NOT NULL,
    request_id text,
    decision_id integer REFERENCES legal_decisions (id),
    decision_date date,
    reason text,
    draft_id bigint
);
CREATE INDEX ix_registry_changes_data_version ON registry_changes (data_version);
CREATE INDEX ix_registry_changes_unstamped ON registry_changes (xact) WHERE data_version IS NULL;
CREATE INDEX ix_registry_changes_recorded_at ON registry_changes (recorded_at);
CREATE INDEX ix_registry_changes_feature ON registry_changes (layer, feature_id, version);

-- At commit (deferred), once per transaction: the next data version, stamped on the
-- transaction's feed rows. Runs as the owner: the application role may not update the feed.
CREATE FUNCTION sitereg_stamp_data_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    dv bigint;
BEGIN
    -- Set by the versioning triggers of each writing statement; the first deferred event of
    -- the transaction stamps them all, the others find nothing to do.
    IF current_setting('sitereg.unstamped', true) IS DISTINCT FROM 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('sitereg.unstamped', 'no', true);
    UPDATE registry_state SET data_version = data_version + 1, changed_at = now()
        RETURNING data_version INTO dv;
    UPDATE registry_changes SET data_version = dv
        WHERE xact = txid_current() AND data_version IS NULL;
    RETURN NULL;
END $$;

-- One transaction-local setting, NULL when unset or empty.
CREATE FUNCTION sitereg_setting(name text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('sitereg.' || name, true), '') $$;
"""

INSTALL = r"""
CREATE FUNCTION sitereg_versioning_install(tbl text, feed boolean) RETURNS void
LANGUAGE plpgsql AS $install$
DECLARE
    twin text := tbl || '_versions';
    key text;
    cols text;
    o_cols text;
    has_updated boolean;
    missing record;
    feed_sql text := '';
BEGIN
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1',
                   tbl);
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS recorded_from timestamptz '
                   'NOT NULL DEFAULT now()', tbl);
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I (LIKE %I)', twin, tbl);
    FOR missing IN
        SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
        FROM pg_attribute a
        WHERE a.attrelid = tbl::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = twin::regclass
                          AND b.attname = a.attname AND NOT b.attisdropped)
    LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN %I %s', twin, missing.attname, missing.type);
    END LOOP;
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS recorded_to timestamptz NOT NULL',
                   twin);

    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum),
           string_agg('o.' || quote_ident(attname), ', ' ORDER BY attnum),
           bool_or(attname = 'updated_at')
      INTO cols, o_cols, has_updated
      FROM pg_attribute
     WHERE attrelid = tbl::regclass AND attnum > 0 AND NOT attisdropped;
    key := CASE WHEN tbl IN ('zone_details', 'mining_details', 'relocation_details')
                THEN 'site_id' ELSE 'id' END;

    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (%I, version)',
                   'ix_' || twin || '_key', twin, key);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (recorded_to)',
                   'ix_' || twin || '_recorded_to', twin);
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = twin::regclass AND attname = 'geom')
    THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom)',
                       'ix_' || twin || '_geom', twin);
    END IF;

    -- A new version of a row: its number (unless the writer set it) and its start.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF NEW.version = OLD.version THEN
                NEW.version := OLD.version + 1;
            END IF;
            NEW.recorded_from := now();
            %s
            RETURN NEW;
        END $body$ $f$,
        tbl || '_new_version',
        CASE WHEN has_updated THEN 'NEW.updated_at := now();' ELSE '' END);

    IF feed THEN
        feed_sql := format($f$
            INSERT INTO registry_changes (layer, feature_id, code, version,
                operation, actor_id, actor, request_id, decision_id, decision_date, reason,
                draft_id)
            SELECT %L, r.id, r.code, r.version + CASE WHEN TG_OP = 'DELETE' THEN 1 ELSE 0 END,
                   CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update'
                              ELSE 'delete' END,
                   sitereg_setting('actor_id')::integer,
                   coalesce(sitereg_setting('actor'), session_user),
                   sitereg_setting('request_id'),
                   sitereg_setting('decision_id')::integer,
                   (SELECT d.decision_date FROM legal_decisions d
                     WHERE d.id = sitereg_setting('decision_id')::integer),
                   sitereg_setting('reason'),
                   sitereg_setting('draft_id')::bigint
              FROM rows r;$f$, tbl);
    END IF;

    -- After each statement: the replaced or deleted versions, the feed, the data version.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
                PERFORM set_config('sitereg.unstamped', 'yes', true);
                %s
                RETURN NULL;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
            PERFORM set_config('sitereg.unstamped', 'yes', true);
            INSERT INTO %I (%s, recorded_to)
            SELECT %s, now() FROM old_rows o;
            IF TG_OP = 'UPDATE' THEN
                %s
            ELSE
                %s
            END IF;
            RETURN NULL;
        END $body$ $f$,
        tbl || '_keep_versions',
        replace(feed_sql, 'FROM rows r', 'FROM new_rows r'),
        twin, cols, o_cols,
        replace(feed_sql, 'FROM rows r', 'FROM new_rows r'),
        replace(feed_sql, 'FROM rows r', 'FROM old_rows r'));

    -- The data version is stamped at commit: through the feed's rows, or, for a table outside
    -- the feed (a site's details), through its own rows.
    IF NOT feed THEN
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'trg_' || tbl || '_stamp', tbl);
        EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                       'EXECUTE FUNCTION sitereg_stamp_data_version()',
                       'trg_' || tbl || '_stamp', tbl);
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'trg_' || tbl || '_new_version', tbl);
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION %I()',
                   'trg_' || tbl || '_new_version', tbl, tbl || '_new_version');
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'trg_' || tbl || '_versions_ins', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                   'trg_' || tbl || '_versions_ins', tbl, tbl || '_keep_versions');
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'trg_' || tbl || '_versions_upd', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                   'trg_' || tbl || '_versions_upd', tbl, tbl || '_keep_versions');
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'trg_' || tbl || '_versions_del', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                   'trg_' || tbl || '_versions_del', tbl, tbl || '_keep_versions');

    -- The table as it stood at a recorded time; inlined by the planner (one SQL SELECT).
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I(at timestamptz) RETURNS SETOF %I
        LANGUAGE sql STABLE AS $body$
            SELECT * FROM %I WHERE recorded_from <= at
            UNION ALL
            SELECT %s FROM %I WHERE recorded_from <= at AND recorded_to > at
        $body$ $f$,
        tbl || '_as_of', tbl, tbl, cols, twin);
END
$install$;
"""


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_sites_history ON sites")
    op.execute("DROP FUNCTION IF EXISTS sites_keep_history()")
    op.execute("DROP TABLE IF EXISTS sites_history")
    op.execute(STATE)
    # A site can be a phase or a part of another site (the seeds' "giai đoạn", "mở rộng").
    op.execute(
        "ALTER TABLE sites ADD COLUMN part_of_site_id integer "
        "CONSTRAINT fk_sites_part_of_site_id_sites REFERENCES sites (id) ON DELETE SET NULL, "
        "ADD COLUMN part_relation text CONSTRAINT ck_sites_part_relation "
        "CHECK (part_relation IN ('phase', 'part')), "
        "ADD CONSTRAINT ck_sites_part_named CHECK ((part_of_site_id IS NULL) = (part_relation IS NULL))"
    )
    op.execute("CREATE INDEX ix_sites_part_of_site_id ON sites (part_of_site_id)")
    op.execute(INSTALL)
    op.execute(
        "CREATE CONSTRAINT TRIGGER trg_registry_changes_stamp AFTER INSERT ON registry_changes "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION sitereg_stamp_data_version()"
    )
    for table, feed in VERSIONED:
        op.execute(f"SELECT sitereg_versioning_install('{table}', {str(feed).lower()})")
    # The application role (migration 0018's default privileges) may add history, never
    # rewrite it: the twins and the feed are append-only for it.
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitereg_app') THEN
                REVOKE UPDATE, DELETE, TRUNCATE ON registry_changes FROM sitereg_app;
                REVOKE DELETE, TRUNCATE ON registry_state FROM sitereg_app;
                REVOKE UPDATE, DELETE, TRUNCATE ON sites_versions, zone_details_versions,
                    mining_details_versions, relocation_details_versions,
                    clearance_parcels_versions, infrastructure_versions,
                    forest_parcels_versions, protected_areas_versions FROM sitereg_app;
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    for table, _ in reversed(VERSIONED):
        for suffix in ("new_version", "versions_ins", "versions_upd", "versions_del", "stamp"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_{suffix} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_new_version()")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_keep_versions()")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_as_of(timestamptz)")
        op.execute(f"DROP TABLE IF EXISTS {table}_versions")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS recorded_from")
        if table != "sites":
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS version")
    op.execute("DROP FUNCTION IF EXISTS sitereg_versioning_install(text, boolean)")
    op.execute(
        "ALTER TABLE sites DROP COLUMN IF EXISTS part_of_site_id, "
        "DROP COLUMN IF EXISTS part_relation"
    )
    op.execute("DROP FUNCTION IF EXISTS sitereg_setting(text)")
    op.execute("DROP TABLE IF EXISTS registry_changes")
    op.execute("DROP TABLE IF EXISTS registry_state")
    op.execute("DROP FUNCTION IF EXISTS sitereg_stamp_data_version()")
    # Migration 0003's history as it was (its rows since are in the dropped twins).
    op.execute(
        """
        CREATE TABLE sites_history (
            id serial CONSTRAINT pk_sites_history PRIMARY KEY,
            site_id integer NOT NULL,
            code varchar(64) NOT NULL,
            version integer NOT NULL,
            operation varchar(8) NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now(),
            row jsonb NOT NULL
        );
        CREATE INDEX ix_sites_history_code ON sites_history (code);
        CREATE INDEX ix_sites_history_site_id ON sites_history (site_id);
        CREATE FUNCTION sites_keep_history() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO sites_history (site_id, code, version, operation, row)
            VALUES (OLD.id, OLD.code, OLD.version, TG_OP,
                    (to_jsonb(OLD) - 'geom')
                    || jsonb_build_object('geom', ST_AsGeoJSON(OLD.geom)::jsonb));
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            IF NEW.version = OLD.version THEN
                NEW.version := OLD.version + 1;
            END IF;
            NEW.updated_at := now();
            RETURN NEW;
        END $$;
        CREATE TRIGGER trg_sites_history BEFORE UPDATE OR DELETE ON sites
            FOR EACH ROW EXECUTE FUNCTION sites_keep_history();
        """
    )
