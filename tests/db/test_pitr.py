import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from async_pool import run_async
from psycopg_pool import AsyncConnectionPool
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.metrics import archive_lines
from app.services.backup import create_backup, read_manifest
from devcluster.cluster import EmbeddedCluster
from devcluster.pitr import _label, archiving_enabled, base_backup, prune, recover
from devcluster.scratch import scratch_cluster


def _sql(cluster: EmbeddedCluster, statement: str) -> list[tuple[object, ...]]:
    conninfo = cluster.url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def _wait_archived(cluster: EmbeddedCluster, segment: str) -> None:
    """Wait until the archiver has copied ``segment`` and said so (at most 30 s)."""
    deadline = time.monotonic() + 30
    while not (cluster.wal_archive / segment).exists() or not _sql(
        cluster,
        f"SELECT 1 FROM pg_stat_archiver WHERE last_archived_wal >= '{segment}'",  # noqa: S608 (a WAL file name from the server)
    ):
        if time.monotonic() > deadline:
            pytest.fail(f"WAL segment {segment} was not archived to {cluster.wal_archive}")
        time.sleep(0.1)


def _add_note(cluster: EmbeddedCluster, note: str) -> datetime:
    """Insert a note in its own transaction and return the server time after its commit."""
    _sql(cluster, f"INSERT INTO notes (line) VALUES ('{note}')")  # noqa: S608 (test constants)
    moment = _sql(cluster, "SELECT clock_timestamp()")[0][0]
    assert isinstance(moment, datetime)
    return moment


def test_a_new_cluster_archives_its_wal():
    with scratch_cluster() as cluster:
        assert archiving_enabled(cluster)
        segment = _sql(cluster, "SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
        _sql(cluster, "SELECT pg_switch_wal()")
        _wait_archived(cluster, str(segment))
        lines = run_async(_metrics(cluster))
        assert "sitereg_wal_archive_failures_total 0" in lines
        age = [line for line in lines if line.startswith("sitereg_wal_archive_age_seconds ")]
        assert len(age) == 1 and float(age[0].split()[1]) >= 0


async def _metrics(cluster: EmbeddedCluster) -> list[str]:
    """The /metrics lines about the WAL archive, read as the server's role."""
    conninfo = cluster.app_url().replace("postgresql+psycopg://", "postgresql://")
    async with AsyncConnectionPool(conninfo, min_size=1, max_size=1, open=False) as pool:
        return await archive_lines(pool, timeout_s=10.0)


def test_point_in_time_restore_recovers_a_change_made_after_the_last_dump(tmp_path: Path):
    with scratch_cluster() as cluster:
        _sql(cluster, "CREATE TABLE notes (line text)")
        _sql(cluster, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        _sql(cluster, "INSERT INTO alembic_version VALUES ('0026_site_establishment')")
        base_backup(cluster)
        _add_note(cluster, "in the dump")
        create_backup(cluster.url(), tmp_path / "last.backup")
        target = _add_note(cluster, "after the dump")
        _add_note(cluster, "after the target time")
        segment = _sql(cluster, "SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
        _sql(cluster, "SELECT pg_switch_wal()")
        _wait_archived(cluster, str(segment))
        cluster.stop()
        replaced = recover(cluster, target)
        assert replaced.exists()
        notes = [row[0] for row in _sql(cluster, "SELECT line FROM notes ORDER BY line")]
        assert notes == ["after the dump", "in the dump"]
        assert read_manifest(tmp_path / "last.backup")["tables"]["public.notes"] == 1
        # The recovered cluster is an ordinary one again: writable, and it still archives.
        _sql(cluster, "INSERT INTO notes (line) VALUES ('after the recovery')")
        assert archiving_enabled(cluster)


def test_prune_keeps_the_newest_base_backups_and_the_wal_they_need():
    with scratch_cluster() as cluster:
        first = base_backup(cluster)
        _sql(cluster, "SELECT pg_switch_wal()")
        second = base_backup(cluster)
        assert prune(cluster, keep=1) == [first]
        assert second.exists()
        needed = _label(second, "START WAL LOCATION").split("file ")[-1].rstrip(")")
        archived = sorted(p.name for p in cluster.wal_archive.iterdir() if len(p.name) == 24)
        assert archived and archived[0] >= needed


def test_restore_cli_refuses_a_file_and_pitr_together(tmp_path: Path):
    result = CliRunner().invoke(
        cli_app, ["restore", str(tmp_path / "x.backup"), "--pitr", "2026-12-07T10:00:00+00:00"]
    )
    assert result.exit_code == 1
    assert "either a backup FILE or --pitr TIME" in result.output
