"""Caches and validators follow the registry's data version (``registry_state``)."""

import sqlalchemy as sa
from fastapi.testclient import TestClient
from history_writes import demo_site_code, move_site
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.ogc.tiles.cache import DataVersionClock

TILE = "/ogc/collections/sites/tiles/WebMercatorQuad/0/0/0"


def _commit_a_write(engine: Engine) -> None:
    # The tiles read a pool of their own, which sees committed rows only: this moves the data
    # version as a write in another process would (the counter only grows, nothing else moves).
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE registry_state SET data_version = data_version + 1"))


def _version(db_session: Session) -> int:
    return int(db_session.scalar(sa.text("SELECT data_version FROM registry_state")))


def test_tile_cache_entries_are_keyed_by_the_data_version(client: TestClient, engine: Engine):
    client.app.state.data_version = DataVersionClock(max_age_s=0)
    cache = client.app.state.tile_cache
    assert client.get(TILE).status_code in (200, 204)  # an empty tile is cached too
    with engine.connect() as conn:
        before = int(conn.scalar(sa.text("SELECT data_version FROM registry_state")))
    assert cache.get(("sites", 0, 0, 0, before)) is not None
    _commit_a_write(engine)
    assert client.get(TILE).status_code in (200, 204)  # an empty tile is cached too
    assert cache.get(("sites", 0, 0, 0, before + 1)) is not None


def test_data_version_clock_reads_at_most_once_per_max_age(client: TestClient, engine: Engine):
    clock = DataVersionClock(max_age_s=3600)
    pool = client.app.state.read_pool
    first = client.portal.call(clock.current, pool)
    _commit_a_write(engine)
    assert client.portal.call(clock.current, pool) == first  # remembered, not read again
    assert client.portal.call(DataVersionClock(max_age_s=0).current, pool) == first + 1


def test_download_etag_changes_after_a_write(client: TestClient, db_session: Session):
    url = "/api/v1/export/sites.geojson"
    before = client.get(url).headers["etag"]
    assert client.get(url).headers["etag"] == before
    version = _version(db_session)
    move_site(db_session, demo_site_code(db_session), dx_deg=0.001)
    assert _version(db_session) == version + 1
    assert client.get(url).headers["etag"] != before
