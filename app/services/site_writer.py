"""Writing a site: its row, the details of its kind, its relations and its outline's checks."""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app import models
from app.models.enums import SiteKind
from app.services.row_writers import (
    AREA_WARNING_SHARE,
    CHANGE_FIELDS,
    CurrentRow,
    LayerWriter,
    Scope,
    Statement,
    decision_exists,
    site_of,
)
from app.services.write_checks import Finding, PreparedGeometry, area_finding, province_finding
from app.services.write_specs import ChangeFields, SiteProperties
from app.write_errors import InvalidReference

ZONE_FIELDS: Final = ("occupancy_rate_pct", "wastewater_status", "eco_industrial_programme")
MINE_FIELDS: Final = (
    "mineral",
    "licence_number",
    "licence_status",
    "licensed_capacity",
    "offtake_contract",
    "offtake_contract_ref",
    "rehabilitation_deposit_bn_vnd",
)
RELOCATION_FIELDS: Final = (
    "moved_from_code",
    "moved_to_code",
    "households_planned",
    "households_relocated",
    "deadline",
)
DETAILS: Final = {
    SiteKind.INDUSTRIAL_ZONE: ZONE_FIELDS,
    SiteKind.INDUSTRIAL_CLUSTER: ZONE_FIELDS,
    SiteKind.MINING_SITE: MINE_FIELDS,
    SiteKind.RELOCATION_AREA: RELOCATION_FIELDS,
}
ALL_DETAILS: Final = frozenset(ZONE_FIELDS + MINE_FIELDS + RELOCATION_FIELDS)
NOT_COLUMNS: Final = CHANGE_FIELDS | ALL_DETAILS | {"part_of_code"}
OUTSIDE_FLAG: Final = "outline outside the stated province (write check)"


def _site(props: ChangeFields) -> SiteProperties:
    assert isinstance(props, SiteProperties)
    return props


class SiteWriter(LayerWriter):
    """Writes ``sites`` and the details, relations and checks of a site."""

    def _scope_columns(self) -> tuple[Any, Any, Any]:
        """Return the site's own kind and province: the scope of the row as it is."""
        return self.table.c.kind, self.table.c.province, self.table

    def scope(self, session: Session, props: ChangeFields, ewkb: bytes) -> Scope:
        """Return the site's kind and stated province."""
        site = _site(props)
        if self.spec.kind is not None and site.kind != self.spec.kind.value:
            raise InvalidReference(
                "kind", f"collection '{self.spec.collection_id}' holds {self.spec.kind.value} only"
            )
        return Scope(str(site.kind), str(site.province))

    def require_decision(
        self,
        session: Session,
        props: ChangeFields,
        current: CurrentRow | None,
        *,
        deleting: bool = False,
    ) -> None:
        """New sites, status changes and deletions name the legal decision they follow."""
        needed = current is None or deleting
        if not needed and isinstance(props, SiteProperties):
            needed = str(props.status) != current.status if current else False
        if needed and props.change_decision_id is None:
            what = "registering a site" if current is None else "this change"
            raise InvalidReference(
                "change_decision_id",
                f"{what} needs the legal decision it follows (change_decision_id)",
            )
        super().require_decision(session, props, current, deleting=deleting)
        if isinstance(props, SiteProperties) and props.legal_decision_id is not None:
            decision_exists(session, props.legal_decision_id, "legal_decision_id")

    def columns(self, session: Session, props: ChangeFields) -> dict[str, Any]:
        """Return the site row: the founding decision copied, the part-of link resolved."""
        site = _site(props)
        values = site.model_dump(exclude=set(NOT_COLUMNS))
        founding = site.legal_decision_id
        if founding is not None:
            decision = session.get(models.LegalDecision, founding)
            assert decision is not None  # checked by require_decision
            values["legal_decision_number"] = decision.number
            values["legal_decision_date"] = decision.decision_date
            values["legal_issuer"] = decision.issuer
        values["part_of_site_id"] = self._part_of(session, site)
        _check_establishment(site)
        _check_location(site)
        if values.get("location_confidence") is None:
            values.pop("location_confidence", None)  # kept as stored ('unknown' when new)
        return values

    def _part_of(self, session: Session, site: SiteProperties) -> int | None:
        if site.part_of_code is None:
            if site.part_relation is not None:
                raise InvalidReference("part_of_code", "part_relation needs part_of_code")
            return None
        if site.part_relation is None:
            raise InvalidReference("part_relation", "say 'phase' or 'part' of part_of_code")
        if site.part_of_code == site.code:
            raise InvalidReference("part_of_code", "a site is not a part of itself")
        return site_of(session, site.part_of_code, "part_of_code")[0]

    def insert(
        self, session: Session, props: ChangeFields, geometry: PreparedGeometry
    ) -> tuple[Finding, ...]:
        """Register a site; its founding decision is the registering one unless named."""
        site = _site(props)
        if site.legal_decision_id is None:
            props = site.model_copy(update={"legal_decision_id": site.change_decision_id})
        return super().insert(session, props, geometry)

    def before_write(
        self,
        session: Session,
        props: ChangeFields,
        geometry: PreparedGeometry,
        values: dict[str, Any],
    ) -> tuple[Finding, ...]:
        """Check the outline (province, planned area); flag it when outside its province."""
        site = _site(props)
        self._refuse_foreign_details(site, SiteKind(site.kind))
        found = [
            area_finding(geometry.area_ha, site.planned_area_ha, AREA_WARNING_SHARE),
            province_finding(session, geometry.ewkb, str(site.province)),
        ]
        findings = tuple(finding for finding in found if finding is not None)
        flags = values.get("qa_flags") or ""
        outside = any(item.code == "outside-stated-province" for item in findings)
        if outside and OUTSIDE_FLAG not in flags:
            values["qa_flags"] = "; ".join(part for part in (flags, OUTSIDE_FLAG) if part)
        return findings

    def detail_statements(
        self, session: Session, row_id: int, props: ChangeFields, current: CurrentRow | None
    ) -> list[Statement]:
        """Return the writes of the site kind's details; a change of kind drops the others'."""
        site = _site(props)
        kind = SiteKind(site.kind)
        statements: list[Statement] = []
        if current is not None and current.kind != kind.value:
            statements += [(_delete_details(t, row_id), None) for t in _detail_tables()]
        return [*statements, _details_statement(session, row_id, site, kind)]

    def _refuse_foreign_details(self, site: SiteProperties, kind: SiteKind) -> None:
        own = set(DETAILS[kind])
        for name in sorted(ALL_DETAILS - own):
            value = getattr(site, name)
            if value is not None and value is not False:
                raise InvalidReference(name, f"'{name}' is not a fact of a {kind.value}")


