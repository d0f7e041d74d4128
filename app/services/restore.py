"""Restore an earlier version of a site as a new version: one transaction, signed, admins only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access import Caller, Forbidden, Unauthorized
from app.models import MiningDetails, RelocationDetails, ZoneDetails
from app.models.enums import Role
from app.models.history import twin
from app.repositories import Conflict
from app.repositories import history as repo
from app.repositories.as_of import as_of_source
from app.repositories.history import sites
from app.services import feature_writes
from app.services.change_context import ChangeContext, record_context
from app.write_errors import PreconditionFailed, PreconditionRequired

# Columns a restore does not copy: the key, what the database derives or stamps itself.
KEPT: Final = frozenset({"id", "name_folded", "version", "recorded_from", "created_at"})
KEPT_DETAILS: Final = frozenset({"site_id", "version", "recorded_from"})
DETAILS: Final = tuple(
    cast(sa.Table, model.__table__) for model in (ZoneDetails, MiningDetails, RelocationDetails)
)


def _require_admin(caller: Caller) -> None:
    if not caller.authenticated:
        raise Unauthorized("restoring a version needs an admin's API token or session")
    if caller.role is not Role.ADMIN:
        raise Forbidden(f"user '{caller.username}' is a {caller.role}: only admins restore")


def _current_version(session: Session, feature_id: int, code: str) -> int:
    current = session.scalar(sa.select(sites.c.version).where(sites.c.id == feature_id))
    if current is None:
        raise Conflict(f"site '{code}' has been deleted; a restore rewrites a live site only")
    return int(current)


def _copy_site(session: Session, feature_id: int, *, version: int, expected: int) -> int | None:
    """Write version ``version``'s columns over the live row if it is still ``expected``."""
    old = twin(sites)
    names = [c.name for c in sites.columns if c.name not in KEPT and c.name != "updated_at"]
    statement = (
        sa.update(sites)
        .where(sites.c.id == feature_id, sites.c.version == expected)
        .where(old.c.id == sites.c.id, old.c.version == version)
        .values({name: old.c[name] for name in names})
        .returning(sites.c.version)
    )
    found = session.scalar(statement)
    return None if found is None else int(found)


def _copy_details(session: Session, table: sa.Table, feature_id: int, at: Any) -> None:
    """Make ``table``'s row of the site what it was at ``at`` (update, insert or delete)."""
    then = as_of_source(table, "then", at)
    names = [c.name for c in table.columns if c.name not in KEPT_DETAILS]
    old = session.execute(sa.select(then).where(then.c.site_id == feature_id)).mappings().first()
    now = session.execute(sa.select(table).where(table.c.site_id == feature_id)).mappings().first()
    if old is None:
        if now is not None:
            session.execute(sa.delete(table).where(table.c.site_id == feature_id))
        return
    values = {name: old[name] for name in names}
    if now is None:
        session.execute(sa.insert(table).values(site_id=feature_id, **values))
    elif any(now[name] != values[name] for name in names):
        session.execute(sa.update(table).where(table.c.site_id == feature_id).values(values))


def _check_versions(code: str, *, current: int, expected: int | None, wanted: int) -> None:
    if expected is None:
        raise PreconditionRequired(f'send If-Match: W/"v{current}" or expected_version')
    if expected != current:
        raise PreconditionFailed(current)
    if wanted >= current:
        raise Conflict(f"version {wanted} is not an earlier version of site '{code}'")


def restore(
    session: Session,
    caller: Caller,
    code: str,
    *,
    version: int,
    reason: str,
    expected_version: int | None,
    request_id: str | None = None,
) -> int:
    """Write an earlier version of a site (and its details) as a new version; return it.

    The caller must be an admin and name the current version (``If-Match`` or
    ``expected_version``); the change is signed with the caller and ``restore of version n``.

    Raises:
        Unauthorized, Forbidden: not an admin.
        app.repositories.NotFound: no such site or version.
        PreconditionRequired: no expected version (428).
        PreconditionFailed: it is not the current one (412).
        Conflict: the site is deleted, or ``version`` is the current one.
    """
    _require_admin(caller)
    feature_id = repo.site_id(session, code)
    current = _current_version(session, feature_id, code)
    _check_versions(code, current=current, expected=expected_version, wanted=version)
    ended = repo.version_row(session, feature_id, version, code).attributes["recorded_to"]
    context = ChangeContext.of(caller, request_id).because(
        None, f"restore of version {version}: {reason}"
    )
    record_context(session, context)
    new_version = _copy_site(session, feature_id, version=version, expected=current)
    if new_version is None:
        raise PreconditionFailed(current + 1)
    # Details versions are counted on their own: take them as they stood when ``version`` ended.
    last_moment = datetime.fromisoformat(ended) - timedelta(microseconds=1)
    at = sa.literal(last_moment, sa.DateTime(timezone=True))
    for table in DETAILS:
        _copy_details(session, table, feature_id, at)
    session.commit()
    return int(new_version)


def expected_from(if_match: str | None, expected_version: int | None) -> int | None:
    """Return the version ``If-Match`` (any of this API's version ETags) or the body expects.

    Raises:
        InvalidFeature: for an ``If-Match`` that is not a version ETag of this API (400).
    """
    if if_match is None:
        return expected_version
    return feature_writes.expected_version(if_match, {})
