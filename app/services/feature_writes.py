"""Create, replace, update and delete one feature: the one write path of the registry.

OGC API – Features Part 4 (``app.ogc.features.writes``), the CLI and approved drafts all call
:func:`write_feature`. One transaction per write: the current row is locked (``FOR UPDATE``),
the expected version checked (lost updates are refused, never merged), the caller's scope
checked against the row as it is and as it will be, the properties validated, the geometry
checked in PostGIS, the author stated for the history triggers (``change_context``), the rows
written, and the answer read back in the same transaction, before the commit (so the session is
left idle: closing it sends no ROLLBACK, which would also make psycopg drop the connection's
prepared statements). Anything wrong rolls the whole write back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access import Caller, require_write
from app.db.pipeline import one_round_trip
from app.ogc.catalog import get_collection
from app.ogc.features import fetch
from app.ogc.features.query import RawQuery, build_query
from app.ogc.protocol.crs import OgcCrs
from app.repositories import NotFound
from app.schemas.problem import ProblemLocation
from app.services import row_writers
from app.services.approval import (
    ChangeShape,
    DraftSubmission,
    approval_needs,
    mark_approved,
    submit_draft,
)
from app.services.change_context import ChangeContext, record_context
from app.services.write_checks import (
    Finding,
    PreparedGeometry,
    parse_geometry,
    prepare_geometry,
)
from app.services.write_specs import ChangeFields, WriteSpec, writable_input
from app.write_errors import (
    InvalidFeature,
    PreconditionFailed,
    PreconditionRequired,
)


class Operation(StrEnum):
    """The four operations of Part 4."""

    CREATE = "create"
    REPLACE = "replace"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class WriteRequest:
    """One write as the API received it, parsed but not yet validated."""

    spec: WriteSpec
    operation: Operation
    feature_id: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    if_match: str | None = None
    crs: OgcCrs | None = None
    repair: bool = False
    # Set when an approver accepts this draft: written directly, the feed names the draft.
    approving_draft: int | None = None


@dataclass(frozen=True)
class WriteResult:
    """What a write did: the feature's code, its new version (None once deleted), findings."""

    code: str
    version: int | None
    created: bool
    findings: tuple[Finding, ...]
    # Set when the change waits for an approver instead of being written.
    draft_id: int | None = None
    # The feature as stored (the API's answer), read before the commit; None when not stored.
    feature: fetch.FeatureText | None = None


_ETAG: Final = re.compile(r'^\s*(?:W/)?"v(\d{1,10})(?:-[^"]*)?"\s*$')


def expected_version(if_match: str | None, properties: dict[str, Any]) -> int | None:
    """Return the version the client read: from ``If-Match``, else its ``version`` property.

    ``If-Match: *`` (RFC 9110) means "whatever is current": the client waives the check.

    Raises:
        InvalidFeature: an If-Match that is not one of this API's version ETags.
    """
    if if_match is not None:
        if if_match.strip() == "*":
            return -1
        match = _ETAG.match(if_match)
        if match is None:
            raise InvalidFeature(
                f'If-Match {if_match!r} is not an ETag this API gave (W/"v<version>")',
                [ProblemLocation(pointer="/headers/If-Match", detail='expected W/"v<version>"')],
            )
        return int(match.group(1))
    version = properties.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    return None


def check_version(expected: int | None, current: int) -> None:
    """Refuse a write without an expected version (428) or with a stale one (412)."""
    if expected is None:
        raise PreconditionRequired(
            "send If-Match with the feature's ETag, or the feature's 'version' property as read"
        )
    if expected != -1 and expected != current:
        raise PreconditionFailed(current)


