"""Who is changing the registry, and why: the settings the history triggers read.

Every write transaction states its author before its first statement. The triggers of migration
0021 copy these transaction-local settings (``set_config(..., true)``: they end with the
transaction) into ``registry_changes``, so the history says who, which request, which legal
decision and why, whatever code path wrote the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access import Caller
from app.db.engine import SESSION_TIMEOUT

AUTHOR_SQL = (
    "SELECT set_config('sitereg.actor_id', %(actor_id)s, true),"
    " set_config('sitereg.actor', %(actor)s, true),"
    " set_config('sitereg.request_id', %(request_id)s, true),"
    " set_config('sitereg.decision_id', %(decision_id)s, true),"
    " set_config('sitereg.reason', %(reason)s, true),"
    " set_config('sitereg.draft_id', %(draft_id)s, true),"
    " set_config('statement_timeout',"
    " COALESCE(NULLIF(%(statement_timeout)s, ''), current_setting('statement_timeout')), true)"
)
"""The statement that states a transaction's author, in the driver's paramstyle.

It also sets the write's time limit, when the session has one (``engine.SESSION_TIMEOUT``):
in the same statement, so a write pays no round trip for it. Empty keeps the current limit.
"""


@dataclass(frozen=True, slots=True)
class ChangeContext:
    """The author of a write (a user, or a named system process) and its reasons."""

    actor: str
    actor_id: int | None = None
    request_id: str | None = None
    decision_id: int | None = None
    reason: str | None = None
    draft_id: int | None = None

    @classmethod
    def of(cls, caller: Caller, request_id: str | None = None) -> ChangeContext:
        """Return the context of a signed-in caller's request."""
        return cls(
            actor=caller.username or "anonymous", actor_id=caller.user_id, request_id=request_id
        )

    def because(
        self, decision_id: int | None, reason: str | None, draft_id: int | None = None
    ) -> ChangeContext:
        """Return this context with the change's decision, reason and draft."""
        return ChangeContext(
            self.actor, self.actor_id, self.request_id, decision_id, reason, draft_id
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def author_settings(context: ChangeContext) -> dict[str, str]:
    """Return the parameters of ``AUTHOR_SQL`` for ``context`` (empty text for unknown)."""
    return {
        "actor_id": _text(context.actor_id),
        "actor": context.actor,
        "request_id": _text(context.request_id),
        "decision_id": _text(context.decision_id),
        "reason": _text(context.reason),
        "draft_id": _text(context.draft_id),
        "statement_timeout": "",
    }


def record_context(session: Session, context: ChangeContext) -> None:
    """State the author of the session's current transaction for the history triggers."""
    params = author_settings(context)
    params["statement_timeout"] = session.info.get(SESSION_TIMEOUT, "")
    session.connection().exec_driver_sql(AUTHOR_SQL, params)
