"""Admins keep plan targets and reported figures: create, update and retire, each with a reason.

Both tables are versioned by the database (migration 0028): the triggers keep every replaced or
retired version in ``<table>_versions`` and a row of the change feed, signed with the admin and
the reason stated here (``change_context``). One transaction per write: the row is locked, the
version the admin read compared (428 without one, 412 when stale), the fields checked, the row
written and read back, then committed; anything wrong rolls it all back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.access import Caller, Forbidden, Unauthorized
from app.map.i18n import TEXTS
from app.models import PlanTarget, ReportedFigure
from app.models.enums import Role
from app.repositories import Conflict, NotFound
from app.schemas.problem import ProblemLocation
from app.schemas.target import (
    PlanTargetCreate,
    PlanTargetFields,
    PlanTargetUpdate,
    RecordWritten,
    ReportedFigureCreate,
    ReportedFigureFields,
    ReportedFigureUpdate,
    RetireRequest,
)
from app.services.change_context import ChangeContext, record_context
from app.services.feature_writes import check_version
from app.write_errors import InvalidFeature

# Columns the database keeps itself: the key, the version and when it began.
STAMPS = frozenset({"id", "version", "recorded_from"})


@dataclass(frozen=True)
class RecordKind:
    """One kind of admin-kept record: its name, table, fields and the checks across fields."""

    name: str
    table: sa.Table
    fields: type[BaseModel]
    check: Callable[[Session, dict[str, Any]], list[ProblemLocation]]


def _target_problems(session: Session, values: dict[str, Any]) -> list[ProblemLocation]:
    problems = []
    if f"dash.metric.{values['metric']}" not in TEXTS:
        prefix = "dash.metric."
        known = sorted(k.removeprefix(prefix) for k in TEXTS if k.startswith(prefix))
        detail = f"unknown metric {values['metric']!r}: the registry measures {', '.join(known)}"
        problems.append(ProblemLocation(pointer="/body/metric", detail=detail))
    start, deadline = values.get("period_start"), values["deadline"]
    if start is not None and start > deadline:
        detail = f"the period starts ({start}) after the deadline ({deadline})"
        problems.append(ProblemLocation(pointer="/body/period_start", detail=detail))
    return problems


def _figure_problems(session: Session, values: dict[str, Any]) -> list[ProblemLocation]:
    known = session.scalar(
        sa.select(sa.func.count()).where(PlanTarget.code == values["target_code"])
    )
    if known:
        return []
    detail = f"no plan target has the code {values['target_code']!r}"
    return [ProblemLocation(pointer="/body/target_code", detail=detail)]


TARGETS = RecordKind(
    "plan target", cast(sa.Table, PlanTarget.__table__), PlanTargetFields, _target_problems
)
FIGURES = RecordKind(
    "reported figure",
    cast(sa.Table, ReportedFigure.__table__),
    ReportedFigureFields,
    _figure_problems,
)


def require_admin(caller: Caller, kind: RecordKind) -> None:
    """Allow admins only: targets and reported figures are the province's, not an agency's.

    Raises:
        Unauthorized: the caller is anonymous.
        Forbidden: the caller is not an admin.
    """
    if not caller.authenticated:
        raise Unauthorized(f"keeping a {kind.name} needs an admin's API token or session")
    if caller.role is not Role.ADMIN:
        raise Forbidden(
            f"user '{caller.username}' is a {caller.role}: only admins keep a {kind.name}"
        )


def _checked(session: Session, kind: RecordKind, values: dict[str, Any]) -> dict[str, Any]:
    """Return ``values`` validated as a whole record, or raise naming every wrong field."""
    try:
        typed = kind.fields.model_validate(values).model_dump()
    except ValidationError as exc:
        problems = [
            ProblemLocation(
                pointer="/body/" + "/".join(str(p) for p in error["loc"]), detail=error["msg"]
            )
            for error in exc.errors()
        ]
    else:
        problems = kind.check(session, typed)
        if not problems:
            return typed
    summary = "; ".join(f"{p.pointer}: {p.detail}" for p in problems)
    raise InvalidFeature(summary, problems)


def _written(kind: RecordKind, row: Any) -> RecordWritten:
    record = {k: v for k, v in row._asdict().items() if k not in ("id", "recorded_from")}
    return RecordWritten(code=row.code, version=row.version, record=record)


def _commit(session: Session, write: Callable[[], RecordWritten]) -> RecordWritten:
    try:
        result = write()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _sign(session: Session, caller: Caller, reason: str, request_id: str | None) -> None:
    record_context(session, ChangeContext.of(caller, request_id).because(None, reason))


def create(
    session: Session,
    caller: Caller,
    kind: RecordKind,
    body: PlanTargetCreate | ReportedFigureCreate,
    *,
    request_id: str | None = None,
) -> RecordWritten:
    """Add a record (version 1) signed with the admin and the reason; return it.

    Raises:
        Unauthorized, Forbidden: not an admin.
        InvalidFeature: a field is wrong (every one is named).
        Conflict: the code is taken.
    """
    require_admin(caller, kind)
    sent = body.model_dump()
    code, reason = sent.pop("code"), sent.pop("reason")

    def write() -> RecordWritten:
        values = _checked(session, kind, sent)
        _sign(session, caller, reason, request_id)
        taken = session.scalar(sa.select(kind.table.c.id).where(kind.table.c.code == code))
        if taken is not None:
            raise Conflict(f"a {kind.name} with the code '{code}' exists")
        row = session.execute(
            sa.insert(kind.table).values(code=code, **values).returning(*kind.table.c)
        ).one()
        return _written(kind, row)

    return _commit(session, write)


def _lock(session: Session, kind: RecordKind, code: str) -> Any:
    row = session.execute(
        sa.select(*kind.table.c).where(kind.table.c.code == code).with_for_update()
    ).first()
    if row is None:
        raise NotFound(kind.name, code)
    return row


def update(
    session: Session,
    caller: Caller,
    kind: RecordKind,
    code: str,
    body: PlanTargetUpdate | ReportedFigureUpdate,
    *,
    expected: int | None,
    request_id: str | None = None,
) -> RecordWritten:
    """Change the fields sent (the others stay) as a new version signed with the reason.

    Raises:
        Unauthorized, Forbidden: not an admin.
        NotFound: no such record.
        PreconditionRequired, PreconditionFailed: no expected version, or a stale one.
        InvalidFeature: a field is wrong, alone or with the others.
    """
    require_admin(caller, kind)
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version", "reason"})
    reason = body.reason

    def write() -> RecordWritten:
        current = _lock(session, kind, code)
        check_version(expected, current.version)
        kept = {k: v for k, v in current._asdict().items() if k not in STAMPS | {"code"}}
        values = _checked(session, kind, {**kept, **changes})
        _sign(session, caller, reason, request_id)
        row = session.execute(
            sa.update(kind.table)
            .where(kind.table.c.id == current.id)
            .values(**values)
            .returning(*kind.table.c)
        ).one()
        return _written(kind, row)

    return _commit(session, write)


def retire(
    session: Session,
    caller: Caller,
    kind: RecordKind,
    code: str,
    body: RetireRequest,
    *,
    expected: int | None,
    request_id: str | None = None,
) -> RecordWritten:
    """Retire a record: it leaves the figures, its versions and the reason stay in the history.

    Raises:
        Unauthorized, Forbidden: not an admin.
        NotFound: no such record.
        PreconditionRequired, PreconditionFailed: no expected version, or a stale one.
        Conflict: a target that reported figures still refer to.
    """
    require_admin(caller, kind)

    def write() -> RecordWritten:
        current = _lock(session, kind, code)
        check_version(expected, current.version)
        if kind is TARGETS:
            _refuse_if_reported(session, code)
        _sign(session, caller, body.reason, request_id)
        session.execute(sa.delete(kind.table).where(kind.table.c.id == current.id))
        return RecordWritten(code=code, version=None, retired=True, record={})

    return _commit(session, write)


def _refuse_if_reported(session: Session, code: str) -> None:
    figures = list(
        session.scalars(sa.select(ReportedFigure.code).where(ReportedFigure.target_code == code))
    )
    if figures:
        raise Conflict(
            f"plan target '{code}' has reported figures ({', '.join(figures)}): "
            "retire them or move them to another target first"
        )
