"""Who the caller is (``GET /api/v1/me``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models.enums import Role


class AgencyRead(BaseModel):
    """The agency a user belongs to."""

    code: str = Field(examples=["LC-BQL-KCN"])
    name: str = Field(examples=["Ban quản lý các khu công nghiệp tỉnh Lào Cai"])
    province: str = Field(examples=["Lào Cai"])


class WriteScope(BaseModel):
    """What the caller may write: everywhere (admin), or these layers, kinds and provinces."""

    anywhere: bool = False
    layers: list[str] = Field(default_factory=list, examples=[["sites", "infrastructure"]])
    site_kinds: list[str] = Field(default_factory=list, examples=[["industrial_zone"]])
    provinces: list[str] = Field(default_factory=list, examples=[["Lào Cai"]])


class Me(BaseModel):
    """The caller of this request; anonymous callers read everything and write nothing."""

    authenticated: bool
    username: str | None = None
    display_name: str | None = None
    role: Role | None = None
    agency: AgencyRead | None = None
    may_write: WriteScope = Field(default_factory=WriteScope)
    csrf_token: str | None = Field(
        default=None,
        description="Signed in by the session cookie: send it back as X-CSRF-Token on writes.",
    )
