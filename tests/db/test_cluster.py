import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import psycopg
import pytest
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.settings import PROJECT_ROOT, ClusterSettings
from devcluster.cluster import (
    APP_ROLE,
    MALLOC_TUNABLES,
    EmbeddedCluster,
    _copy_if_changed,
    _free_port,
    geos_for_server,
    shapely_geos,
    system_geos_version,
)


@pytest.fixture
def scratch_cluster() -> Iterator[EmbeddedCluster]:
    # Under the checkout, not /tmp/pytest-of-root (mode 0700): the postgres account must reach it.
    root = PROJECT_ROOT / ".data" / "test-clusters" / secrets.token_hex(4)
    cluster = EmbeddedCluster(ClusterSettings(data_dir=root, port=_free_port()))
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_cluster_start_creates_and_runs_then_start_again_is_a_no_op(scratch_cluster):
    first = scratch_cluster.start()
    assert first.initialised and first.running
    second = scratch_cluster.start()
    assert second.running and second.pid == first.pid
    # A new cluster has the server's role, which logs in through the socket by peer (no password).
    app_url = scratch_cluster.app_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(app_url) as conn:
        assert conn.execute(
            "SELECT current_user, usesuper FROM pg_user WHERE usename = current_user"
        ).fetchone() == (APP_ROLE, False)


def test_cluster_stop_then_start_keeps_data(scratch_cluster):
    scratch_cluster.start()
    assert not scratch_cluster.stop().running
    assert scratch_cluster.stop().running is False  # stopping twice is fine
    status = scratch_cluster.start()
    assert status.running and status.initialised


def test_cluster_start_survives_a_stale_pid_file(scratch_cluster):
    scratch_cluster.start()
    scratch_cluster.stop()
    pidfile = scratch_cluster.pgdata / "postmaster.pid"
    pidfile.write_text("999999\n" + str(scratch_cluster.pgdata) + "\n")
    if os.geteuid() == 0:
        shutil.chown(pidfile, "postgres")
    assert scratch_cluster.start().running


def test_cluster_server_starts_with_the_malloc_tunables(scratch_cluster, monkeypatch):
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    status = scratch_cluster.start()
    environ = (Path("/proc") / str(status.pid) / "environ").read_bytes()
    # glibc parses GLIBC_TUNABLES in place, ending the string at the first tunable's end.
    first = MALLOC_TUNABLES.split(":")[0]
    assert f"GLIBC_TUNABLES={first}".encode() in environ


def test_cluster_url_reaches_the_server_through_its_unix_socket(scratch_cluster):
    scratch_cluster.start()
    url = scratch_cluster.url("postgres")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        # inet_server_addr() is NULL on a unix-socket connection, 127.0.0.1 over TCP.
        row = conn.execute("SELECT inet_server_addr(), current_database()").fetchone()
    assert row is not None
    address, database = row
    assert address is None and database == "postgres"
    assert str(scratch_cluster.socket_dir.resolve()) in unquote(url)
    tcp = scratch_cluster.tcp_url("postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(tcp) as conn:
        row = conn.execute("SELECT host(inet_server_addr())").fetchone()
    assert row == ("127.0.0.1",)  # for clients that need a host name


def _server_geos(cluster: EmbeddedCluster) -> str:
    with psycopg.connect(
        cluster.url("postgres").replace("postgresql+psycopg://", "postgresql://")
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        row = conn.execute("SELECT postgis_geos_version()").fetchone()
    assert row is not None
    return str(row[0])


def _dotted(version: tuple[int, ...] | None) -> str:
    return ".".join(map(str, version or ()))


def test_cluster_runs_postgis_on_shapelys_geos_when_it_is_newer(scratch_cluster):
    wheel, system = shapely_geos(), system_geos_version()
    if wheel is None or (system is not None and wheel.version <= system):
        pytest.skip("the shapely wheel carries no GEOS newer than the system's")
    scratch_cluster.start()
    assert _server_geos(scratch_cluster).startswith(_dotted(wheel.version) + "-CAPI")
    assert (scratch_cluster.root / "geos" / "libgeos_c.so.1").stat().st_mode & 0o004


def test_cluster_keeps_the_system_geos_when_told(scratch_cluster):
    system = system_geos_version()
    if system is None:
        pytest.skip("no system GEOS found under /usr/lib")
    cluster = EmbeddedCluster(scratch_cluster.settings.model_copy(update={"geos": "system"}))
    cluster.start()
    try:
        assert _server_geos(cluster).startswith(_dotted(system) + "-CAPI")
    finally:
        cluster.stop()


def test_geos_copies_are_replaced_by_new_files_only_when_they_changed(tmp_path):
    source, target = tmp_path / "libgeos_c-abc.so.1", tmp_path / "copy" / "libgeos_c.so.1"
    target.parent.mkdir()
    source.write_bytes(b"one")
    _copy_if_changed(source, target)
    first = target.stat().st_ino
    _copy_if_changed(source, target)
    assert target.stat().st_ino == first  # unchanged: left alone
    source.write_bytes(b"two!")
    _copy_if_changed(source, target)
    # A new file renamed into place: a server that maps the old one keeps reading it whole.
    assert target.read_bytes() == b"two!" and target.stat().st_ino != first


def test_cluster_reset_deletes_the_data(scratch_cluster):
    scratch_cluster.start()
    status = scratch_cluster.reset()
    assert not status.initialised and not status.running
    assert not scratch_cluster.pgdata.exists()


def test_cli_db_status_reports_the_embedded_cluster(scratch_cluster, monkeypatch):
    scratch_cluster.start()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SITEREG_CLUSTER__DATA_DIR", str(scratch_cluster.root))
    monkeypatch.setenv("SITEREG_CLUSTER__PORT", str(scratch_cluster.port()))
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["db", "status"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "running on 127.0.0.1" in result.output


def test_a_geos_that_cannot_be_copied_leaves_postgis_on_the_system_one(tmp_path, monkeypatch):
    import devcluster.cluster as cluster_module

    wheel, system = shapely_geos(), system_geos_version()
    if wheel is None or (system is not None and wheel.version <= system):
        pytest.skip("the shapely wheel carries no GEOS newer than the system's")

    def disk_full(_source: Path, _target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cluster_module, "_copy_if_changed", disk_full)
    assert geos_for_server(ClusterSettings(data_dir=tmp_path)) is None
    assert geos_for_server(ClusterSettings(data_dir=tmp_path, geos="system")) is None
