"""OGC API – Features – Part 4: create, replace, update (JSON merge patch) and delete features.

The registry's one API for editing features. Each route parses the request (the body as a
GeoJSON Feature, ``Content-Crs``, ``If-Match``, ``repair``), calls
:func:`app.services.feature_writes.write_feature` and shapes the answer: the feature as stored,
its ``ETag`` (``W/"v<version>"``), and a ``warnings`` member listing non-blocking findings.

The per-write path is kept short (bench/writes.py): two worker threads, not five: one checks the
caller (``deps.get_writer``), one writes, reads the answer back inside the same transaction and
commits. The session is opened and closed on the event loop (``deps.get_write_session``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.access import Caller
from app.deps import SettingsDep, WriterDep, WriteSessionDep
from app.ogc.catalog import get_collection
from app.ogc.protocol import links
from app.ogc.protocol.crs import parse_ogc_crs
from app.schemas.problem import problem_responses
from app.services import drafts
from app.services.change_context import ChangeContext
from app.services.feature_writes import (
    Operation,
    WriteRequest,
    WriteResult,
    write_feature,
)
from app.services.write_specs import WRITE_SPECS, FeatureIn, WriteSpec
from app.settings import Settings
from app.write_errors import NotEditable
from spatial.errors import TooLarge

router = APIRouter(prefix="/ogc/collections", tags=["OGC API – Features – Part 4 (editing)"])

MERGE_PATCH: Final = "application/merge-patch+json"
ITEMS_ALLOW: Final = "GET, HEAD, POST, OPTIONS"
ITEM_ALLOW: Final = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
READ_ONLY_ALLOW: Final = "GET, HEAD, OPTIONS"
FeatureBody = Annotated[
    FeatureIn,
    Body(
        media_type=links.GEOJSON,
        description="A GeoJSON Feature: geometry (CRS84 unless Content-Crs) and properties.",
    ),
]
PatchBody = Annotated[
    dict[str, Any],
    Body(media_type=MERGE_PATCH, description="A JSON merge patch (RFC 7396) of the Feature."),
]
CollectionIdPath = Annotated[
    str,
    Path(
        alias="collectionId",
        description="An editable collection's id.",
        json_schema_extra={"enum": sorted(WRITE_SPECS)},
    ),
]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)

FeatureIdPath = Annotated[str, Path(alias="featureId", description="The feature's code.")]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag read (W/"v<version>…"); without it the body\'s "version" '
        "property is the expected version. Neither: 428. Stale: 412.",
    ),
]
ContentCrs = Annotated[
    str | None,
    Header(alias="Content-Crs", description="CRS of the body's coordinates (default CRS84)."),
]
Repair = Annotated[
    bool,
    Query(description="Let PostGIS repair an invalid geometry (the answer says what changed)."),
]


def _spec(collection_id: str) -> WriteSpec:
    get_collection(collection_id)  # 404 for an unknown collection
    spec = WRITE_SPECS.get(collection_id)
    if spec is None:
        raise NotEditable(collection_id)
    return spec


def _bounded(request: Request, settings: Settings) -> None:
    """Refuse a body larger than the upload limit before anything reads it (413)."""
    declared = request.headers.get("content-length")
    limit = int(settings.limits.upload_max_mb * 1024 * 1024)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body has {int(declared)} bytes; the limit is {limit} bytes")


def _answer(
    request: Request, session: Session, spec: WriteSpec, result: WriteResult, status: int
) -> Response:
    """Return the feature as stored, its version ETag and the write's warnings.

    A change kept as a draft (the agency wants it approved) is 202 with the draft.
    """
    if result.draft_id is not None:
        return _draft_answer(request, session, result)
    found = result.feature
    assert found is not None  # a stored feature is read back before the commit
    feature = json.loads(found.text)
    feature["warnings"] = [finding.as_json() for finding in result.findings]
    headers = {"ETag": f'W/"v{found.version}"', "Cache-Control": "no-store"}
    if status == 201:
        href = links.url(request, f"/ogc/collections/{spec.collection_id}/items/{result.code}")
        headers["Location"] = href
    return Response(
        json.dumps(feature, ensure_ascii=False).encode(),
        status_code=status,
        media_type=links.GEOJSON,
        headers=headers,
    )


def _draft_answer(request: Request, session: Session, result: WriteResult) -> Response:
    assert result.draft_id is not None
    draft, author = drafts.get_draft_unscoped(session, result.draft_id)
    body = {
        "draft": drafts.draft_json(draft, author),
        "detail": "kept as a draft until an approver of the agency accepts it",
        "warnings": [finding.as_json() for finding in result.findings],
    }
    href = links.url(request, f"/api/v1/drafts/{result.draft_id}")
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=202,
        media_type="application/json",
        headers={"Location": href, "Cache-Control": "no-store"},
    )


@dataclass(frozen=True)
class Call:
    """What every write route gets: the request, its caller and settings."""

    request: Request
    session: Session
    caller: Caller
    settings: Settings


async def _editable(collection_id: CollectionIdPath) -> WriteSpec:
    """Return the collection's write spec: 404 when unknown, 405 when nobody edits it."""
    return _spec(collection_id)


async def _call(
    request: Request,
    _editable_first: Annotated[WriteSpec, Depends(_editable)],
    session: WriteSessionDep,
    caller: WriterDep,
    settings: SettingsDep,
) -> Call:
    # Dependencies run in the order declared: an unknown or read-only collection is a 404 or
    # 405 before an anonymous write or a bad token is a 401, and an oversized body a 413.
    _bounded(request, settings)
    return Call(request, session, caller, settings)


CallDep = Annotated[Call, Depends(_call)]


