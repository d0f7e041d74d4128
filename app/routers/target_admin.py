"""Admins keep plan targets and the figures agencies reported, each change with its reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response, status

from app.deps import CallerDep, SessionDep
from app.ogc.protocol import caching
from app.schemas.problem import problem_responses
from app.schemas.target import (
    PlanTargetCreate,
    PlanTargetUpdate,
    RecordHistory,
    RecordWritten,
    ReportedFigureCreate,
    ReportedFigureUpdate,
    RetireRequest,
)
from app.services import target_history, target_writes
from app.services.restore import expected_from
from app.services.target_writes import FIGURES, TARGETS, RecordKind

router = APIRouter(prefix="/api/v1", tags=["targets"])
Code = Annotated[str, Path(min_length=1, max_length=64, description="The record's code.")]
IfMatch = Annotated[
    str | None, Header(description='The current version\'s ETag, W/"v<n>" (or expected_version).')
]
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 428)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _answer(response: Response, written: RecordWritten) -> RecordWritten:
    if written.version is not None:
        response.headers["ETag"] = caching.version_etag(written.version)
    return written


@router.post(
    "/targets",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordWritten,
    summary="Add a plan target (admins)",
    responses=problem_responses(400, 401, 403, 409),
)
def create_target(
    request: Request,
    response: Response,
    body: PlanTargetCreate,
    session: SessionDep,
    caller: CallerDep,
) -> RecordWritten:
    """Add a plan target with its legal source and the rule (`metric`) that measures it.

    `metric` must be a rule the registry implements and explains on the dashboard (400
    otherwise, naming the known ones). The history keeps the admin and the `reason`.
    """
    written = target_writes.create(session, caller, TARGETS, body, request_id=_request_id(request))
    return _answer(response, written)


def _update(
    request: Request,
    kind: RecordKind,
    code: str,
    body: PlanTargetUpdate | ReportedFigureUpdate,
    session: SessionDep,
    caller: CallerDep,
    if_match: str | None,
) -> RecordWritten:
    expected = expected_from(if_match, body.expected_version)
    return target_writes.update(
        session, caller, kind, code, body, expected=expected, request_id=_request_id(request)
    )


@router.patch(
    "/targets/{code}",
    response_model=RecordWritten,
    summary="Change a plan target (admins); the old version stays in its history",
    responses=WRITE_PROBLEMS,
)
def update_target(
    request: Request,
    response: Response,
    code: Code,
    body: PlanTargetUpdate,
    session: SessionDep,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> RecordWritten:
    """Change the fields sent; the others stay. Name the version read and say why.

    `If-Match: W/"v<n>"` or `expected_version` (428 without either, 412 when stale).
    """
    written = _update(request, TARGETS, code, body, session, caller, if_match)
    return _answer(response, written)


def _retire(
    request: Request,
    kind: RecordKind,
    code: str,
    body: RetireRequest,
    session: SessionDep,
    caller: CallerDep,
    if_match: str | None,
) -> RecordWritten:
    expected = expected_from(if_match, body.expected_version)
    return target_writes.retire(
        session, caller, kind, code, body, expected=expected, request_id=_request_id(request)
    )


@router.post(
    "/targets/{code}/retire",
    response_model=RecordWritten,
    summary="Retire a plan target (admins); its history stays",
    responses=WRITE_PROBLEMS,
)
def retire_target(
    request: Request,
    code: Code,
    body: RetireRequest,
    session: SessionDep,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> RecordWritten:
    """Take a target off the dashboard and `/api/v1/targets`; its versions stay in the history.

    409 while reported figures still refer to it.
    """
    return _retire(request, TARGETS, code, body, session, caller, if_match)


@router.get(
    "/targets/{code}/history",
    response_model=RecordHistory,
    summary="A plan target's versions: who changed it, when and why",
    responses=problem_responses(400, 404),
)
def target_versions(code: Code, session: SessionDep) -> RecordHistory:
    """Return every version of a plan target, newest first, retired or not."""
    return target_history.record_history(session, TARGETS, code)


@router.post(
    "/reported-figures",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordWritten,
    summary="Add a figure an agency reported for a target (admins)",
    responses=problem_responses(400, 401, 403, 409),
)
def create_figure(
    request: Request,
    response: Response,
    body: ReportedFigureCreate,
    session: SessionDep,
    caller: CallerDep,
) -> RecordWritten:
    """Add an agency's figure with its document and date, shown beside the registry's figure."""
    written = target_writes.create(session, caller, FIGURES, body, request_id=_request_id(request))
    return _answer(response, written)


@router.patch(
    "/reported-figures/{code}",
    response_model=RecordWritten,
    summary="Change a reported figure (admins); the old version stays in its history",
    responses=WRITE_PROBLEMS,
)
def update_figure(
    request: Request,
    response: Response,
    code: Code,
    body: ReportedFigureUpdate,
    session: SessionDep,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> RecordWritten:
    """Change the fields sent; the others stay. Name the version read and say why."""
    written = _update(request, FIGURES, code, body, session, caller, if_match)
    return _answer(response, written)


@router.post(
    "/reported-figures/{code}/retire",
    response_model=RecordWritten,
    summary="Retire a reported figure (admins); its history stays",
    responses=WRITE_PROBLEMS,
)
def retire_figure(
    request: Request,
    code: Code,
    body: RetireRequest,
    session: SessionDep,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> RecordWritten:
    """Take a reported figure off the dashboard; its versions stay in the history."""
    return _retire(request, FIGURES, code, body, session, caller, if_match)


@router.get(
    "/reported-figures/{code}/history",
    response_model=RecordHistory,
    summary="A reported figure's versions: who changed it, when and why",
    responses=problem_responses(400, 404),
)
def figure_versions(code: Code, session: SessionDep) -> RecordHistory:
    """Return every version of a reported figure, newest first, retired or not."""
    return target_history.record_history(session, FIGURES, code)
