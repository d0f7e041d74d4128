"""Agencies: their scope (province, layers, site kinds) and what their editors' changes need."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Agency
from app.models.enums import SiteKind
from app.repositories import NotFound
from app.services.write_specs import WRITE_SPECS

APPROVABLE = ("geometry", "status", "create", "delete", "attributes")
LAYERS = tuple(sorted({spec.layer for spec in WRITE_SPECS.values()}))


@dataclass(frozen=True)
class AgencyInfo:
    """An agency as the CLI lists it."""

    code: str
    name: str
    province: str
    layers: list[str]
    site_kinds: list[str]
    approval_for: list[str]


def _info(agency: Agency) -> AgencyInfo:
    return AgencyInfo(
        agency.code,
        agency.name,
        agency.province,
        list(agency.layers),
        list(agency.site_kinds),
        list(agency.approval_for),
    )


def list_agencies(session: Session) -> list[AgencyInfo]:
    """Return every agency, by code."""
    return [_info(a) for a in session.scalars(sa.select(Agency).order_by(Agency.code))]


def _check(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)}; known: {', '.join(allowed)}")
    return sorted(set(values))


def update_agency(
    session: Session,
    code: str,
    *,
    layers: list[str] | None = None,
    site_kinds: list[str] | None = None,
    approval_for: list[str] | None = None,
) -> AgencyInfo:
    """Change what an agency keeps and what of its editors' changes waits for approval.

    Raises:
        NotFound: no agency has this code.
        ValueError: an unknown layer, site kind or approval name.
    """
    agency = session.scalars(sa.select(Agency).where(Agency.code == code)).first()
    if agency is None:
        raise NotFound("agency", code)
    if layers is not None:
        agency.layers = _check(layers, LAYERS, "layer")
    if site_kinds is not None:
        agency.site_kinds = _check(site_kinds, tuple(k.value for k in SiteKind), "site kind")
    if approval_for is not None:
        agency.approval_for = _check(approval_for, APPROVABLE, "approval")
    session.commit()
    return _info(agency)
