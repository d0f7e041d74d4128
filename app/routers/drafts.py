"""Drafts waiting for approval: list, read, preview, approve, reject."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response

from app.deps import ROW_ID_MAX, CallerDep, OffsetQuery, SessionDep
from app.schemas.problem import problem_responses
from app.services import drafts

router = APIRouter(prefix="/api/v1/drafts", tags=["editing"])
DraftId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The draft's id.")]


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


@router.get("", summary="Drafts in the caller's scope", responses=problem_responses(400, 401, 403))
def list_drafts(
    session: SessionDep,
    caller: CallerDep,
    status: Literal["pending", "approved", "rejected"] = "pending",
    code: Annotated[str | None, Query(max_length=64, description="Only this feature's.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    """Return the drafts of the caller's agency's layers (all for admins), newest first."""
    found = drafts.list_drafts(
        session, caller, status=status, code=code, limit=limit, offset=offset
    )
    return {"drafts": found, "numberReturned": len(found)}


@router.get("/{draft_id}", summary="One draft", responses=problem_responses(400, 401, 403, 404))
def get_draft(session: SessionDep, caller: CallerDep, draft_id: DraftId) -> dict[str, Any]:
    """Return a draft: the change as its author sent it, and its state."""
    draft, author = drafts.get_draft(session, caller, draft_id)
    return drafts.draft_json(draft, author)


@router.get(
    "/{draft_id}/preview",
    summary="What the draft's outline would change",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def preview_draft(session: SessionDep, caller: CallerDep, draft_id: DraftId) -> dict[str, Any]:
    """Return area gained and lost and the conflict check of the draft's new outline."""
    return drafts.preview_draft(session, caller, draft_id).as_json()


@router.post(
    "/{draft_id}/approve",
    summary="Approve a draft: write it as the approver",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
)
def approve_draft(
    request: Request, session: SessionDep, caller: CallerDep, draft_id: DraftId
) -> dict[str, Any]:
    """Write the draft on the version it was made on (412 when the feature changed since)."""
    result = drafts.approve(session, caller, draft_id, _request_id(request))
    return {
        "draft": draft_id,
        "code": result.code,
        "version": result.version,
        "warnings": [finding.as_json() for finding in result.findings],
    }


@router.post(
    "/{draft_id}/reject",
    summary="Reject a draft, saying why",
    status_code=204,
    response_class=Response,
    responses=problem_responses(400, 401, 403, 404, 409),
)
def reject_draft(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    draft_id: DraftId,
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=2000)],
) -> Response:
    """Close the draft unwritten; the reason is kept with it."""
    drafts.reject(session, caller, draft_id, reason, _request_id(request))
    return Response(status_code=204)
