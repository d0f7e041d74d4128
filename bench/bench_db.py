"""Benchmark databases on the embedded cluster: names, URLs, creation, and raw SQL for psycopg."""

from __future__ import annotations

import sys
from typing import Final

from app.settings import Settings
from devcluster.cluster import EmbeddedCluster, create_database, drop_database

BENCH_PREFIX: Final = "sitereg_bench"
"""Every benchmark database name starts with this; nothing else is ever dropped."""


def cluster() -> EmbeddedCluster:
    """Return the embedded cluster as configured by the environment (``SITEREG_CLUSTER__*``)."""
    return EmbeddedCluster(Settings().cluster)


def ensure_cluster_running() -> None:
    """Exit with the fixing command when the embedded cluster is not running (never start it)."""
    if not cluster().status().running:
        sys.exit("the embedded PostgreSQL cluster is not running: .venv/bin/sitereg db start")


def admin_url() -> str:
    """Return the SQLAlchemy URL of the cluster's ``postgres`` maintenance database."""
    return cluster().url("postgres")


def database_url(database: str) -> str:
    """Return the SQLAlchemy URL (``postgresql+psycopg://``) of a benchmark database."""
    return cluster().url(database)


def conninfo(url: str) -> str:
    """Return a libpq connection string for psycopg from a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def default_database(parcels: int) -> str:
    """Return ``sitereg_bench`` for 200 000 parcels, else ``sitereg_bench_<label>``."""
    from synthetic_layers import dataset_label

    return BENCH_PREFIX if parcels == 200_000 else f"{BENCH_PREFIX}_{dataset_label(parcels)}"


def check_bench_name(database: str) -> None:
    """Refuse any database that is not a benchmark database (the demo and tests stay untouched).

    Raises:
        SystemExit: when the name does not start with ``sitereg_bench``.
    """
    if not database.startswith(BENCH_PREFIX):
        raise SystemExit(
            f"refusing to use {database!r}: benchmark databases start with {BENCH_PREFIX!r}"
        )


def recreate_database(database: str) -> str:
    """Drop and create a benchmark database; return its URL."""
    check_bench_name(database)
    drop_database(admin_url(), database)
    create_database(admin_url(), database)
    return database_url(database)


def database_exists(database: str) -> bool:
    """Tell whether ``database`` exists on the cluster."""
    import psycopg

    with psycopg.connect(conninfo(admin_url())) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
    return row is not None


def check_schema_current(database: str) -> None:
    """Exit with the fixing command when ``database`` is not migrated to the code's head.

    A benchmark database built before a migration makes the server answer 500s, which would
    read as a slow server rather than a stale database.
    """
    import psycopg
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.settings import PROJECT_ROOT

    head = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()
    with psycopg.connect(conninfo(database_url(database))) as conn:
        current = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if current is None or current[0] != head:
        sys.exit(
            f"{database} is at {current[0] if current else 'no revision'}, the code at {head}: "
            f"DATABASE_URL='{database_url(database)}' .venv/bin/sitereg db upgrade"
        )
