"""History reads: a site's versions (live row and ``sites_versions``) and the change feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import DatasetLoad, LegalDecision, Site
from app.models.history import RegistryChange, RegistryState, twin
from app.repositories import NotFound

sites = cast(sa.Table, Site.__table__)
SITE_COLUMNS: Final = tuple(column.name for column in sites.columns)
# Attributes a person reads in a difference: the search key is derived, the outline is geometry.
HIDDEN: Final = frozenset({"name_folded", "geom", "recorded_from", "updated_at", "version"})


def data_version(session: Session) -> int:
    """Return the registry's data version: it grows with every writing statement."""
    return int(session.scalar(sa.select(RegistryState.data_version)) or 0)


def data_stamp(session: Session) -> tuple[Any, ...]:
    """Return what a cache of computed figures is keyed by: the data version and the last load.

    The data version moves with every write to a versioned table; the time it moved tells apart
    a version number that a rolled-back transaction had used; the last demo load covers the
    tables outside the history (administrative units, plan targets). One row, one query.
    """
    last_load = sa.select(sa.func.max(DatasetLoad.loaded_at)).scalar_subquery()
    row = session.execute(
        sa.select(RegistryState.data_version, RegistryState.changed_at, last_load)
    ).one()
    return tuple(row)


def site_id(session: Session, code: str) -> int:
    """Return the id of the site that has (or last had) ``code``, deleted or not.

    Raises:
        NotFound: when no site ever had this code.
    """
    versions = twin(sites)
    ids = sa.union(
        sa.select(sites.c.id).where(sites.c.code == code),
        sa.select(versions.c.id).where(versions.c.code == code),
    ).subquery()
    found = session.scalar(sa.select(sa.func.max(ids.c.id)))
    if found is None:
        raise NotFound("site", code)
    return int(found)


def all_versions(feature_id: int) -> Any:
    """Return every recorded version of one site: the live row and its replaced versions."""
    versions = twin(sites)
    live = sa.select(
        *(sites.c[name] for name in SITE_COLUMNS),
        sa.null().cast(sa.DateTime(timezone=True)).label("recorded_to"),
    ).where(sites.c.id == feature_id)
    old = sa.select(*(versions.c[name] for name in SITE_COLUMNS), versions.c.recorded_to).where(
        versions.c.id == feature_id
    )
    return sa.union_all(live, old).subquery("versions")


def _change_join(layer: str, feature_id: int, version: Any) -> Any:
    return sa.and_(
        RegistryChange.layer == layer,
        RegistryChange.feature_id == feature_id,
        RegistryChange.version == version,
    )


def version_rows(session: Session, feature_id: int) -> list[Any]:
    """Return each version of a site with its change (who, why, which decision), newest first.

    A deletion is a change without a row: it comes first, with no status and no area.
    """
    versions = all_versions(feature_id)
    change_columns = _change_columns()
    kept = (
        sa.select(
            versions.c.version,
            versions.c.recorded_from,
            versions.c.recorded_to,
            versions.c.status,
            sa.func.area_ha(versions.c.geom).label("area_ha"),
            *change_columns,
        )
        .select_from(versions)
        .outerjoin(RegistryChange, _change_join("sites", feature_id, versions.c.version))
        .outerjoin(LegalDecision, LegalDecision.id == RegistryChange.decision_id)
    )
    deleted = (
        sa.select(
            RegistryChange.version,
            RegistryChange.recorded_at,
            sa.null().cast(sa.DateTime(timezone=True)),
            sa.null().cast(sa.Text),
            sa.null().cast(sa.Float),
            *change_columns,
        )
        .outerjoin(LegalDecision, LegalDecision.id == RegistryChange.decision_id)
        .where(_change_join("sites", feature_id, RegistryChange.version))
        .where(RegistryChange.operation == "delete")
    )
    ordered = sa.union_all(kept, deleted).subquery()
    query = sa.select(ordered).order_by(ordered.c.version.desc())
    return list(session.execute(query))


