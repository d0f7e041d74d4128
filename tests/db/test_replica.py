"""Reads routed to a real streaming replica (``DATABASE_REPLICA_URL``), made with pg_basebackup -R.

A scratch primary (never the shared cluster) is migrated and given one site; its replica is a
hot standby on another port. Pausing the replica's replay makes the two answer differently, so
each read shows which server answered it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from history_writes import rename_site
from shapely.geometry import box
from sqlalchemy.orm import Session

from app.cli import upgrade_database
from app.db.engine import make_engine
from app.db.replica import ReplicaState, parse_lsn
from app.main import create_app
from app.read_routing import LSN_COOKIE, LSN_HEADER
from app.services.change_context import ChangeContext, record_context
from app.services.web_sessions import SESSION_COOKIE
from app.settings import ReplicaSettings, Settings
from devcluster.cluster import EmbeddedCluster
from devcluster.scratch import scratch_cluster, streaming_replica
from tests.support.factories import make_site

CODE = "REPLICA-1"
SITE = f"/api/v1/sites/{CODE}"
ITEM = f"/ogc/collections/sites/items/{CODE}"


def _sql(cluster: EmbeddedCluster, statement: str) -> list[tuple[object, ...]]:
    conninfo = cluster.url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        cursor = conn.execute(statement)  # test constants only
        return cursor.fetchall() if cursor.description else []


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s} s for {what}")
        time.sleep(0.05)


def _write(primary: EmbeddedCluster, name: str | None = None) -> int:
    """Create the site, or rename it, on the primary; return the WAL position after the commit."""
    engine = make_engine(primary.url())
    try:
        with Session(engine) as session:
            if name is None:
                record_context(session, ChangeContext(actor="tester").because(None, "test"))
                make_site(session, CODE, box(106.5, 10.5, 106.51, 10.51), name="trước")
            else:
                rename_site(session, CODE, name)
            session.commit()
    finally:
        engine.dispose()
    lsn = parse_lsn(str(_sql(primary, "SELECT pg_current_wal_lsn()::text")[0][0]))
    assert lsn is not None
    return lsn


def _replayed(replica: EmbeddedCluster, lsn: int) -> bool:
    found = _sql(replica, "SELECT pg_last_wal_replay_lsn()::text")[0][0]
    return (parse_lsn(str(found)) or 0) >= lsn


@pytest.fixture(scope="module")
def primary() -> Iterator[EmbeddedCluster]:
    """A scratch cluster, migrated, holding the site ``CODE``."""
    with scratch_cluster() as cluster:
        upgrade_database(cluster.url())
        _write(cluster)
        yield cluster


@pytest.fixture(scope="module")
def replica(primary: EmbeddedCluster) -> Iterator[EmbeddedCluster]:
    """A hot standby of ``primary`` that has replayed the site."""
    with streaming_replica(primary) as standby:
        lsn = parse_lsn(str(_sql(primary, "SELECT pg_current_wal_lsn()::text")[0][0])) or 0
        _wait(lambda: _replayed(standby, lsn), "the replica to replay the site")
        yield standby


@pytest.fixture
def paused(replica: EmbeddedCluster) -> Iterator[EmbeddedCluster]:
    """The replica with its replay paused (resumed afterwards): it keeps what it has."""
    _sql(replica, "SELECT pg_wal_replay_pause()")
    try:
        yield replica
    finally:
        _sql(replica, "SELECT pg_wal_replay_resume()")


def _settings(primary: EmbeddedCluster, replica: EmbeddedCluster, **replica_settings) -> Settings:
    return Settings(
        database_url=primary.app_url(),
        database_replica_url=replica.app_url(),
        replica=ReplicaSettings(**replica_settings),
    )


def _name(client: TestClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["properties"]["name"])


def test_replica_answers_anonymous_reads_and_a_writer_reads_its_write(primary, paused):
    settings = _settings(primary, paused, max_lag_s=60.0, check_interval_s=0.1)
    with TestClient(create_app(settings)) as client:
        state: ReplicaState = client.app.state.replica
        _write(primary, "sau")
        # The paused replica still has the old name: anonymous reads (sessions and pool) go there.
        assert _name(client, SITE) == "trước" and _name(client, ITEM) == "trước"
        assert state.reads["replica"] == 2
        # A write's answer carries the primary's WAL position, in a header and a cookie ...
        written = client.post("/sign-out", follow_redirects=False)
        assert written.status_code == 303
        assert written.headers[LSN_HEADER] == written.cookies[LSN_COOKIE]
        # ... and a read that sends it is answered by the primary while the replica is behind.
        assert _name(client, SITE) == "sau" and _name(client, ITEM) == "sau"
        client.cookies.clear()
        assert _name(client, ITEM, **{LSN_HEADER: written.headers[LSN_HEADER]}) == "sau"
        assert _name(client, ITEM, **{LSN_HEADER: "not-a-position"}) == "sau"
        assert state.reads["replica"] == 2 and state.reads["primary"] == 4
        # A signed-in caller (here a dead session: anonymous, yet sent) always reads the primary.
        client.cookies.set(SESSION_COOKIE, "het-han")
        assert _name(client, SITE) == "sau" and state.reads["replica"] == 2


def test_replica_serves_a_writers_read_once_it_has_replayed_the_write(primary, replica):
    settings = _settings(primary, replica, max_lag_s=60.0, check_interval_s=0.1)
    with TestClient(create_app(settings)) as client:
        state: ReplicaState = client.app.state.replica
        lsn = _write(primary, "đã phát lại")
        position = written_position(client)
        assert (parse_lsn(position) or 0) >= lsn
        _wait(lambda: state.replay_lsn >= lsn, "the monitor to see the replay")
        assert _name(client, ITEM, **{LSN_HEADER: position}) == "đã phát lại"
        assert state.reads == {"primary": 0, "replica": 1}


def written_position(client: TestClient) -> str:
    """Return the WAL position a write (signing out) answers with."""
    return str(client.post("/sign-out", follow_redirects=False).headers[LSN_HEADER])


def test_replica_lagging_beyond_the_threshold_gets_no_reads(primary, paused):
    settings = _settings(primary, paused, max_lag_s=0.3, check_interval_s=0.05)
    with TestClient(create_app(settings)) as client:
        state: ReplicaState = client.app.state.replica
        _write(primary, "mới nhất")
        _wait(lambda: (state.lag_s or 0.0) > 0.3, "the monitor to measure the lag")
        assert _name(client, ITEM) == "mới nhất" and _name(client, SITE) == "mới nhất"
        assert state.reads["replica"] == 0
        lines = client.get("/metrics").text.splitlines()
        assert "sitereg_replica_up 1" in lines
        lag = [line for line in lines if line.startswith("sitereg_replica_lag_seconds ")]
        assert len(lag) == 1 and float(lag[0].split()[1]) > 0.3


def test_replica_stopped_reads_answer_from_the_primary(primary):
    with streaming_replica(primary) as standby:
        lsn = _write(primary, "vẫn trả lời")
        _wait(lambda: _replayed(standby, lsn), "the new replica to replay the rename")
        # The monitor polls once a minute here: the reads themselves notice the replica is gone.
        settings = _settings(primary, standby, max_lag_s=60.0, check_interval_s=60.0)
        with TestClient(create_app(settings)) as client:
            state: ReplicaState = client.app.state.replica
            assert _name(client, SITE) == "vẫn trả lời" and state.reads["replica"] == 1
            standby.stop()
            assert _name(client, SITE) == "vẫn trả lời"  # an ORM session's read
            # Sent to the replica (counted so), it was answered by the primary.
            assert state.reads["replica"] == 2 and state.fallbacks == 1 and not state.up
            assert "sitereg_replica_up 0" in client.get("/metrics").text.splitlines()
            standby.start()
            client.portal.call(client.app.state.replica_monitor.poll)
            assert _name(client, ITEM) == "vẫn trả lời" and state.reads["replica"] == 3
            standby.stop()
            assert _name(client, ITEM) == "vẫn trả lời"  # a read on the asyncio pool
            assert state.fallbacks == 2 and state.reads["replica"] == 4
