"""The replica's bookkeeping without a server: WAL positions, the lag, who may read there."""

from __future__ import annotations

import pytest
from asgi import http_scope
from starlette.requests import Request

from app.db.replica import ReplicaState, parse_lsn
from app.read_routing import LSN_HEADER, UNREADABLE_LSN, replica_candidate, required_lsn


def _request(method: str, path: str, **headers: str) -> Request:
    encoded = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request(http_scope(method, path, encoded))


def test_parse_lsn_reads_postgresql_text_form():
    assert parse_lsn("0/3000148") == 0x3000148
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848


@pytest.mark.parametrize("text", [None, "", "3000148", "0/", "/1", "G/1", "123456789/1", "1/2/3"])
def test_parse_lsn_refuses_what_is_not_a_position(text):
    assert parse_lsn(text) is None


def test_replica_lag_is_zero_while_the_primary_is_idle():
    state = ReplicaState(max_lag_s=1.0)
    state.observe(primary_lsn=100, replay_lsn=100, now=10.0)
    state.observe(primary_lsn=100, replay_lsn=100, now=500.0)
    assert state.lag_s == 0.0 and state.lag_bytes == 0 and state.usable()


def test_replica_lag_counts_from_when_the_primary_first_was_ahead():
    state = ReplicaState(max_lag_s=1.0)
    state.observe(primary_lsn=200, replay_lsn=100, now=10.0)
    state.observe(primary_lsn=300, replay_lsn=100, now=11.5)
    assert state.lag_s == 1.5 and state.lag_bytes == 200 and not state.usable()
    # Replayed past the first position: the lag now dates from the second one.
    state.observe(primary_lsn=300, replay_lsn=250, now=12.0)
    assert state.lag_s == 0.5 and state.usable()
    state.observe(primary_lsn=300, replay_lsn=300, now=12.1)
    assert state.lag_s == 0.0


def test_replica_serves_a_position_only_once_replayed():
    state = ReplicaState(max_lag_s=5.0)
    state.observe(primary_lsn=300, replay_lsn=200, now=1.0)
    assert state.usable(min_lsn=200) and not state.usable(min_lsn=201)
    assert not state.usable(min_lsn=UNREADABLE_LSN)


def test_replica_down_gets_no_reads_until_observed_again():
    state = ReplicaState(max_lag_s=5.0)
    assert not state.usable()  # never observed
    state.observe(primary_lsn=1, replay_lsn=1, now=1.0)
    state.down("test")
    assert not state.usable() and state.lag_s is None


def test_replica_candidate_is_an_anonymous_read_of_a_read_class():
    assert replica_candidate(_request("GET", "/ogc/collections/forest/items"))
    assert replica_candidate(_request("GET", "/ogc/collections/forest/tiles/WebMercatorQuad/8/1/2"))
    assert replica_candidate(_request("HEAD", "/api/v1/sites/KCN-1"))
    assert not replica_candidate(_request("POST", "/api/v1/analysis/check"))
    assert not replica_candidate(_request("GET", "/healthz"))
    assert not replica_candidate(_request("GET", "/sign-in"))
    assert not replica_candidate(_request("GET", "/api/v1/sites", authorization="Bearer srg_x"))
    assert not replica_candidate(_request("GET", "/api/v1/sites", cookie="sitereg_session=x"))


def test_required_lsn_takes_the_later_of_header_and_cookie():
    assert required_lsn(_request("GET", "/")) is None
    both = _request("GET", "/", **{LSN_HEADER: "0/10", "cookie": "sitereg_lsn=0/20"})
    assert required_lsn(both) == 0x20
    assert required_lsn(_request("GET", "/", **{LSN_HEADER: "later"})) == UNREADABLE_LSN