async def _write(
    call: Call, collection_id: str, operation: Operation, status: int, **fields: Any
) -> Response:
    """Apply the write in one worker thread once admitted (``settings.limits.write_slots``)."""
    async with call.request.app.state.writes_in_flight.entered():
        return await run_in_threadpool(
            _write_in_thread, call, collection_id, operation, status, **fields
        )


def _write_in_thread(
    call: Call, collection_id: str, operation: Operation, status: int, **fields: Any
) -> Response:
    """Apply the write and return the answer, in this one worker thread."""
    spec = _spec(collection_id)
    # Part 2 writes the header as a URI in angle brackets: Content-Crs: <http://…/9208>.
    header = call.request.headers.get("content-crs")
    crs = parse_ogc_crs(None if header is None else header.strip().strip("<>"), "Content-Crs")
    write = WriteRequest(spec=spec, operation=operation, crs=crs, **fields)
    session = call.session
    try:
        context = ChangeContext.of(call.caller, getattr(call.request.state, "request_id", None))
        result = write_feature(session, call.caller, context, write)
        if status == 204 and result.draft_id is None:
            return Response(status_code=204)
        response = _answer(call.request, session, spec, result, status)
        session.commit()  # ends a draft answer's read: the session is left idle
        return response
    except Exception:
        session.rollback()  # in this thread: closing the session then sends nothing
        raise


@router.post(
    "/{collectionId}/items",
    name="ogc_create_feature",
    summary="Add a feature (Part 4: Create)",
    status_code=201,
    response_class=Response,
    responses={201: {"content": {links.GEOJSON: {}}}, **WRITE_ERRORS},
)
async def create_feature(
    call: CallDep,
    collection_id: CollectionIdPath,
    body: FeatureBody,
    _content_crs: ContentCrs = None,
    repair: Repair = False,
) -> Response:
    """Register a feature from a GeoJSON Feature; `Location` names it (201).

    A new site names the legal decision it follows in `change_decision_id` (and a
    `change_reason`). Writing needs an API token or a signed-in session whose agency keeps the
    layer, the site kind and the province.
    """
    return await _write(
        call, collection_id, Operation.CREATE, 201, body=body.model_dump(), repair=repair
    )


@router.put(
    "/{collectionId}/items/{featureId}",
    name="ogc_replace_feature",
    summary="Replace a feature (Part 4: Replace)",
    response_class=Response,
    responses={200: {"content": {links.GEOJSON: {}}}, **WRITE_ERRORS},
)
async def replace_feature(
    call: CallDep,
    collection_id: CollectionIdPath,
    feature_id: FeatureIdPath,
    body: FeatureBody,
    if_match: IfMatch = None,
    _content_crs: ContentCrs = None,
    repair: Repair = False,
) -> Response:
    """Replace a feature with the GeoJSON Feature sent (every writable property).

    The expected version is `If-Match` or, for clients that send none (QGIS), the `version`
    property as read. A status change of a site names its `change_decision_id`.
    """
    return await _write(
        call,
        collection_id,
        Operation.REPLACE,
        200,
        feature_id=feature_id,
        body=body.model_dump(),
        if_match=if_match,
        repair=repair,
    )


@router.patch(
    "/{collectionId}/items/{featureId}",
    name="ogc_update_feature",
    summary="Update part of a feature (Part 4: Update, JSON merge patch)",
    response_class=Response,
    responses={200: {"content": {links.GEOJSON: {}}}, **WRITE_ERRORS},
)
async def update_feature(
    call: CallDep,
    collection_id: CollectionIdPath,
    feature_id: FeatureIdPath,
    body: PatchBody,
    if_match: IfMatch = None,
    _content_crs: ContentCrs = None,
    repair: Repair = False,
) -> Response:
    """Apply a JSON merge patch (RFC 7396) to the feature: `properties` and/or `geometry`."""
    return await _write(
        call,
        collection_id,
        Operation.UPDATE,
        200,
        feature_id=feature_id,
        body=body,
        if_match=if_match,
        repair=repair,
    )


@router.delete(
    "/{collectionId}/items/{featureId}",
    name="ogc_delete_feature",
    summary="Delete a feature (Part 4: Delete)",
    status_code=204,
    response_class=Response,
    responses=WRITE_ERRORS,
)
async def delete_feature(
    call: CallDep,
    collection_id: CollectionIdPath,
    feature_id: FeatureIdPath,
    if_match: IfMatch = None,
    change_decision_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Legal decision of the deletion.")
    ] = None,
    change_reason: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Delete a feature; its versions stay in the history. A site's deletion names a decision."""
    reasons = {"change_decision_id": change_decision_id, "change_reason": change_reason}
    return await _write(
        call,
        collection_id,
        Operation.DELETE,
        204,
        feature_id=feature_id,
        body={key: value for key, value in reasons.items() if value is not None},
        if_match=if_match,
    )


@router.options("/{collectionId}/items", name="ogc_items_options", include_in_schema=False)
async def items_options(collection_id: CollectionIdPath) -> Response:
    """Say which methods the items resource allows (QGIS reads `Allow` to offer editing)."""
    get_collection(collection_id)
    allow = ITEMS_ALLOW if collection_id in WRITE_SPECS else READ_ONLY_ALLOW
    return Response(status_code=204, headers={"Allow": allow})


@router.options(
    "/{collectionId}/items/{featureId}", name="ogc_item_options", include_in_schema=False
)
async def item_options(collection_id: CollectionIdPath, feature_id: FeatureIdPath) -> Response:
    """Say which methods a feature allows."""
    get_collection(collection_id)
    allow = ITEM_ALLOW if collection_id in WRITE_SPECS else READ_ONLY_ALLOW
    return Response(status_code=204, headers={"Allow": allow})
