"""Two people race on one site in two real transactions: exactly one wins, the other gets 412.

Committed data on the session's test database (the write path commits); the site is removed
at the end, its versions stay in the history like any deleted site's.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app import models
from app.models.enums import Role
from app.ogc.protocol.crs import CRS84
from app.services import identity
from app.services.change_context import ChangeContext
from app.services.feature_writes import Operation, WriteRequest, write_feature
from app.services.write_specs import WRITE_SPECS
from app.write_errors import PreconditionFailed

RING = [[104.40, 22.08], [104.4045, 22.08], [104.4045, 22.0845], [104.40, 22.0845], [104.40, 22.08]]


def _feature(code: str, name: str, decision: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [RING]},
        "properties": {
            "code": code,
            "name": name,
            "kind": "industrial_cluster",
            "status": "planned",
            "province": "Lào Cai",
            "geometry_source": "surveyed",
            "provenance": "race test",
            "change_decision_id": decision,
        },
    }


def _editor(session: Session, name: str) -> Any:
    # Approvers write directly (an editor's new outline would wait as a draft: test_drafts.py).
    identity.create_user(session, name, password="x" * 16, role=Role.APPROVER, agency_code="LC-SCT")
    user = session.scalars(sa.select(models.User).where(models.User.username == name)).one()
    agency = session.get(models.Agency, user.agency_id)
    return identity.caller_for(user, agency)


def _write(engine: Engine, caller: Any, request: WriteRequest) -> None:
    with Session(engine) as session:
        write_feature(session, caller, ChangeContext.of(caller), request)


def test_two_editors_racing_on_one_site_one_wins_the_other_gets_412(engine: Engine):
    tag = uuid.uuid4().hex[:8]
    code = f"CCN-RACE-{tag}"
    with Session(engine) as session:
        first, second = _editor(session, f"race_a_{tag}"), _editor(session, f"race_b_{tag}")
        decision = models.LegalDecision(
            number=f"{tag}/QĐ", decision_date=date(2026, 12, 1), issuer="UBND tỉnh Lào Cai"
        )
        session.add(decision)
        session.commit()
        decision_id = decision.id
    spec = WRITE_SPECS["industrial_clusters"]
    create = WriteRequest(spec, Operation.CREATE, body=_feature(code, "v1", decision_id), crs=CRS84)
    _write(engine, first, create)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(caller: Any, name: str) -> None:
        body = _feature(code, name, decision_id)
        request = WriteRequest(spec, Operation.REPLACE, code, body, if_match='W/"v1"', crs=CRS84)
        barrier.wait()
        try:
            _write(engine, caller, request)
            outcomes[name] = "saved"
        except PreconditionFailed as exc:
            outcomes[name] = f"412 at v{exc.current}"

    threads = [
        threading.Thread(target=edit, args=(first, "by A")),
        threading.Thread(target=edit, args=(second, "by B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["412 at v2", "saved"], outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    with Session(engine) as session:
        name, version = session.execute(
            sa.text("SELECT name, version FROM sites WHERE code = :c"), {"c": code}
        ).one()
        changes, stamps, unstamped = session.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT data_version), "
                "count(*) FILTER (WHERE data_version IS NULL) "
                "FROM registry_changes WHERE code = :c"
            ),
            {"c": code},
        ).one()
        session.execute(sa.text("DELETE FROM sites WHERE code = :c"), {"c": code})
        session.commit()
    # One data version per committed write, stamped at commit.
    assert (name, version, changes, stamps, unstamped) == (winner, 2, 2, 2, 0)
