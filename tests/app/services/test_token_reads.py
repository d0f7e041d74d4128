"""A read's bearer token is checked on the read pool: same answers as the write path's check."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.enums import Role
from app.services import identity, token_reads
from app.settings import Settings

FEATURE = "/ogc/collections/sites/items/CCN-SON-MAN"


def test_read_token_is_checked_recorded_once_a_minute_and_refused_once_revoked(
    engine: Engine, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(token_reads, "REMEMBER_S", 0.0)  # check on every read
    name = f"token_read_{secrets.token_hex(3)}"
    with Session(engine) as session:
        identity.create_user(session, name, password="x" * 16, role=Role.VIEWER)
        token = identity.create_token(session, name, name="t")
    headers = {"Authorization": f"Bearer {token.plain}"}
    with TestClient(create_app(test_settings)) as client:
        assert client.get(FEATURE, headers=headers).status_code == 200
        assert client.get(FEATURE, headers=headers).status_code == 200
        wrong = client.get(FEATURE, headers={"Authorization": "Bearer srg_" + "x" * 43})
        assert wrong.status_code == 401 and "invalid_token" in wrong.headers["www-authenticate"]
        with Session(engine) as session:
            identity.revoke_token(session, token.id)
        refused = client.get(FEATURE, headers=headers)
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    with engine.connect() as conn:
        used = conn.execute(
            sa.text(
                "SELECT count(*) FROM auth_events e JOIN users u ON u.id = e.user_id "
                "WHERE u.username = :name AND e.kind = 'token_used'"
            ),
            {"name": name},
        ).scalar()
    assert used == 1


def test_a_checked_read_token_is_remembered_for_a_second(engine: Engine, test_settings: Settings):
    name = f"token_keep_{secrets.token_hex(3)}"
    with Session(engine) as session:
        identity.create_user(session, name, password="x" * 16, role=Role.VIEWER)
        token = identity.create_token(session, name, name="t")
    headers = {"Authorization": f"Bearer {token.plain}"}
    with TestClient(create_app(test_settings)) as client:
        assert client.get(FEATURE, headers=headers).status_code == 200
        with Session(engine) as session:
            identity.revoke_token(session, token.id)
        # Within REMEMBER_S of the last check the read still passes; writes always check.
        assert client.get(FEATURE, headers=headers).status_code == 200
        assert (
            client.post("/ogc/collections/sites/items", json={}, headers=headers).status_code == 401
        )
