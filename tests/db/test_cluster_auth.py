"""The embedded cluster lets in only its two roles: peer on the socket, scram-sha-256 on TCP.

One scratch cluster (never the shared one) serves the whole module; the conversion test turns it
back into a cluster of an older sitereg (``initdb --auth=trust``) and lets ``start`` convert it.
"""

from __future__ import annotations

import logging
import os
import pwd
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from devcluster import auth
from devcluster.cluster import APP_ROLE, SUPERUSER, EmbeddedCluster, _reload, find_binaries
from devcluster.scratch import scratch_cluster

TRUST_HBA = """\
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
"""
"""What ``initdb --auth=trust`` wrote into the pg_hba.conf of clusters made before this change."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedCluster]:
    with scratch_cluster() as started:
        yield started


def _conninfo(url: str, **options: str) -> str:
    # No ~/.pgpass or PGPASSWORD may supply a password the test did not give.
    return psycopg.conninfo.make_conninfo(
        url.replace("postgresql+psycopg://", "postgresql://"), passfile=os.devnull, **options
    )


def _tcp(cluster: EmbeddedCluster, role: str, password: str | None) -> str:
    options = {"password": password} if password is not None else {}
    return psycopg.conninfo.make_conninfo(
        f"host=127.0.0.1 port={cluster.port()} dbname=postgres user={role}",
        passfile=os.devnull,
        **options,
    )


def _rules(cluster: EmbeddedCluster) -> list[str]:
    text = (cluster.pgdata / "pg_hba.conf").read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_cluster_pg_hba_has_peer_and_scram_lines_only(cluster: EmbeddedCluster):
    rules = _rules(cluster)
    assert rules and not [line for line in rules if "trust" in line]
    with psycopg.connect(_conninfo(cluster.url("postgres"))) as conn:
        loaded = conn.execute(
            "SELECT DISTINCT type, auth_method, error FROM pg_hba_file_rules ORDER BY 1"
        ).fetchall()
    assert loaded == [("host", "scram-sha-256", None), ("local", "peer", None)]


def test_cluster_passwords_file_is_readable_by_its_owner_only(cluster: EmbeddedCluster):
    stat = cluster.passwords_file.stat()
    assert stat.st_mode & 0o777 == 0o600 and stat.st_uid == os.geteuid()
    assert sorted(auth.load_passwords(cluster.passwords_file)) == sorted((SUPERUSER, APP_ROLE))


@pytest.mark.parametrize("role", [SUPERUSER, APP_ROLE])
def test_cluster_tcp_url_logs_in_with_the_stored_password(cluster: EmbeddedCluster, role: str):
    with psycopg.connect(_conninfo(cluster.tcp_url("postgres", role=role))) as conn:
        row = conn.execute("SELECT current_user, host(inet_server_addr())").fetchone()
    assert row == (role, "127.0.0.1")


@pytest.mark.parametrize("password", [None, "", "wrong"])
@pytest.mark.parametrize("role", [SUPERUSER, APP_ROLE])
def test_cluster_tcp_without_the_password_is_refused(
    cluster: EmbeddedCluster, role: str, password: str | None
):
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_tcp(cluster, role, password)).close()


def test_cluster_refuses_a_role_other_than_its_two(cluster: EmbeddedCluster):
    with psycopg.connect(_conninfo(cluster.url("postgres")), autocommit=True) as conn:
        conn.execute("CREATE ROLE intruder LOGIN PASSWORD 'known'")
    try:
        with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
            psycopg.connect(_tcp(cluster, "intruder", "known")).close()
        with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
            psycopg.connect(_conninfo(cluster.url("postgres", role="intruder"))).close()
    finally:
        with psycopg.connect(_conninfo(cluster.url("postgres")), autocommit=True) as conn:
            conn.execute("DROP ROLE intruder")


def test_cluster_socket_refuses_an_os_account_outside_the_map(cluster: EmbeddedCluster):
    me = pwd.getpwuid(os.geteuid()).pw_name
    owner = pwd.getpwuid(cluster.pgdata.stat().st_uid).pw_name
    ident = (cluster.pgdata / "pg_ident.conf").read_text().splitlines()
    mapped = {line.split()[1] for line in ident if line.startswith(auth.IDENT_MAP)}
    assert mapped == {me, owner}
    if os.geteuid() != 0:
        return  # only root can connect as another account; the map above is the whole check
    psql = find_binaries().tool("psql")
    target = f"host={cluster.socket_dir} port={cluster.port()} dbname=postgres user={SUPERUSER}"
    refused = subprocess.run(
        ["runuser", "-u", "nobody", "--", psql, target, "-c", "SELECT 1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "Peer authentication failed" in refused.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE ROLE intruder LOGIN",
        "CREATE DATABASE intruder",
        "ALTER SYSTEM SET log_statement = 'none'",
        "ALTER ROLE postgres PASSWORD 'known'",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "SELECT rolpassword FROM pg_authid",
        "SELECT pg_read_file('pg_hba.conf')",
    ],
)
def test_cluster_app_role_cannot_act_as_superuser(cluster: EmbeddedCluster, statement: str):
    app_url = _conninfo(cluster.app_url("postgres"))
    with (
        psycopg.connect(app_url, autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(statement)  # type: ignore[arg-type] (fixed statements of this test)


def _identify(conninfo: str) -> str:
    """Open a physical replication connection (as pg_basebackup does); return the role."""
    with psycopg.connect(conninfo, replication="true", autocommit=True) as conn:
        row = conn.execute("IDENTIFY_SYSTEM").fetchone()
        return str(conn.info.user) if row else ""


def test_cluster_replication_takes_the_superuser_by_peer_or_password(cluster: EmbeddedCluster):
    assert _identify(_conninfo(cluster.url("postgres"))) == SUPERUSER
    assert _identify(_conninfo(cluster.tcp_url("postgres"))) == SUPERUSER
    with pytest.raises(psycopg.OperationalError, match="password"):
        _identify(_tcp(cluster, SUPERUSER, None))
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry for replication"):
        _identify(_conninfo(cluster.app_url("postgres")))


def _make_trusting(cluster: EmbeddedCluster) -> None:
    """Give the running cluster what an older sitereg left: trust, no map, no passwords."""
    (cluster.pgdata / "pg_hba.conf").write_text(TRUST_HBA)
    (cluster.pgdata / "pg_ident.conf").write_text("# MAPNAME SYSTEM-USERNAME PG-USERNAME\n")
    conninfo = _conninfo(cluster.url("postgres"))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _reload(conn, conninfo)
        for role in (SUPERUSER, APP_ROLE):
            conn.execute(f"ALTER ROLE {role} PASSWORD NULL")  # test constants
    cluster.passwords_file.unlink()
    # Proof that it trusts: TCP without any password.
    psycopg.connect(_tcp(cluster, APP_ROLE, None)).close()


def _converted(cluster: EmbeddedCluster, caplog: pytest.LogCaptureFixture) -> None:
    messages = [r.getMessage() for r in caplog.records if "authentication" in r.getMessage()]
    assert len(messages) == 1, messages
    for changed in ("pg_hba.conf", "pg_ident.conf", f"password set for {SUPERUSER}, {APP_ROLE}"):
        assert changed in messages[0]
    assert not [line for line in _rules(cluster) if "trust" in line]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_tcp(cluster, APP_ROLE, None)).close()
    psycopg.connect(_conninfo(cluster.tcp_url("postgres", role=APP_ROLE))).close()
    caplog.clear()
    cluster.start()  # once converted, a start changes nothing and says nothing
    assert not [r for r in caplog.records if "authentication" in r.getMessage()]


def test_cluster_start_converts_a_trust_cluster_running_or_stopped(
    cluster: EmbeddedCluster, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING, logger="devcluster.cluster")
    _make_trusting(cluster)
    cluster.start()  # running: files rewritten and reloaded, passwords set
    _converted(cluster, caplog)
    _make_trusting(cluster)
    cluster.stop()
    caplog.clear()
    cluster.start()  # stopped: files rewritten before the server starts
    _converted(cluster, caplog)


def test_stored_verifiers_match_the_stored_passwords_only(cluster: EmbeddedCluster):
    passwords = auth.load_passwords(cluster.passwords_file)
    with psycopg.connect(_conninfo(cluster.url("postgres"))) as conn:
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
    assert row is not None
    assert auth.scram_matches(row[0], passwords[APP_ROLE])
    assert not auth.scram_matches(row[0], passwords[SUPERUSER])
    assert not auth.scram_matches(None, passwords[APP_ROLE])
    assert not auth.scram_matches("md5" + "0" * 32, passwords[APP_ROLE])


def test_passwords_file_is_kept_and_closed_again_when_opened_up(tmp_path):
    path = tmp_path / "passwords.json"
    first = auth.ensure_passwords(path, (SUPERUSER,))
    path.chmod(0o644)
    again = auth.ensure_passwords(path, (SUPERUSER, APP_ROLE))
    assert again[SUPERUSER] == first[SUPERUSER] and again[APP_ROLE] != first[SUPERUSER]
    assert path.stat().st_mode & 0o777 == 0o600
