"""Drafts: list them for the people who review them, approve (replaying the write) or reject.

Approving replays the draft through :func:`app.services.feature_writes.write_feature` as the
approver, on the version the editor started from: if the feature changed meanwhile the
approval is a 412 and the draft stays pending. The feed row of the approved write names the
draft, whose row names its author, so the history shows both people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access import Caller, Forbidden, Unauthorized
from app.models import Draft, User
from app.models.enums import Role
from app.ogc.protocol.crs import parse_ogc_crs
from app.repositories import Conflict, NotFound
from app.services.change_context import ChangeContext
from app.services.change_preview import ChangePreview, preview_outline
from app.services.feature_writes import Operation, WriteRequest, WriteResult, write_feature
from app.services.write_specs import WRITE_SPECS

REVIEWERS = frozenset({Role.APPROVER, Role.ADMIN})
READERS = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})


def _require(caller: Caller, roles: frozenset[Role], what: str) -> None:
    if not caller.authenticated:
        raise Unauthorized("drafts are for signed-in editors and approvers")
    if caller.role not in roles:
        raise Forbidden(f"user '{caller.username}' is a {caller.role}: it may not {what}")


def _visible(caller: Caller) -> Any:
    """Return the condition of the drafts ``caller`` may see: its agency's layers, or all."""
    if caller.role is Role.ADMIN:
        return sa.true()
    return Draft.layer.in_(sorted(caller.layers))


def draft_json(draft: Draft, author: str) -> dict[str, Any]:
    """Return a draft as the API answers it."""
    return {
        "id": draft.id,
        "collection": draft.collection,
        "code": draft.code,
        "operation": draft.operation,
        "status": draft.status,
        "needs": list(draft.needs),
        "base_version": draft.base_version,
        "author": author,
        "created_at": draft.created_at.isoformat() if draft.created_at else None,
        "feature": draft.body,
        "content_crs": draft.content_crs,
        "change_decision_id": _properties(draft).get("change_decision_id"),
        "change_reason": _properties(draft).get("change_reason"),
        "reviewed_at": draft.reviewed_at.isoformat() if draft.reviewed_at else None,
        "review_reason": draft.review_reason,
        "result_version": draft.result_version,
    }


def _properties(draft: Draft) -> dict[str, Any]:
    properties = draft.body.get("properties")
    return properties if isinstance(properties, dict) else draft.body


def list_drafts(
    session: Session, caller: Caller, *, status: str, code: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return the drafts in the caller's scope, newest first."""
    _require(caller, READERS, "read drafts")
    statement = (
        sa.select(Draft, User.username)
        .join(User, User.id == Draft.author_id)
        .where(Draft.status == status, _visible(caller))
        .order_by(Draft.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if code is not None:
        statement = statement.where(Draft.code == code)
    return [draft_json(draft, author) for draft, author in session.execute(statement)]


def get_draft(session: Session, caller: Caller, draft_id: int) -> tuple[Draft, str]:
    """Return one draft in the caller's scope and its author's name.

    Raises:
        NotFound: no such draft, or not one the caller may see.
    """
    _require(caller, READERS, "read drafts")
    return _draft_row(session, draft_id, _visible(caller))


def get_draft_unscoped(session: Session, draft_id: int) -> tuple[Draft, str]:
    """Return a draft just written by the caller (its own: no scope check) and its author."""
    return _draft_row(session, draft_id, sa.true())


def _draft_row(session: Session, draft_id: int, visible: Any) -> tuple[Draft, str]:
    row = session.execute(
        sa.select(Draft, User.username)
        .join(User, User.id == Draft.author_id)
        .where(Draft.id == draft_id, visible)
    ).one_or_none()
    if row is None:
        raise NotFound("draft", str(draft_id))
    return row[0], row[1]


def preview_draft(session: Session, caller: Caller, draft_id: int) -> ChangePreview:
    """Return the preview of a draft's outline (a site's; other layers have none)."""
    draft, _ = get_draft(session, caller, draft_id)
    geometry = draft.body.get("geometry")
    if draft.layer != "sites" or draft.operation == "create" or geometry is None:
        raise Conflict("only a draft replacing a site's outline has an outline preview")
    return preview_outline(session, draft.code, geometry, parse_ogc_crs(draft.content_crs, "crs"))


def approve(session: Session, caller: Caller, draft_id: int, request_id: str | None) -> WriteResult:
    """Write the draft as the approver; a second person, in the scope the write needs.

    Raises:
        Forbidden: the caller is not an approver or admin, or wrote the draft.
        Conflict: the draft is not pending.
        PreconditionFailed: the feature changed since the draft was made.
    """
    _require(caller, REVIEWERS, "approve drafts")
    draft, _ = get_draft(session, caller, draft_id)
    _reviewable(caller, draft)
    base = draft.base_version
    write = WriteRequest(
        spec=WRITE_SPECS[draft.collection],
        operation=Operation(draft.operation),
        feature_id=None if draft.operation == "create" else draft.code,
        body=draft.body,
        if_match=None if base is None else f'W/"v{base}"',
        crs=parse_ogc_crs(draft.content_crs, "crs"),
        repair=draft.repair,
        approving_draft=draft.id,
    )
    return write_feature(session, caller, ChangeContext.of(caller, request_id), write)


def reject(
    session: Session, caller: Caller, draft_id: int, reason: str, request_id: str | None
) -> None:
    """Close a draft without writing it, saying why."""
    _require(caller, REVIEWERS, "reject drafts")
    draft, _ = get_draft(session, caller, draft_id)
    _reviewable(caller, draft)
    draft.status = "rejected"
    draft.reviewer_id = caller.user_id
    draft.reviewed_at = datetime.now(UTC)
    draft.review_reason = reason
    session.commit()


def _reviewable(caller: Caller, draft: Draft) -> None:
    if draft.status != "pending":
        raise Conflict(f"draft {draft.id} is {draft.status}, not pending")
    if draft.author_id == caller.user_id:
        raise Forbidden("a second person approves: the author of a draft may not review it")
