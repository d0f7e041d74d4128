"""Legal decisions: search by number, one decision with the sites citing it, its document."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from app.deps import ROW_ID_MAX, PageDep, SessionDep
from app.errors import InvalidParameter
from app.ogc.protocol import links
from app.repositories.decisions import DecisionFilters
from app.schemas.decision import JSON, DecisionDetail, DecisionPage
from app.schemas.problem import problem_responses
from app.schemas.site import Link
from app.services import decisions

router = APIRouter(prefix="/api/v1/decisions", tags=["decisions"])
DOCUMENT_TYPES = ("application/pdf", decisions.DOCX, "image/png", "image/jpeg", "image/tiff")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


DecisionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The decision's id.")]


def _page_links(request: Request, matched: int, limit: int, offset: int) -> list[Link]:
    return [Link(**item) for item in links.listing_links(request, matched, limit, offset, JSON)]


@router.get(
    "",
    response_model=DecisionPage,
    summary="Search legal decisions by number, issuer and date",
    responses=problem_responses(400),
)
def list_decisions(
    request: Request,
    session: SessionDep,
    page: PageDep,
    number: Annotated[
        str | None,
        Query(
            description="Whole words of the number, case, diacritics and punctuation ignored.",
            examples=["525", "qd ubnd", "525/QĐ-UBND"],
        ),
    ] = None,
    issuer: Annotated[str | None, Query(examples=["UBND tỉnh Lào Cai"])] = None,
    date_from: Annotated[date | None, Query(alias="from", description="Dated on or after.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Dated on or before.")] = None,
) -> DecisionPage:
    """Return legal decisions, newest first, paged like `/api/v1/sites`.

    `number` matches whole words in order, ignoring case, Vietnamese diacritics, Đ/D and
    punctuation: `525`, `qd-ubnd`, `QD UBND` and `525/QĐ-UBND` all find *525/QĐ-UBND*.
    """
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("from", f"{date_from} is after to={date_to}")
    filters = DecisionFilters(number=number, issuer=issuer, date_from=date_from, date_to=date_to)
    matched, found = decisions.list_decisions(
        session, filters=filters, limit=page.limit, offset=page.offset, base=_base(request)
    )
    return DecisionPage(
        decisions=found,
        numberMatched=matched,
        numberReturned=len(found),
        links=_page_links(request, matched, page.limit, page.offset),
    )


@router.get(
    "/{decision_id}",
    response_model=DecisionDetail,
    summary="One legal decision with the sites that cite it",
    responses=problem_responses(400, 404),
)
def get_decision(request: Request, decision_id: DecisionId, session: SessionDep) -> DecisionDetail:
    """Return one decision: number, date, issuer, subject, its document's facts, its sites."""
    return decisions.decision_detail(session, decision_id, _base(request))


def _disposition(file_name: str) -> str:
    """Return an attachment header with an ASCII name and the exact UTF-8 one (RFC 6266)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.get(
    "/{decision_id}/document",
    response_class=Response,
    summary="The document file attached to a legal decision",
    responses={
        200: {"content": {media_type: {} for media_type in DOCUMENT_TYPES}},
        **problem_responses(400, 404),
    },
)
def get_document(decision_id: DecisionId, session: SessionDep) -> Response:
    """Return the attached file, byte for byte, with its media type and file name.

    The `ETag` is the file's SHA-256. A decision without a document is a 404 problem.
    """
    document = decisions.document(session, decision_id)
    headers = {
        "Content-Disposition": _disposition(document.file_name),
        "ETag": f'"{document.sha256}"',
    }
    return Response(document.content, media_type=document.media_type, headers=headers)
