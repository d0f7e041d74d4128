"""The server's role (``DATABASE_URL``; ``sitereg_app`` on the embedded cluster) owns nothing.

It reads and writes the registry, and every attempt to change the schema, create a role, run a
program or read password hashes is refused by PostgreSQL itself.
"""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url

from app import cli
from app.settings import ClusterSettings, Settings
from devcluster.cluster import APP_ROLE, SUPERUSER


@pytest.fixture
def app_conn(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection as the server's role inside a transaction that is rolled back."""
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        yield conn
        conn.rollback()


def _refused(conn: psycopg.Connection, statement: str) -> None:
    # Rolled back even if PostgreSQL let it through, so a failing test changes nothing.
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction(force_rollback=True):
        conn.execute(statement)  # type: ignore[arg-type] (fixed statements of this module)


def test_app_role_is_the_unprivileged_login_role(app_conn: psycopg.Connection):
    # On a server without the role the tests' app connects as the DATABASE_URL role: create
    # sitereg_app there (README, The database) for this module to pass.
    row = app_conn.execute(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (APP_ROLE, False, False, False, False, False)


def test_app_role_owns_nothing(app_conn: psycopg.Connection):
    owned = app_conn.execute(
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole)"
        " + (SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole)"
        " + (SELECT count(*) FROM pg_namespace WHERE nspowner = current_user::regrole)"
        " + (SELECT count(*) FROM pg_database WHERE datdba = current_user::regrole)"
    ).fetchone()
    assert owned == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.intruder (id integer)",
        "DROP TABLE sites",
        "TRUNCATE sites_versions",
        "DELETE FROM sites_versions",
        "UPDATE registry_changes SET actor = 'someone else'",
        "DELETE FROM registry_changes",
        "ALTER TABLE sites ADD COLUMN intruder integer",
        "CREATE ROLE intruder LOGIN",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "SELECT rolpassword FROM pg_authid",
        "UPDATE alembic_version SET version_num = version_num",
        "DELETE FROM spatial_ref_sys WHERE srid = 4326",
    ],
)
def test_app_role_is_refused(app_conn: psycopg.Connection, statement: str):
    _refused(app_conn, statement)


def test_app_role_reads_and_writes_a_site_and_its_history(app_conn: psycopg.Connection):
    code = app_conn.execute("SELECT code FROM sites ORDER BY code LIMIT 1").fetchone()
    assert code is not None
    before = app_conn.execute("SELECT count(*) FROM sites_versions").fetchone()
    updated = app_conn.execute(
        "UPDATE sites SET name = name || ' (renamed)' WHERE code = %s RETURNING name", code
    ).fetchone()
    assert updated is not None and updated[0].endswith(" (renamed)")
    after = app_conn.execute("SELECT count(*) FROM sites_versions").fetchone()
    assert before is not None and after == (before[0] + 1,)


def test_app_role_runs_the_projects_sql_functions(app_conn: psycopg.Connection):
    row = app_conn.execute(
        "SELECT area_ha(geom) > 0, sitereg_fold('Lào Cai') FROM sites ORDER BY code LIMIT 1"
    ).fetchone()
    assert row == (True, "lao cai")


def test_embedded_cluster_serves_as_the_app_role_and_migrates_as_its_superuser(tmp_path: Path):
    settings = Settings(
        database_url=None, migration_database_url=None, cluster=ClusterSettings(data_dir=tmp_path)
    )
    assert make_url(cli.database_url(settings)).username == APP_ROLE
    assert make_url(cli.migration_database_url(settings)).username == SUPERUSER


def test_migration_url_defaults_to_database_url_and_can_differ():
    served = "postgresql+psycopg://sitereg_app@db/sitereg"
    owner = "postgresql+psycopg://sitereg@db/sitereg"
    alone = Settings(database_url=served, migration_database_url=None)
    assert cli.database_url(alone) == cli.migration_database_url(alone) == served
    both = Settings(database_url=served, migration_database_url=owner)
    assert (cli.database_url(both), cli.migration_database_url(both)) == (served, owner)
