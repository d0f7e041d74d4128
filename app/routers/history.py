"""History: a site's versions and their differences, and the registry-wide change feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response

from app.deps import CallerDep, SessionDep
from app.errors import InvalidParameter
from app.ogc.protocol import caching, links
from app.repositories.as_of import parse_as_of
from app.schemas.history import (
    ChangeFeed,
    RestoreRequest,
    RestoreResult,
    SiteHistory,
    VersionDifference,
)
from app.schemas.problem import problem_responses
from app.services import history, restore

router = APIRouter(prefix="/api/v1", tags=["history"])
GEOJSON = "application/geo+json"
VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get(
    "/sites/{code}/history",
    response_model=SiteHistory | VersionDifference,
    summary="A site's versions, or the difference between two of them",
    responses=problem_responses(400, 404),
)
def site_history(
    code: str,
    session: SessionDep,
    from_version: Annotated[VersionQuery, Query(alias="from", description="Older version.")] = None,
    to_version: Annotated[VersionQuery, Query(alias="to", description="Newer version.")] = None,
) -> SiteHistory | VersionDifference:
    """Return every version of a site, newest first, with who, why and which decision.

    With `from` and `to`: what changed between the two versions instead — the attributes
    (old and new values) and the ground gained and lost (geodesic hectares, with the pieces as
    GeoJSON). A deleted site keeps its history; 404 only for a code that never existed.
    """
    if from_version is None and to_version is None:
        return history.site_history(session, code)
    if from_version is None or to_version is None:
        raise InvalidParameter("from" if from_version is None else "to", "give both from and to")
    return history.difference(session, code, old=from_version, new=to_version)


@router.get(
    "/sites/{code}/versions/{version}",
    summary="One version of a site as a GeoJSON Feature",
    responses={200: {"content": {GEOJSON: {}}}, **problem_responses(400, 404)},
)
def site_version(
    code: str,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
) -> dict[str, Any]:
    """Return one version of a site (every attribute, its area and outline), for the map."""
    return history.version_feature(session, code, version)


@router.get(
    "/changes",
    response_model=ChangeFeed,
    summary="The registry-wide feed of changes since a time or a data version",
    responses=problem_responses(400),
)
def changes(
    request: Request,
    session: SessionDep,
    after: Annotated[
        int | None,
        Query(ge=0, le=2**62, description="Changes after this data_version: the gap-free cursor."),
    ] = None,
    since: Annotated[
        str | None,
        Query(description="Changes recorded after this time (a bare date: from its start)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Changes per page (about).")] = 100,
) -> ChangeFeed:
    """Return created, updated and deleted features in commit order, one page at a time.

    Portals stay in sync by remembering the last `data_version` they read and asking
    `?after=<data_version>`: data versions grow in commit order, so this cursor never skips a
    change (a clock time can: a transaction commits after later-starting ones). `since` is a
    convenience for a first read. A page ends with whole statements; `next` continues it.
    """
    at = parse_as_of(since, "since", end_of_day=False)
    feed, cursor = history.change_feed(session, after=after, since=at, limit=limit)
    if cursor is not None:
        feed.next = links.url(request, "/api/v1/changes", after=cursor, since=since, limit=limit)
    return feed


@router.post(
    "/sites/{code}/restore",
    response_model=RestoreResult,
    summary="Restore an earlier version of a site as a new version (admins)",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 428),
)
def restore_version(
    request: Request,
    response: Response,
    code: str,
    body: RestoreRequest,
    session: SessionDep,
    caller: CallerDep,
    if_match: Annotated[
        str | None, Header(description='The current version\'s ETag, W/"v<n>".')
    ] = None,
) -> RestoreResult:
    """Write an earlier version's attributes, outline and details as the site's new version.

    Admins only. Name the current version with `If-Match: W/"v<n>"` (the site's `ETag`) or
    `expected_version` (428 without either, 412 when it is no longer current). The history
    records the admin and the reason as `restore of version <n>: <reason>`.
    """
    expected = restore.expected_from(if_match, body.expected_version)
    new_version = restore.restore(
        session,
        caller,
        code,
        version=body.version,
        reason=body.reason,
        expected_version=expected,
        request_id=getattr(request.state, "request_id", None),
    )
    response.headers["ETag"] = caching.version_etag(new_version)
    return RestoreResult(code=code, version=new_version, restored_from=body.version)
