"""Legal decisions as the API and the CLI answer them, and adding one with its document."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models import LegalDecision, LegalDecisionDocument
from app.repositories import decisions as repo
from app.schemas.decision import (
    JSON,
    CitingSite,
    DecisionDetail,
    DecisionDocument,
    DecisionRead,
)
from app.schemas.site import Link
from spatial.errors import TooLarge, UnsupportedFormat
from spatial.text import nfc

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# First bytes of the scans and texts a decision comes as; anything else is refused.
MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


@dataclass(frozen=True)
class DocumentUpload:
    """A file to attach: its name as given and its bytes."""

    file_name: str
    data: bytes


@dataclass(frozen=True)
class NewDecision:
    """What a new decision states: number as written, date (None when unknown), issuer, subject."""

    number: str
    decision_date: date | None
    issuer: str
    subject: str | None = None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def sniff_media_type(upload: DocumentUpload) -> str:
    """Return the media type of a PDF, DOCX, PNG, JPEG or TIFF file, read from its bytes.

    Raises:
        UnsupportedFormat: for any other file.
    """
    for magic, media_type in MAGIC:
        if upload.data.startswith(magic):
            return media_type
    if upload.data.startswith(b"PK\x03\x04") and _is_docx(upload.data):
        return DOCX
    raise UnsupportedFormat(f"{upload.file_name}: not a PDF, DOCX, PNG, JPEG or TIFF file")


def _document(upload: DocumentUpload, max_bytes: int) -> LegalDecisionDocument:
    size = len(upload.data)
    if size > max_bytes:
        raise TooLarge(
            f"{upload.file_name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit"
        )
    return LegalDecisionDocument(
        file_name=nfc(upload.file_name),
        media_type=sniff_media_type(upload),
        size_bytes=size,
        sha256=hashlib.sha256(upload.data).hexdigest(),
        content=upload.data,
    )


def add_decision(
    session: Session, new: NewDecision, *, document: DocumentUpload | None, max_bytes: int
) -> repo.DecisionRow:
    """Register a decision with its document in one transaction: both are stored, or neither.

    Raises:
        ValueError: when the number has no letter or digit, or the issuer is empty.
        Conflict: when the same number, issuer and date is registered.
        TooLarge: when the document is over ``max_bytes``.
        UnsupportedFormat: when the document is not a PDF, DOCX, PNG, JPEG or TIFF file.
    """
    number, issuer = nfc(new.number), nfc(new.issuer)
    if not repo.decision_key(number) or not issuer:
        raise ValueError("a decision needs a number with a letter or digit, and an issuer")
    decision = LegalDecision(
        number=number,
        decision_date=new.decision_date,
        issuer=issuer,
        subject=nfc(new.subject) if new.subject else None,
        document=_document(document, max_bytes) if document else None,
    )
    try:
        repo.add_decision(session, decision)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return repo.get_decision(session, decision.id)


def _links(base: str, decision_id: int) -> list[Link]:
    return [Link(href=f"{base}/api/v1/decisions/{decision_id}", rel="self", type=JSON)]


def decision_read(row: repo.DecisionRow, base: str) -> DecisionRead:
    """Return a decision as the API answers it; ``base`` is the server's URL without a slash."""
    decision, facts = row.decision, row.document
    document = None
    if facts is not None:
        href = f"{base}/api/v1/decisions/{decision.id}/document"
        document = DecisionDocument(**vars(facts), href=href)
    return DecisionRead(
        id=decision.id,
        number=decision.number,
        decision_date=decision.decision_date,
        issuer=decision.issuer,
        subject=decision.subject,
        created_at=decision.created_at,
        document=document,
        links=_links(base, decision.id),
    )


def list_decisions(
    session: Session, *, filters: repo.DecisionFilters, limit: int, offset: int, base: str
) -> tuple[int, list[DecisionRead]]:
    """Return the number of matching decisions and one page of them."""
    matched, rows = repo.list_decisions(session, filters=filters, limit=limit, offset=offset)
    return matched, [decision_read(row, base) for row in rows]


def find_decisions(
    session: Session, number: str, *, limit: int
) -> tuple[int, list[repo.DecisionRow]]:
    """Return how many decisions match ``number`` (whole words) and the first ``limit``."""
    return repo.list_decisions(session, filters=repo.DecisionFilters(number=number), limit=limit)


def decision_detail(session: Session, decision_id: int, base: str) -> DecisionDetail:
    """Return one decision with the sites that cite it.

    Raises:
        NotFound: when no decision has this id.
    """
    read = decision_read(repo.get_decision(session, decision_id), base)
    sites = [
        CitingSite(
            code=site.code,
            name=site.name,
            kind=site.kind,
            status=site.status,
            href=f"{base}/api/v1/sites/{site.code}",
        )
        for site in repo.citing_sites(session, decision_id)
    ]
    return DecisionDetail(**read.model_dump(), sites=sites)


def document(session: Session, decision_id: int) -> LegalDecisionDocument:
    """Return a decision's attached file with its bytes.

    Raises:
        NotFound: when the decision does not exist or has no document.
    """
    return repo.get_document(session, decision_id)
