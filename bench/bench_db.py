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