def validate_properties(spec: WriteSpec, properties: Any) -> ChangeFields:
    """Return the typed properties, or raise naming every wrong field."""
    if not isinstance(properties, dict):
        raise InvalidFeature(
            "the feature has no properties object",
            [ProblemLocation(pointer="/properties", detail="expected an object")],
        )
    try:
        return spec.properties.model_validate(writable_input(properties))
    except ValidationError as exc:
        located = [
            ProblemLocation(
                pointer="/properties/" + "/".join(str(part) for part in error["loc"]),
                detail=str(error["msg"]),
            )
            for error in exc.errors()
        ]
        summary = "; ".join(f"{item.pointer}: {item.detail}" for item in located)
        raise InvalidFeature(summary, located) from None


def merge_patch(target: Any, patch: Any) -> Any:
    """Return ``target`` with a JSON merge patch applied (RFC 7396)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def write_feature(
    session: Session, caller: Caller, context: ChangeContext, request: WriteRequest
) -> WriteResult:
    """Apply one write in one transaction, or raise and change nothing.

    Raises:
        NotFound, InvalidFeature, InvalidGeometry, OutsideVietnam, PreconditionRequired,
        PreconditionFailed, Unauthorized, Forbidden.
    """
    try:
        result = _apply(session, caller, context, request)
        if request.approving_draft is not None:
            mark_approved(session, request.approving_draft, caller.user_id, result.version)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _read_back(session: Session, spec: WriteSpec, code: str) -> fetch.FeatureText:
    """Return the feature as the API serves it, from the write's own transaction."""
    query = build_query(get_collection(spec.collection_id), RawQuery(), {})
    return fetch.fetch_feature_in_session(session, query, code)


def _apply(
    session: Session, caller: Caller, context: ChangeContext, request: WriteRequest
) -> WriteResult:
    writer = row_writers.writer_for(request.spec)
    if request.operation is Operation.CREATE:
        return _create(session, caller, context, request, writer)
    if request.feature_id is None:
        raise NotFound(f"feature of collection '{request.spec.collection_id}'", "")
    current = writer.lock(session, request.feature_id)
    properties = request.body.get("properties")
    check_version(
        expected_version(request.if_match, properties if isinstance(properties, dict) else {}),
        current.version,
    )
    require_write(caller, layer=request.spec.layer, kind=current.kind, province=current.province)
    if request.operation is Operation.DELETE:
        return _delete(session, caller, context, request, writer, current)
    body = request.body
    if request.operation is Operation.UPDATE:
        body = merge_patch(writer.current_feature(session, request.feature_id), body)
    return _replace(session, caller, context, request, writer, current, body)


def _create(
    session: Session,
    caller: Caller,
    context: ChangeContext,
    request: WriteRequest,
    writer: row_writers.RowWriter,
) -> WriteResult:
    props = validate_properties(request.spec, request.body.get("properties"))
    geometry = _geometry(session, request, request.body)
    scope = writer.scope(session, props, geometry.ewkb)
    require_write(caller, layer=request.spec.layer, kind=scope.kind, province=scope.province)
    writer.require_decision(session, props, None)
    shape = ChangeShape("create", geometry_changed=True, status_changed=False)
    draft = _maybe_draft(session, caller, context, request, shape, props_code(props), None)
    if draft is not None:
        return WriteResult(props_code(props), None, False, geometry.findings, draft)
    record_context(session, _because(context, request, props))
    findings = writer.insert(session, props, geometry)
    code = props_code(props)
    feature = _read_back(session, request.spec, code)
    return WriteResult(code, 1, True, geometry.findings + findings, feature=feature)


