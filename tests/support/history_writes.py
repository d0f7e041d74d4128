"""Writes for history tests: plain SQL signed with ``record_context``, as any writer does."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.services.change_context import ChangeContext, record_context


def make_decision(session: Session, number: str = "123/QĐ-UBND") -> int:
    """Insert a legal decision and return its id."""
    return int(
        session.execute(
            sa.text(
                "INSERT INTO legal_decisions (number, decision_date, issuer) "
                "VALUES (:number, :day, 'UBND tỉnh Lào Cai') RETURNING id"
            ),
            {"number": number, "day": date(2026, 11, 30)},
        ).scalar_one()
    )


def demo_site_code(session: Session) -> str:
    """Return the code of a demo site that has an outline."""
    return str(
        session.execute(
            sa.text("SELECT code FROM sites WHERE geom IS NOT NULL ORDER BY code LIMIT 1")
        ).scalar_one()
    )


def move_site(
    session: Session,
    code: str,
    *,
    dx_deg: float,
    actor: str = "tester",
    decision_id: int | None = None,
    reason: str = "outline corrected",
) -> None:
    """Shift a site's outline east by ``dx_deg`` degrees as ``actor``, for ``reason``."""
    record_context(session, ChangeContext(actor=actor).because(decision_id, reason))
    session.execute(
        sa.text("UPDATE sites SET geom = ST_Translate(geom, :dx, 0) WHERE code = :code"),
        {"dx": dx_deg, "code": code},
    )
    stamp(session)


def stamp(session: Session) -> None:
    """Stamp the data version now, as COMMIT would (the test's transaction is rolled back)."""
    session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    session.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))


def rename_site(session: Session, code: str, name: str, *, actor: str = "tester") -> None:
    """Rename a site as ``actor``."""
    record_context(session, ChangeContext(actor=actor).because(None, "renamed"))
    session.execute(
        sa.text("UPDATE sites SET name = :name WHERE code = :code"), {"name": name, "code": code}
    )
    stamp(session)


def recorded_before_last_change(session: Session, code: str) -> str:
    """Return an instant (ISO) just before the site's current version was recorded."""
    value = session.execute(
        sa.text("SELECT recorded_from - interval '1 microsecond' FROM sites WHERE code = :code"),
        {"code": code},
    ).scalar_one()
    return str(value.isoformat())
