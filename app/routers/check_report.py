"""The proposal check filed as a document: a PDF or CSV report to download."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Final

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response

from app.db.admission import CLIENT_CLOSED_REQUEST, ClientGone, until_client_leaves
from app.deps import AnalysisSessionDep, AsOfDep, SettingsDep
from app.errors import InvalidParameter
from app.map.i18n import LANGS, Lang
from app.routers.analysis import (
    CHECK_BODY,
    CrsQuery,
    ProvinceQuery,
    Received,
    receive_upload,
    vertices_estimate,
)
from app.schemas.analysis import ReportFormat
from app.schemas.problem import problem_responses
from app.services import check_document, check_pdf

router = APIRouter(prefix="/api/v1", tags=["analysis"])

NAME_MAX_CHARS: Final = 200
MEDIA_TYPES: Final = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv; charset=utf-8",
}


def _report_body() -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(CHECK_BODY)
    fields = body["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    fields["name"] = {
        "type": "string",
        "maxLength": NAME_MAX_CHARS,
        "description": "As the name query parameter",
    }
    fields["lang"] = {
        "type": "string",
        "enum": list(LANGS),
        "description": "As the lang query parameter",
    }
    return body


def _lang(received: Received, query_value: str | None) -> Lang:
    value = received.text("lang", query_value) or "vi"
    if value not in LANGS:
        raise InvalidParameter("lang", f"'{value}' is not a report language; use vi or en")
    return "en" if value == "en" else "vi"


def _name(received: Received, query_value: str | None) -> str:
    value = received.text("name", query_value) or ""
    if len(value) > NAME_MAX_CHARS:
        raise InvalidParameter(
            "name", f"the name has {len(value)} characters; at most {NAME_MAX_CHARS}"
        )
    return value


@router.post(
    "/analysis/check/report",
    response_class=Response,
    summary="File a proposed-boundary check as a PDF or CSV report",
    openapi_extra=_report_body(),
    responses={
        200: {
            "description": "The report, as an attachment.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **problem_responses(400, 413, 415, 422),
    },
)
async def check_report(
    request: Request,
    settings: SettingsDep,
    session: AnalysisSessionDep,
    as_of: AsOfDep,
    crs: CrsQuery = None,
    province: ProvinceQuery = None,
    format: ReportFormat = ReportFormat.PDF,  # noqa: A002 (the API's parameter name)
    lang: Annotated[str | None, Query(description="Report language: vi (default) or en.")] = None,
    name: Annotated[
        str | None, Query(description="The proposal's name, printed on the report.")
    ] = None,
) -> Response:
    """Check an uploaded boundary as `/analysis/check` does and return the report to file.

    The report carries the proposal's name and the date, a sketch map of the proposal and what
    it overlaps, the findings (forest by category, protected areas, sites, provinces, former
    districts, 2025 communes by label point), the VN-2000 vertex table on the province's TM-3
    meridian, the forest datasets and the caveats. Every format `/analysis/check` reads is read
    here, coordinate tables and drawings too. `crs`, `province`, `name` and `lang` may also be
    sent as form fields of a multipart body. Nothing is stored.
    """
    max_bytes = int(settings.limits.upload_max_mb * 1_000_000)
    received = await receive_upload(request, max_bytes)
    upload = check_document.CheckInput(
        received.data,
        received.file_name,
        received.crs(crs, province),
        max_bytes,
        settings.limits.zip_limits(),
        as_of,
        settings.limits.proposal_limits(),
    )
    state = request.app.state
    work = check_document.build(
        state.check_pool,
        # A costly proposal waits in the costly checks' lane, as on /analysis/check.
        state.check_lanes.lane(vertices_estimate(received.data)),
        session,
        upload,
        name=_name(received, name),
        lang=_lang(received, lang),
        client_gone=request.is_disconnected,
    )
    try:
        doc = await until_client_leaves(request.receive, work)
    except ClientGone:
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    return await _file(doc, format)


async def _file(doc: check_document.CheckDocument, fmt: ReportFormat) -> Response:
    """Return the document as a PDF (rendered in a worker thread) or CSV attachment."""
    if fmt is ReportFormat.PDF:
        content = await anyio.to_thread.run_sync(check_pdf.render, doc)
    else:
        content = check_document.csv_bytes(doc)
    file_name = f"proposal-check-{doc.checked_on.isoformat()}.{fmt.value}"
    disposition = f'attachment; filename="{file_name}"'
    return Response(
        content, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition}
    )