def _check_establishment(site: SiteProperties) -> None:
    """Refuse an establishment date without its document, or a bound before the exact date."""
    dated = site.established_on is not None or site.established_before is not None
    if dated and site.established_basis is None:
        raise InvalidReference(
            "established_basis", "name the document that says when the site was established"
        )
    if not dated and site.established_basis is not None:
        raise InvalidReference(
            "established_on", "give established_on or established_before with established_basis"
        )
    on, before = site.established_on, site.established_before
    if on is not None and before is not None and on > before:
        raise InvalidReference(
            "established_before",
            f"established on {on} cannot be before established_before {before}",
        )


def _check_location(site: SiteProperties) -> None:
    """Refuse a location confidence that contradicts how the outline was made."""
    confidence, source = site.location_confidence, str(site.geometry_source)
    if confidence is None:
        return
    if source in ("surveyed", "digitized") and confidence != source:
        raise InvalidReference(
            "location_confidence",
            f"a {source} outline is located as {source}: it follows geometry_source",
        )
    if source not in ("surveyed", "digitized") and confidence in ("surveyed", "digitized"):
        raise InvalidReference(
            "location_confidence",
            f"an {source} outline is placed: site_point, commune, district or unknown",
        )


def _detail_tables() -> tuple[Any, ...]:
    return (
        models.ZoneDetails.__table__,
        models.MiningDetails.__table__,
        models.RelocationDetails.__table__,
    )


def _delete_details(table: Any, site_id: int) -> Any:
    return sa.delete(table).where(table.c.site_id == site_id)


def _details_statement(
    session: Session, site_id: int, site: SiteProperties, kind: SiteKind
) -> Statement:
    """Return the write of the details row of the site's kind (lookups made here)."""
    if kind in (SiteKind.INDUSTRIAL_ZONE, SiteKind.INDUSTRIAL_CLUSTER):
        table: Any
        values: dict[str, Any] = {name: getattr(site, name) for name in ZONE_FIELDS}
        values["eco_industrial_programme"] = bool(values["eco_industrial_programme"])
        table = models.ZoneDetails.__table__
    elif kind is SiteKind.MINING_SITE:
        table = models.MiningDetails.__table__
        if all(getattr(site, name) in (None, False) for name in MINE_FIELDS):
            # No mining facts known: no details row (unknown, not empty).
            return _delete_details(table, site_id), None
        values = _mine_values(site)
    else:
        values = _relocation_values(session, site)
        table = models.RelocationDetails.__table__
    return _upsert(table, site_id, values)


def _upsert(table: Any, site_id: int, values: dict[str, Any]) -> Statement:
    """Return the insert of the details row, or its update only where a value differs.

    The statement is built once per table (its values are binds): built afresh, SQLAlchemy
    derived its cache key on every write (bench/writes.py).
    """
    key = ("upsert", table.name, tuple(values))
    statement = _UPSERTS.get(key)
    if statement is None:
        names = tuple(values)
        insert_row = insert(table).values(
            {"site_id": sa.bindparam("site_id"), **{name: sa.bindparam(name) for name in names}}
        )
        changed = sa.tuple_(*(table.c[name] for name in names)).is_distinct_from(
            sa.tuple_(*(insert_row.excluded[name] for name in names))
        )
        statement = insert_row.on_conflict_do_update(
            index_elements=[table.c.site_id],
            set_={name: insert_row.excluded[name] for name in names},
            where=changed,
        )
        _UPSERTS[key] = statement
    return statement, {"site_id": site_id, **values}


_UPSERTS: dict[tuple[Any, ...], Any] = {}


def _mine_values(site: SiteProperties) -> dict[str, Any]:
    for name in ("mineral", "licence_status"):
        if getattr(site, name) is None:
            raise InvalidReference(name, f"a mining site needs '{name}'")
    values = {name: getattr(site, name) for name in MINE_FIELDS}
    values["offtake_contract"] = bool(values["offtake_contract"])
    return values


def _relocation_values(session: Session, site: SiteProperties) -> dict[str, Any]:
    values: dict[str, Any] = {
        "households_planned": site.households_planned,
        "households_relocated": site.households_relocated,
        "deadline": site.deadline,
        "moved_from_site_id": None,
        "moved_to_site_id": None,
    }
    for field, column in (
        ("moved_from_code", "moved_from_site_id"),
        ("moved_to_code", "moved_to_site_id"),
    ):
        code = getattr(site, field)
        if code is not None:
            values[column] = site_of(session, code, field)[0]
    planned, relocated = site.households_planned, site.households_relocated
    if planned is not None and relocated is not None and relocated > planned:
        raise InvalidReference(
            "households_relocated", f"{relocated} relocated is more than the {planned} planned"
        )
    return values
