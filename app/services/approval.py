"""Whether an editor's change waits for an approver, and keeping it as a draft meanwhile.

The agency decides (``agencies.approval_for``, default ``geometry`` and ``status``): an editor's
change touching one of those is stored in ``drafts`` instead of the registry, whole and
validated, with the version it was made on. Approvers and admins write directly; approving a
draft replays it through the same write path (``app.services.drafts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access import Caller
from app.models import Draft
from app.models.enums import Role


@dataclass(frozen=True, slots=True)
class ChangeShape:
    """What a write changes, as the approval rules look at it."""

    operation: str
    geometry_changed: bool
    status_changed: bool


def approval_needs(caller: Caller, change: ChangeShape) -> list[str]:
    """Return what of ``change`` needs an approver's acceptance (empty: write directly)."""
    if caller.role is not Role.EDITOR:
        return []
    wanted = caller.approval_for
    needs = [
        name
        for name, applies in (
            ("create", change.operation == "create"),
            ("delete", change.operation == "delete"),
            ("geometry", change.geometry_changed and change.operation != "delete"),
            ("status", change.status_changed),
            ("attributes", change.operation in ("replace", "update")),
        )
        if applies and name in wanted
    ]
    return needs


@dataclass(frozen=True, slots=True)
class DraftSubmission:
    """The write to keep as a draft: where, what, on which version, as sent."""

    collection: str
    layer: str
    code: str
    operation: str
    base_version: int | None
    body: dict[str, Any]
    content_crs: str | None
    repair: bool
    needs: list[str]


def submit_draft(
    session: Session, caller: Caller, submission: DraftSubmission, request_id: str | None
) -> int:
    """Store the change as a pending draft and return its id (the caller commits)."""
    assert caller.user_id is not None  # an editor is a signed-in user
    draft = Draft(
        collection=submission.collection,
        layer=submission.layer,
        code=submission.code,
        operation=submission.operation,
        base_version=submission.base_version,
        body=submission.body,
        content_crs=submission.content_crs,
        repair=submission.repair,
        needs=submission.needs,
        author_id=caller.user_id,
        request_id=request_id,
    )
    session.add(draft)
    session.flush()
    return draft.id


def mark_approved(
    session: Session, draft_id: int, reviewer_id: int | None, version: int | None
) -> None:
    """Record the approval on the draft, in the write's transaction."""
    session.execute(
        sa.update(Draft)
        .where(Draft.id == draft_id)
        .values(
            status="approved",
            reviewer_id=reviewer_id,
            reviewed_at=sa.func.now(),
            result_version=version,
        )
    )
