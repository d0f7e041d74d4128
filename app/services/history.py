"""A site's history and the registry's change feed, shaped as the API answers them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from app.repositories import history as repo
from app.schemas.history import (
    AttributeChange,
    Change,
    ChangeFeed,
    SiteHistory,
    SiteVersion,
    VersionDifference,
)

# The feed's layers and where a change's feature can be read (sites: their history).
FEATURE_PATHS: Final = {
    "sites": "/api/v1/sites/{code}/history",
    "clearance_parcels": "/ogc/collections/clearance_parcels/items/{code}",
    "infrastructure": "/ogc/collections/infrastructure/items/{code}",
    "forest_parcels": "/ogc/collections/forest/items/{code}",
    "protected_areas": "/ogc/collections/protected_areas/items/{code}",
    "plan_targets": "/api/v1/targets/{code}/history",
    "reported_figures": "/api/v1/reported-figures/{code}/history",
}
SKIPPED: Final = frozenset({"recorded_to"}) | repo.HIDDEN


def site_history(session: Session, code: str) -> SiteHistory:
    """Return every version of a site, newest first, deleted or not.

    Raises:
        NotFound: when no site ever had this code.
    """
    feature_id = repo.site_id(session, code)
    rows = repo.version_rows(session, feature_id)
    versions = [SiteVersion.model_validate(row._asdict()) for row in rows]
    current = next((v.version for v in versions if v.recorded_to is None and v.status), None)
    deleted = bool(versions) and versions[0].operation == "delete"
    return SiteHistory(code=code, current_version=None if deleted else current, versions=versions)


def version_feature(session: Session, code: str, version: int) -> dict[str, Any]:
    """Return one version of a site as a GeoJSON Feature (EPSG:4326, RFC 7946).

    Raises:
        NotFound: when the site or this version of it does not exist.
    """
    row = repo.version_row(session, repo.site_id(session, code), version, code)
    properties = {k: v for k, v in row.attributes.items() if k not in ("name_folded",)}
    properties["area_ha"] = row.area_ha
    geometry = json.loads(row.geometry) if row.geometry else None
    return {"type": "Feature", "id": code, "geometry": geometry, "properties": properties}


def difference(session: Session, code: str, *, old: int, new: int) -> VersionDifference:
    """Return the attributes changed and the ground gained and lost from ``old`` to ``new``.

    Raises:
        NotFound: when the site or one of the versions does not exist.
    """
    feature_id = repo.site_id(session, code)
    before = repo.version_row(session, feature_id, old, code).attributes
    after = repo.version_row(session, feature_id, new, code).attributes
    changed = [
        AttributeChange(name=name, old=before.get(name), new=after.get(name))
        for name in sorted(set(before) | set(after))
        if name not in SKIPPED and before.get(name) != after.get(name)
    ]
    ground = repo.geometry_difference(session, feature_id, old=old, new=new)
    return VersionDifference(
        code=code,
        from_version=old,
        to_version=new,
        changed=changed,
        area_gained_ha=round(float(ground.gained_ha), 6),
        area_lost_ha=round(float(ground.lost_ha), 6),
        gained=json.loads(ground.gained) if ground.gained else None,
        lost=json.loads(ground.lost) if ground.lost else None,
    )


def _change(row: Any) -> Change:
    change = row.RegistryChange
    path = FEATURE_PATHS.get(change.layer)
    return Change(
        data_version=change.data_version,
        recorded_at=change.recorded_at,
        layer=change.layer,
        feature_id=change.feature_id,
        code=change.code,
        version=change.version,
        operation=change.operation,
        actor=change.actor,
        request_id=change.request_id,
        decision_id=change.decision_id,
        decision_number=row.decision_number,
        decision_date=change.decision_date,
        reason=change.reason,
        draft_id=change.draft_id,
        href=path.format(code=change.code) if path and change.code else None,
    )


def change_feed(
    session: Session, *, after: int | None, since: datetime | None, limit: int
) -> tuple[ChangeFeed, int | None]:
    """Return a page of changes and the cursor of the next page (None: this is the last)."""
    current = repo.data_version(session)
    rows, more = repo.changes(session, after=after, since=since, limit=limit)
    changes = [_change(row) for row in rows]
    cursor = changes[-1].data_version if more and changes else None
    return ChangeFeed(changes=changes, data_version=current, next=None), cursor
