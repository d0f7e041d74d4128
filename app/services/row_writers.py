"""The rows behind one feature write: lock, scope, decision rules, insert, update, delete.

:class:`LayerWriter` writes a layer whose feature is one row (clearance parcels,
infrastructure, forest land, protected areas); :class:`SiteWriter` adds what a site has beyond
its row: the details of its kind, the relocation's from/to sites, the site it is a phase or
part of, the founding decision's number and date copied from the decision, and the checks of
its outline (inside its province, near its planned area).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import models
from app.ogc.catalog import get_collection
from app.ogc.features import fetch
from app.ogc.features.query import RawQuery, build_query
from app.repositories import Conflict, NotFound
from app.services.write_checks import Finding, PreparedGeometry, province_at
from app.services.write_specs import ChangeFields, SiteProperties, WriteSpec
from app.write_errors import InvalidReference

CHANGE_FIELDS: Final = frozenset({"change_decision_id", "change_reason"})
AREA_WARNING_SHARE: Final = 0.2
"""A site's geodesic area this share away from its planned area is a warning (issue 15)."""


@dataclass(frozen=True, slots=True)
class CurrentRow:
    """The locked row of an existing feature, with what its scope and rules need."""

    id: int
    code: str
    version: int
    kind: str | None
    province: str | None
    status: str | None
    # The stored geometry as it is (no re-validation, no findings); None where none is stored.
    stored: PreparedGeometry | None


