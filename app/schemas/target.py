"""Plan target responses."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.models.enums import TargetUnit


class TargetRead(BaseModel):
    """A plan target and the legal text it comes from."""

    code: str = Field(examples=["CLEARED-LAND-2026"])
    title_vi: str
    title_en: str
    legal_source: str
    unit: TargetUnit
    target_value: float = Field(examples=[500])
    deadline: date
    metric: str = Field(description="Key of the registry figure that measures progress.")
    scope: str = Field(examples=["Lào Cai"])


class TargetList(BaseModel):
    """All plan targets."""

    targets: list[TargetRead]
