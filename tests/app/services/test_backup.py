import io
import json
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.db.engine import make_engine
from app.services import reports
from app.services.backup import DUMP, BackupError, create_backup, pg_tool, read_manifest
from app.services.backup_restore import check_revision, restore_backup
from app.settings import get_settings
from devcluster.cluster import APP_ROLE, EmbeddedCluster
from devcluster.scratch import scratch_cluster

FINGERPRINT = """
SELECT n.nspname || '.' || c.relname
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1
"""


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and md5 of the sorted rows of every table."""
    result = {}
    with psycopg.connect(_conninfo(url)) as conn:
        for (table,) in conn.execute(FINGERPRINT).fetchall():
            query = (
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608 (names from the catalog)
                f"FROM {table} AS t"
            )
            row = conn.execute(query).fetchone()
            assert row is not None
            result[table] = (int(row[0]), str(row[1]))
    return result


def answers(url: str) -> tuple[str, str]:
    """The plan-overlap report and one site's forest overlap, as JSON."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            code = session.execute(
                sa.text("SELECT code FROM sites WHERE geom IS NOT NULL ORDER BY code")
            ).scalar()
            overlaps = reports.plan_overlap_report(session).model_dump_json()
            forest = reports.site_forest_overlap(session, code, area="geodesic").model_dump_json()
    finally:
        engine.dispose()
    return overlaps, forest


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedCluster]:
    with scratch_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def backup_file(owner_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "sitereg.backup"
    create_backup(owner_database_url, path)
    return path


def test_backup_manifest_records_schema_history_and_roles(backup_file: Path):
    manifest = read_manifest(backup_file)
    assert manifest["alembic_revision"]
    assert manifest["tables"]["public.sites_versions"] > 0
    assert manifest["tables"]["public.registry_changes"] >= 0
    assert "public.alembic_version" in manifest["tables"]
    assert APP_ROLE in manifest["roles"]
    # Personal fields and password hashes: readable by its owner only.
    assert backup_file.stat().st_mode & 0o777 == 0o600


def test_restore_into_an_empty_cluster_gives_identical_tables_and_answers(
    backup_file: Path, owner_database_url: str, target: EmbeddedCluster
):
    summary = restore_backup(backup_file, target.url("restored"))
    assert summary.rows > 0
    restored = target.url("restored")
    assert fingerprint(restored) == fingerprint(owner_database_url)
    assert answers(restored) == answers(owner_database_url)
    # The server's role reads the restored registry with the grants it had.
    with psycopg.connect(_conninfo(target.app_url("restored"))) as conn:
        assert conn.execute("SELECT count(*) FROM sites").fetchone() is not None


def test_plain_pg_restore_of_the_dump_gives_identical_tables_and_answers(
    backup_file: Path, owner_database_url: str, target: EmbeddedCluster, tmp_path: Path
):
    """What an operator without sitereg does: the dump member, `createdb`, plain `pg_restore`."""
    with tarfile.open(backup_file) as archive:
        archive.extract(DUMP, tmp_path, filter="data")
    with psycopg.connect(_conninfo(target.url("postgres")), autocommit=True) as conn:
        conn.execute("CREATE DATABASE plain")
    restored = target.url("plain")
    done = subprocess.run(
        [pg_tool("pg_restore"), "--single-transaction", "--exit-on-error",
         "-d", _conninfo(restored), str(tmp_path / DUMP)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert fingerprint(restored) == fingerprint(owner_database_url)
    assert answers(restored) == answers(owner_database_url)
    # The stored areas were copied, and the restored triggers keep them up to date.
    with psycopg.connect(_conninfo(restored), autocommit=True) as conn:
        row = conn.execute(
            "UPDATE forest_parcels SET geom = ST_Multi(ST_Buffer(ST_Centroid(geom), 0.001, 2)) "
            "WHERE id = (SELECT min(id) FROM forest_parcels) "
            "RETURNING area_ha, area_ha(geom), tile_clearance_deg, tile_clearance_deg(geom)"
        ).fetchone()
    assert row is not None and row[0] == row[1] and row[2] == row[3]


def test_restore_refuses_a_database_that_is_not_empty(backup_file: Path, target: EmbeddedCluster):
    with psycopg.connect(_conninfo(target.url("postgres")), autocommit=True) as conn:
        conn.execute("CREATE DATABASE busy")
    with psycopg.connect(_conninfo(target.url("busy")), autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (line text)")
    with pytest.raises(BackupError, match="busy is not empty"):
        restore_backup(backup_file, target.url("busy"))


def test_restore_refuses_an_unknown_schema_version(tmp_path: Path, backup_file: Path):
    forged = tmp_path / "future.backup"
    with tarfile.open(backup_file) as source, tarfile.open(forged, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == "manifest.json" and data is not None:
                manifest = json.loads(data.read())
                manifest["alembic_revision"] = "9999_from_the_future"
                raw = json.dumps(manifest).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            out.addfile(member, data)
    with pytest.raises(BackupError, match="9999_from_the_future is not among"):
        restore_backup(forged, "postgresql+psycopg://postgres@/unused?host=/nonexistent")


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_cli_backup_then_restore_prints_progress_and_counts(
    owner_database_url: str,
    target: EmbeddedCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    path = tmp_path / "cli.backup"
    monkeypatch.setenv("SITEREG_MIGRATION_DATABASE_URL", owner_database_url)
    get_settings.cache_clear()
    made = CliRunner().invoke(cli_app, ["backup", str(path)])
    assert made.exit_code == 0, made.output
    assert "dumping" in made.output and "tables" in made.output
    again = CliRunner().invoke(cli_app, ["backup", str(path)])
    assert again.exit_code == 1 and "exists" in again.output
    monkeypatch.setenv("SITEREG_MIGRATION_DATABASE_URL", target.url())
    get_settings.cache_clear()
    restored = CliRunner().invoke(cli_app, ["restore", str(path), "--database", "from_cli"])
    assert restored.exit_code == 0, restored.output
    assert (
        "restored from_cli" in restored.output and "every count as in the backup" in restored.output
    )
    refused = CliRunner().invoke(cli_app, ["restore", str(path), "--database", "from_cli"])
    get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "error: database from_cli is not empty" in refused.output


def test_dumps_from_0029_on_restore_with_plain_pg_restore_and_older_ones_are_rewritten():
    head, plain = check_revision("0028_reported_figures")
    assert not plain
    assert check_revision(head) == (head, True)