Statement = tuple[Any, dict[str, Any] | None]
"""A statement to execute and its parameters (None: it has its values)."""


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """A checked change: the statements that write it (no reads among them) and its findings."""

    statements: tuple[Statement, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """The site kind and province a write touches, for ``require_write``."""

    kind: str | None
    province: str | None


def decision_exists(session: Session, decision_id: int, field: str) -> None:
    """Refuse a decision id that names no legal decision."""
    found = session.get(models.LegalDecision, decision_id)
    if found is None:
        raise InvalidReference(
            field, f"no legal decision has id {decision_id}: register it (POST /api/v1/decisions)"
        )


def site_of(session: Session, code: str, field: str = "site_code") -> tuple[int, str, str]:
    """Return the id, kind and province of the site ``code``, or refuse the property."""
    row = session.execute(
        sa.select(models.Site.id, models.Site.kind, models.Site.province).where(
            models.Site.code == code
        )
    ).one_or_none()
    if row is None:
        raise InvalidReference(field, f"no site has code '{code}'")
    return int(row[0]), str(row[1]), str(row[2])


_STATEMENTS: dict[tuple[Any, ...], Any] = {}
"""Statements built once per collection (and column set): the lock and the row's UPDATE."""


class LayerWriter:
    """Writes a layer whose feature is exactly one row of ``spec.table``."""

    def __init__(self, spec: WriteSpec) -> None:
        self.spec = spec
        self.table: Any = spec.table

    def lock(self, session: Session, code: str) -> CurrentRow:
        """Lock and return the row of ``code`` until the transaction ends.

        Raises:
            NotFound: when the collection has no feature with this code.
        """
        table = self.table
        statement = _STATEMENTS.get(("lock", self.spec.collection_id))
        if statement is None:
            statement = self._lock_select().where(table.c.code == sa.bindparam("code"))
            statement = statement.with_for_update(of=table)
            _STATEMENTS[("lock", self.spec.collection_id)] = statement
        row = session.execute(statement, {"code": code}).one_or_none()
        if row is None:
            raise NotFound(f"feature of collection '{self.spec.collection_id}'", code)
        province = row.province
        if province is None and "geom" in table.c:
            province = self._province_of_row(session, int(row.id))
        stored = None
        if row.stored_ewkb is not None:
            stored = PreparedGeometry(
                bytes(row.stored_ewkb), str(row.stored_type), row.stored_area, ()
            )
        return CurrentRow(
            int(row.id), str(row.code), int(row.version), row.kind, province, row.status, stored
        )

    def _lock_select(self) -> Any:
        table = self.table
        status = table.c.status if "status" in table.c else sa.null()
        kind, province, source = self._scope_columns()
        stored = self._stored() if "geom" in table.c else sa.null()
        return sa.select(
            table.c.id,
            table.c.code,
            table.c.version,
            kind.label("kind"),
            province.label("province"),
            status.label("status"),
            sa.func.ST_AsEWKB(stored).label("stored_ewkb"),
            sa.func.GeometryType(stored).label("stored_type"),
            sa.case(
                (sa.func.ST_Dimension(stored) == 2, sa.func.area_ha(stored)), else_=sa.null()
            ).label("stored_area"),
        ).select_from(source)

    def _scope_columns(self) -> tuple[Any, Any, Any]:
        """Return the kind and province of the row as it is, and what to select them from.

        A parcel or a line has its site's; a reference layer has none (its province comes from
        its location, ``_province_of_row``).
        """
        table = self.table
        if "site_id" not in table.c:
            return sa.null(), sa.null(), table
        site = models.Site.__table__.alias("owner")
        source = table.outerjoin(site, site.c.id == table.c.site_id)
        return site.c.kind, site.c.province, source

    def _stored(self) -> Any:
        """Return the stored geometry: the outline, else the locator point where one is kept."""
        stored: Any = self.table.c.geom
        if self.spec.point_column:
            stored = sa.func.coalesce(stored, self.table.c[self.spec.point_column])
        return stored

    def _province_of_row(self, session: Session, row_id: int) -> str | None:
        ewkb = session.execute(
            sa.select(sa.func.ST_AsEWKB(self._stored())).where(self.table.c.id == row_id)
        ).scalar()
        return None if ewkb is None else province_at(session, bytes(ewkb))

    def stored_geometry(self, current: CurrentRow) -> PreparedGeometry:
        """Return the row's stored geometry as locked (no re-validation, no findings)."""
        if current.stored is None:
            raise InvalidReference("geometry", "the feature has no stored geometry to keep")
        return current.stored

    def current_feature(self, session: Session, code: str) -> dict[str, Any]:
        """Return the feature as the API serves it (CRS84): the base of a merge patch."""
        collection = get_collection(self.spec.collection_id)
        found = fetch.fetch_feature_in_session(
            session, build_query(collection, RawQuery(), {}), code
        )
        feature: dict[str, Any] = json.loads(found.text)
        return feature

    def scope(self, session: Session, props: ChangeFields, ewkb: bytes) -> Scope:
        """Return the kind and province the new state of the feature falls in."""
        site_code = getattr(props, "site_code", None)
        if site_code is not None:
            _, kind, province = site_of(session, site_code)
            return Scope(kind, province)
        if "site_id" in self.table.c:
            return Scope(None, None)
        return Scope(None, province_at(session, ewkb))

    def require_decision(
        self,
        session: Session,
        props: ChangeFields,
        current: CurrentRow | None,
        *,
        deleting: bool = False,
    ) -> None:
        """Refuse a change naming an unknown decision (layers other than sites need none)."""
        if props.change_decision_id is not None:
            decision_exists(session, props.change_decision_id, "change_decision_id")

    def columns(self, session: Session, props: ChangeFields) -> dict[str, Any]:
        """Return the row's column values from the properties."""
        values = props.model_dump(exclude={*CHANGE_FIELDS, "site_code"})
        if "site_id" in self.table.c:
            site_code = getattr(props, "site_code", None)
            values["site_id"] = None if site_code is None else site_of(session, site_code)[0]
        return values

    def geometry_columns(self, geometry: PreparedGeometry, ewkb: Any = None) -> dict[str, Any]:
        """Return the geometry column(s) to set: a locator point or the geometry.

        ``ewkb`` replaces the geometry's own EWKB (a bind of a statement built once).
        """
        value = sa.func.ST_GeomFromEWKB(geometry.ewkb if ewkb is None else ewkb)
        if self.spec.point_column and geometry.geom_type == "POINT":
            return {self.spec.point_column: value, "geom": None}
        return {"geom": value}

    def insert(
        self, session: Session, props: ChangeFields, geometry: PreparedGeometry
    ) -> tuple[Finding, ...]:
        """Insert the feature's row; the code must be new."""
        values = self.columns(session, props)
        self._unique_code(session, values["code"], None)
        findings = self.before_write(session, props, geometry, values)
        statement = sa.insert(self.table).values(**values, **self.geometry_columns(geometry))
        row_id = session.execute(statement.returning(self.table.c.id)).scalar_one()
        for detail, params in self.detail_statements(session, row_id, props, None):
            session.execute(detail, params)
        return findings

    def plan_update(
        self,
        session: Session,
        current: CurrentRow,
        props: ChangeFields,
        geometry: PreparedGeometry,
    ) -> PlannedWrite:
        """Check the new state and return the statements that replace the feature's row.

        Every query a check needs runs here; the statements returned only write (the triggers
        keep the old version), so the caller may send them in one round trip.
        """
        values = self.columns(session, props)
        if values["code"] != current.code:
            self._unique_code(session, values["code"], current.id)
        findings = self.before_write(session, props, geometry, values)
        update = self._update_statement(tuple(values), geometry.geom_type)
        params = {**values, "_row_id": current.id, "_new_geometry": geometry.ewkb}
        details = self.detail_statements(session, current.id, props, current)
        return PlannedWrite(((update, params), *details), findings)

    def _update_statement(self, names: tuple[str, ...], geom_type: str) -> Any:
        """Return the row's UPDATE with a bind per value, built once per set of columns.

        Built afresh, SQLAlchemy derived its cache key on every write (bench/writes.py).
        """
        key = ("update", self.spec.collection_id, names, geom_type == "POINT")
        statement = _STATEMENTS.get(key)
        if statement is None:
            geometry = self.geometry_columns(
                PreparedGeometry(b"", geom_type, None, ()), sa.bindparam("_new_geometry")
            )
            statement = (
                sa.update(self.table)
                .where(self.table.c.id == sa.bindparam("_row_id"))
                .values({**{name: sa.bindparam(name) for name in names}, **geometry})
            )
            _STATEMENTS[key] = statement
        return statement

    def before_write(
        self,
        session: Session,
        props: ChangeFields,
        geometry: PreparedGeometry,
        values: dict[str, Any],
    ) -> tuple[Finding, ...]:
        """Check the new state before it is written (may amend ``values``); return findings."""
        return ()

    def detail_statements(
        self, session: Session, row_id: int, props: ChangeFields, current: CurrentRow | None
    ) -> list[Statement]:
        """Return the statements writing what belongs to the row besides it.

        ``current`` is the row before, if any. Lookups they need run here, not in them.
        """
        if self.table is models.ClearanceParcel.__table__:
            return [(_parcel_status_statement(row_id, props), None)]
        return []

    def delete(self, session: Session, current: CurrentRow) -> None:
        """Delete the feature's row (the triggers keep it as a version)."""
        session.execute(sa.delete(self.table).where(self.table.c.id == current.id))

    def _unique_code(self, session: Session, code: str, own_id: int | None) -> None:
        other = session.execute(
            sa.select(self.table.c.id).where(self.table.c.code == code)
        ).scalar()
        if other is not None and other != own_id:
            raise Conflict(f"code '{code}' is taken in collection '{self.spec.collection_id}'")


def _parcel_status_statement(parcel_id: int, props: ChangeFields) -> Any:
    """Return the insert of the parcel's status of that date into its history (reports read it)."""
    history: Any = models.ClearanceStatusChange.__table__
    return (
        sa.dialects.postgresql.insert(history)
        .values(
            parcel_id=parcel_id,
            status=props.status,  # type: ignore[attr-defined]
            status_date=props.status_date,  # type: ignore[attr-defined]
        )
        .on_conflict_do_nothing()
    )


def writer_for(spec: WriteSpec) -> LayerWriter:
    """Return the writer of a collection's rows."""
    from app.services.site_writer import SiteWriter  # the site writer builds on LayerWriter

    if spec.properties is SiteProperties:
        return SiteWriter(spec)
    return LayerWriter(spec)


RowWriter = LayerWriter
