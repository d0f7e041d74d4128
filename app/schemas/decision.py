"""Legal decision responses: a page of decisions, one decision with the sites citing it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.models.enums import SiteKind, SiteStatus
from app.schemas.site import Link

JSON = "application/json"


class DecisionDocument(BaseModel):
    """The file attached to a decision; ``href`` downloads it."""

    file_name: str = Field(examples=["525-QD-UBND.pdf"])
    media_type: str = Field(examples=["application/pdf"])
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the file's bytes, hex.")
    href: str


class DecisionRead(BaseModel):
    """A legal decision: its number as written, date, issuer and subject."""

    id: int
    number: str = Field(examples=["525/QĐ-UBND"])
    decision_date: date | None = Field(examples=["2026-02-25"], description="Null when unknown.")
    issuer: str = Field(examples=["UBND tỉnh Lào Cai"])
    subject: str | None = Field(examples=["Phê duyệt điều chỉnh Quy hoạch tỉnh Lào Cai"])
    created_at: datetime
    document: DecisionDocument | None
    links: list[Link]


class CitingSite(BaseModel):
    """A site whose legal basis is the decision."""

    code: str = Field(examples=["KCN-PHIA-NAM"])
    name: str = Field(examples=["KCN Phía Nam"])
    kind: SiteKind
    status: SiteStatus
    href: str


class DecisionDetail(DecisionRead):
    """One decision with the sites that cite it."""

    sites: list[CitingSite]


class DecisionPage(BaseModel):
    """A page of decisions, with ``self``/``next``/``prev`` links."""

    decisions: list[DecisionRead]
    numberMatched: int  # noqa: N815 (the member name of /api/v1/sites and OGC pages)
    numberReturned: int  # noqa: N815 (the member name of /api/v1/sites and OGC pages)
    links: list[Link]
