"""The history of a plan target or reported figure: every version, who wrote it and why."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.history import RegistryChange, twin
from app.repositories import NotFound
from app.schemas.target import RecordHistory, RecordVersion
from app.services.target_writes import RecordKind

HIDDEN = frozenset({"id", "recorded_from", "recorded_to"})


def _versions(session: Session, kind: RecordKind, code: str) -> list[Any]:
    """Return the live row and the replaced versions of ``code``, with their changes."""
    table, old = kind.table, twin(kind.table)
    names = [column.name for column in table.columns]
    live = sa.select(
        *table.c, sa.null().cast(sa.DateTime(timezone=True)).label("recorded_to")
    ).where(table.c.code == code)
    past = sa.select(*(old.c[name] for name in names), old.c.recorded_to).where(old.c.code == code)
    versions = sa.union_all(live, past).subquery("versions")
    change = sa.and_(
        RegistryChange.layer == table.name,
        RegistryChange.feature_id == versions.c.id,
        RegistryChange.version == versions.c.version,
    )
    query = sa.select(
        versions,
        RegistryChange.operation,
        RegistryChange.actor,
        RegistryChange.request_id,
        RegistryChange.reason,
    ).outerjoin(RegistryChange, change)
    return list(session.execute(query).mappings())


def _retirements(session: Session, kind: RecordKind, code: str) -> list[RecordVersion]:
    query = sa.select(RegistryChange).where(
        RegistryChange.layer == kind.table.name,
        RegistryChange.code == code,
        RegistryChange.operation == "delete",
    )
    return [
        RecordVersion(
            version=change.version,
            operation="delete",
            recorded_from=change.recorded_at,
            recorded_to=None,
            actor=change.actor,
            request_id=change.request_id,
            reason=change.reason,
            record=None,
        )
        for change in session.scalars(query)
    ]


def record_history(session: Session, kind: RecordKind, code: str) -> RecordHistory:
    """Return every version of a target or reported figure, newest first, retired or not.

    Raises:
        NotFound: when no record ever had this code.
    """
    rows = _versions(session, kind, code)
    changes = ("operation", "actor", "request_id", "reason")
    versions = [
        RecordVersion(
            version=row["version"],
            recorded_from=row["recorded_from"],
            recorded_to=row["recorded_to"],
            record={k: v for k, v in row.items() if k not in HIDDEN and k not in changes},
            **{k: row[k] for k in changes},
        )
        for row in rows
    ] + _retirements(session, kind, code)
    if not versions:
        raise NotFound(kind.name, code)
    # By time, then version: one transaction's versions share their time (now()).
    versions.sort(key=lambda v: (v.recorded_from is not None, v.recorded_from, v.version))
    versions.reverse()
    current = next((v.version for v in versions if v.recorded_to is None and v.record), None)
    retired = versions[0].operation == "delete"
    return RecordHistory(code=code, current_version=None if retired else current, versions=versions)