def _change_columns() -> tuple[Any, ...]:
    return (
        RegistryChange.operation,
        RegistryChange.actor,
        RegistryChange.request_id,
        RegistryChange.decision_id,
        LegalDecision.number.label("decision_number"),
        RegistryChange.decision_date,
        RegistryChange.reason,
        RegistryChange.draft_id,
    )


def version_row(session: Session, feature_id: int, version: int, code: str) -> Any:
    """Return one version of a site: its attributes as JSON, area (ha) and GeoJSON outline.

    Raises:
        NotFound: when the site has no such version.
    """
    versions = all_versions(feature_id)
    attributes = sa.func.to_jsonb(sa.literal_column("versions")) - sa.literal("geom")
    row = session.execute(
        sa.select(
            attributes.label("attributes"),
            sa.func.area_ha(versions.c.geom).label("area_ha"),
            sa.func.ST_AsGeoJSON(sa.func.ST_ForcePolygonCCW(versions.c.geom), 7).label("geometry"),
        ).where(versions.c.version == version)
    ).first()
    if row is None:
        raise NotFound(f"version of site '{code}'", str(version))
    return row


def geometry_difference(session: Session, feature_id: int, *, old: int, new: int) -> Any:
    """Return the ground gained and lost from version ``old`` to ``new`` (``difference_of``)."""
    versions = all_versions(feature_id)

    def outline(version: int) -> Any:
        return sa.select(versions.c.geom).where(versions.c.version == version).scalar_subquery()

    return difference_of(session, outline(old), outline(new))


def difference_of(session: Session, old: Any, new: Any) -> Any:
    """Return the ground gained and lost from geometry ``old`` to ``new`` (geodesic ha, GeoJSON).

    ``ST_Difference`` both ways in EPSG:4326; areas by ``area_ha`` (WGS 84 ellipsoid). Used by
    a site's history (two versions) and by the preview of a new outline (stored vs proposed).
    """
    gained = sa.func.ST_Multi(sa.func.ST_Difference(new, old))
    lost = sa.func.ST_Multi(sa.func.ST_Difference(old, new))
    diff = sa.select(gained.label("gained"), lost.label("lost")).subquery("diff")
    return session.execute(
        sa.select(
            sa.func.coalesce(sa.func.area_ha(diff.c.gained), 0.0).label("gained_ha"),
            sa.func.coalesce(sa.func.area_ha(diff.c.lost), 0.0).label("lost_ha"),
            _geojson(diff.c.gained).label("gained"),
            _geojson(diff.c.lost).label("lost"),
        )
    ).one()


def _geojson(geom: Any) -> Any:
    empty = sa.func.ST_IsEmpty(geom)
    return sa.case((empty, None), else_=sa.func.ST_AsGeoJSON(sa.func.ST_ForcePolygonCCW(geom), 7))


def _change_conditions(after: int | None, since: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if after is not None:
        conditions.append(RegistryChange.data_version > after)
    if since is not None:
        conditions.append(RegistryChange.recorded_at > since)
    return conditions


def changes(
    session: Session, *, after: int | None, since: datetime | None, limit: int
) -> tuple[list[Any], bool]:
    """Return about ``limit`` changes after data version ``after`` and/or time ``since``.

    In commit order (data version, then id). A page ends with a whole data version (every row
    one statement wrote), so ``after=<last data_version>`` continues without a gap; the flag
    says whether more changes follow.
    """
    conditions = _change_conditions(after, since)
    last = session.scalar(
        sa.select(RegistryChange.data_version)
        .where(*conditions)
        .order_by(RegistryChange.data_version, RegistryChange.id)
        .offset(limit - 1)
        .limit(1)
    )
    if last is not None:
        conditions.append(RegistryChange.data_version <= last)
    query = (
        sa.select(RegistryChange, LegalDecision.number.label("decision_number"))
        .outerjoin(LegalDecision, LegalDecision.id == RegistryChange.decision_id)
        .where(*conditions)
        .order_by(RegistryChange.data_version, RegistryChange.id)
    )
    rows = list(session.execute(query))
    more = last is not None and bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    *_change_conditions(after, since), RegistryChange.data_version > last
                )
            )
        )
    )
    return rows, more
