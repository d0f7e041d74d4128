"""Plan target reads."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import PlanTarget


def list_targets(session: Session) -> list[PlanTarget]:
    """Return every plan target, ordered by deadline then code."""
    query = sa.select(PlanTarget).order_by(PlanTarget.deadline, PlanTarget.code)
    return list(session.scalars(query))