def _replace(
    session: Session,
    caller: Caller,
    context: ChangeContext,
    request: WriteRequest,
    writer: row_writers.RowWriter,
    current: row_writers.CurrentRow,
    body: Any,
) -> WriteResult:
    if not isinstance(body, dict):
        raise InvalidFeature(
            "the body is not a GeoJSON Feature",
            [ProblemLocation(pointer="", detail="expected an object")],
        )
    props = validate_properties(request.spec, body.get("properties"))
    # A merge patch without "geometry" keeps the stored geometry as it is: re-reading it from
    # the served GeoJSON (7 decimals) would move it, and call an attribute edit an outline edit.
    keep = request.operation is Operation.UPDATE and "geometry" not in request.body
    stored = None if current.stored is None else current.stored.ewkb
    geometry = (
        writer.stored_geometry(current) if keep else _geometry(session, request, body, stored)
    )
    scope = writer.scope(session, props, geometry.ewkb)
    require_write(caller, layer=request.spec.layer, kind=scope.kind, province=scope.province)
    writer.require_decision(session, props, current)
    # A geometry sent back as read (QGIS's PUT: 7 decimals) is no outline change; keep it exactly.
    moved = not keep and not geometry.same_as_stored
    if not keep and not moved:
        geometry = writer.stored_geometry(current)
    shape = ChangeShape(
        request.operation.value,
        geometry_changed=moved,
        status_changed=str(getattr(props, "status", current.status)) != current.status,
    )
    draft = _maybe_draft(session, caller, context, request, shape, current.code, current.version)
    if draft is not None:
        return WriteResult(current.code, current.version, False, geometry.findings, draft)
    planned = writer.plan_update(session, current, props, geometry)
    code = props_code(props)
    with one_round_trip(session):  # the author, the row, its details and the answer: one wait
        record_context(session, _because(context, request, props))
        for statement, params in planned.statements:
            session.execute(statement, params)
        feature = _read_back(session, request.spec, code)
    findings = geometry.findings + planned.findings
    return WriteResult(code, current.version + 1, False, findings, feature=feature)


def _delete(
    session: Session,
    caller: Caller,
    context: ChangeContext,
    request: WriteRequest,
    writer: row_writers.RowWriter,
    current: row_writers.CurrentRow,
) -> WriteResult:
    change = _delete_reasons(request.body)
    writer.require_decision(session, change, current, deleting=True)
    shape = ChangeShape("delete", geometry_changed=False, status_changed=False)
    draft = _maybe_draft(session, caller, context, request, shape, current.code, current.version)
    if draft is not None:
        return WriteResult(current.code, current.version, False, (), draft)
    record_context(session, _because(context, request, change))
    writer.delete(session, current)
    return WriteResult(current.code, None, False, ())


def _because(context: ChangeContext, request: WriteRequest, change: ChangeFields) -> ChangeContext:
    return context.because(change.change_decision_id, change.change_reason, request.approving_draft)


def _maybe_draft(
    session: Session,
    caller: Caller,
    context: ChangeContext,
    request: WriteRequest,
    shape: ChangeShape,
    code: str,
    base_version: int | None,
) -> int | None:
    """Keep the change as a draft when the caller's agency wants it approved; else None."""
    if request.approving_draft is not None:
        return None
    needs = approval_needs(caller, shape)
    if not needs:
        return None
    crs = request.crs
    submission = DraftSubmission(
        collection=request.spec.collection_id,
        layer=request.spec.layer,
        code=code,
        operation=request.operation.value,
        base_version=base_version,
        body=request.body,
        content_crs=None if crs is None or crs.is_crs84 else crs.uri,
        repair=request.repair,
        needs=needs,
    )
    return submit_draft(session, caller, submission, context.request_id)


def _delete_reasons(body: dict[str, Any]) -> ChangeFields:
    """Return the decision and reason a DELETE names (query parameters, via ``body``)."""
    try:
        return ChangeFields.model_validate(body)
    except ValidationError as exc:
        located = [
            ProblemLocation(pointer="/query/" + str(error["loc"][0]), detail=str(error["msg"]))
            for error in exc.errors()
        ]
        raise InvalidFeature("; ".join(item.detail or "" for item in located), located) from None


def _geometry(
    session: Session, request: WriteRequest, body: dict[str, Any], stored: bytes | None = None
) -> PreparedGeometry:
    assert request.crs is not None
    geom = parse_geometry(body.get("geometry"), request.crs, request.spec.geometry_types)
    return prepare_geometry(session, geom, request.crs, repair=request.repair, stored=stored)


def props_code(props: ChangeFields) -> str:
    """Return the ``code`` of validated properties (every writable layer has one)."""
    return str(props.code)  # type: ignore[attr-defined]
