"""Legal decision reads and writes: search by number, one decision, its document, its sites."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, undefer

from app.models import LegalDecision, LegalDecisionDocument, Site
from app.repositories import Conflict, NotFound
from spatial.text import fold

_NOT_KEY = re.compile(r"[^a-z0-9]+")

# (number key, issuer, date): what makes a decision unique.
DecisionIdentity = tuple[str, str, date | None]


def decision_key(number: str) -> str:
    """Return the search key of a decision number, as the ``number_key`` column holds it.

    >>> decision_key("1234/QĐ-UBND")
    '1234 qd ubnd'
    """
    return _NOT_KEY.sub(" ", fold(number)).strip()


def key_expr(number: Any) -> Any:
    """Return the SQL expression of ``decision_key`` for a column or bound value."""
    folded = sa.func.sitereg_fold(number)
    return sa.func.btrim(sa.func.regexp_replace(folded, "[^a-z0-9]+", " ", "g"))


@dataclass(frozen=True)
class DecisionFilters:
    """The list filters of decisions: number (words of it), issuer (folded text), date range."""

    number: str | None = None
    issuer: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class DocumentFacts:
    """The attached file's name, media type, size and checksum (never its bytes)."""

    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class DecisionRow:
    """A decision with the facts of its document, if it has one."""

    decision: LegalDecision
    document: DocumentFacts | None


def _filters(filters: DecisionFilters) -> list[Any]:
    conditions: list[Any] = []
    key = decision_key(filters.number) if filters.number else ""
    if key:
        # Whole words in order: \m and \M are word boundaries, and the key holds only
        # [a-z0-9 ], so it is a literal pattern; pg_trgm's GIN index serves the regex.
        conditions.append(LegalDecision.number_key.regexp_match(rf"\m{key}\M"))
    if filters.issuer:
        for word in fold(filters.issuer).split():
            conditions.append(
                sa.func.sitereg_fold(LegalDecision.issuer).contains(word, autoescape=True)
            )
    if filters.date_from is not None:
        conditions.append(LegalDecision.decision_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(LegalDecision.decision_date <= filters.date_to)
    return conditions


def _rows_query() -> Any:
    doc = LegalDecisionDocument
    return sa.select(
        LegalDecision, doc.file_name, doc.media_type, doc.size_bytes, doc.sha256
    ).outerjoin(doc, doc.decision_id == LegalDecision.id)


def _row(row: Any) -> DecisionRow:
    decision, file_name, media_type, size_bytes, sha256 = row
    if file_name is None:
        return DecisionRow(decision, None)
    return DecisionRow(decision, DocumentFacts(file_name, media_type, size_bytes, sha256))


def list_decisions(
    session: Session,
    *,
    filters: DecisionFilters = DecisionFilters(),  # noqa: B008 (frozen, so sharing it is safe)
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[DecisionRow]]:
    """Return the number of matching decisions and one page, newest first (undated last)."""
    conditions = _filters(filters)
    matched = session.scalar(
        sa.select(sa.func.count()).select_from(LegalDecision).where(*conditions)
    )
    query = (
        _rows_query()
        .where(*conditions)
        .order_by(
            LegalDecision.decision_date.desc().nulls_last(),
            LegalDecision.number_key,
            LegalDecision.id,
        )
        .limit(limit)
        .offset(offset)
    )
    return int(matched or 0), [_row(row) for row in session.execute(query)]


def get_decision(session: Session, decision_id: int) -> DecisionRow:
    """Return one decision with its document's facts.

    Raises:
        NotFound: when no decision has this id.
    """
    row = session.execute(_rows_query().where(LegalDecision.id == decision_id)).first()
    if row is None:
        raise NotFound("decision", str(decision_id))
    return _row(row)


def citing_sites(session: Session, decision_id: int) -> list[Site]:
    """Return the sites whose legal basis is this decision, by code."""
    query = sa.select(Site).where(Site.legal_decision_id == decision_id).order_by(Site.code)
    return list(session.scalars(query))


def get_document(session: Session, decision_id: int) -> LegalDecisionDocument:
    """Return a decision's document with its bytes.

    Raises:
        NotFound: when the decision does not exist or has no document.
    """
    query = (
        sa.select(LegalDecisionDocument)
        .options(undefer(LegalDecisionDocument.content))
        .where(LegalDecisionDocument.decision_id == decision_id)
    )
    document = session.scalar(query)
    if document is None:
        get_decision(session, decision_id)  # NotFound names the decision when it is missing
        raise NotFound("document of decision", str(decision_id))
    return document


def find_decision(session: Session, identity: DecisionIdentity) -> LegalDecision | None:
    """Return the decision with this (number key, issuer, date), if it is registered."""
    key, issuer, decision_date = identity
    query = sa.select(LegalDecision).where(
        LegalDecision.number_key == key,
        LegalDecision.issuer == issuer,
        LegalDecision.decision_date.is_not_distinct_from(decision_date),
    )
    return session.scalar(query)


def add_decision(session: Session, decision: LegalDecision) -> LegalDecision:
    """Add a new decision (and its document) and flush, so it has its id.

    Raises:
        Conflict: when a decision with the same number, issuer and date exists.
    """
    identity = (decision_key(decision.number), decision.issuer, decision.decision_date)
    if find_decision(session, identity) is not None:
        raise Conflict(
            f"decision {decision.number} of {decision.issuer} "
            f"dated {decision.decision_date or 'undated'} already exists"
        )
    session.add(decision)
    session.flush()
    return decision


def ensure_decisions(
    session: Session, decisions: Iterable[tuple[str, str, date | None]]
) -> dict[DecisionIdentity, int]:
    """Register each (number, issuer, date) not yet registered; return every id by identity."""
    wanted = set(decisions)
    if not wanted:
        return {}
    rows = [{"number": n, "issuer": i, "decision_date": d} for n, i, d in wanted]
    session.execute(insert(LegalDecision).on_conflict_do_nothing(), rows)
    keys = {decision_key(number) for number, _, _ in wanted}
    query = sa.select(
        LegalDecision.number_key,
        LegalDecision.issuer,
        LegalDecision.decision_date,
        LegalDecision.id,
    ).where(LegalDecision.number_key.in_(keys))
    return {(key, issuer, day): id_ for key, issuer, day, id_ in session.execute(query)}


def link_sites(session: Session) -> int:
    """Link every site that names a decision to it, where the link is missing or stale.

    Returns:
        How many sites were (re)linked; 0 when every link already holds.
    """
    statement = (
        sa.update(Site)
        .where(
            LegalDecision.number_key == key_expr(Site.legal_decision_number),
            LegalDecision.issuer == Site.legal_issuer,
            LegalDecision.decision_date.is_not_distinct_from(Site.legal_decision_date),
            Site.legal_decision_id.is_distinct_from(LegalDecision.id),
        )
        .values(legal_decision_id=LegalDecision.id)
        .returning(Site.id)
        .execution_options(synchronize_session=False)
    )
    return len(session.execute(statement).all())
