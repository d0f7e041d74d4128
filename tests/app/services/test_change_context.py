"""A write states its author and, in the same statement, its time limit."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db.engine import SESSION_TIMEOUT
from app.services.change_context import ChangeContext, record_context

CONTEXT = ChangeContext(actor="test: change context")


def test_record_context_sets_the_write_time_limit_of_the_session(db_session: Session):
    db_session.info[SESSION_TIMEOUT] = "30000ms"
    try:
        with db_session.begin_nested():
            record_context(db_session, CONTEXT)
            assert db_session.scalar(sa.text("SHOW statement_timeout")) == "30s"
            assert db_session.scalar(sa.text("SELECT current_setting('sitereg.actor')")) == (
                CONTEXT.actor
            )
    finally:
        del db_session.info[SESSION_TIMEOUT]


def test_record_context_keeps_the_limit_when_the_session_names_none(db_session: Session):
    before = db_session.scalar(sa.text("SHOW statement_timeout"))
    with db_session.begin_nested():
        record_context(db_session, CONTEXT)
        assert db_session.scalar(sa.text("SHOW statement_timeout")) == before
