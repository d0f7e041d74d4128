"""Plan targets and reported figures: responses, and the admins' writes with their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,63}$"
"""Codes of targets and reported figures: capitals, digits and hyphens (``CLEARED-LAND-2026``)."""
Reason = Annotated[
    str,
    Field(min_length=1, max_length=2000, description="Why: kept in the history with the admin."),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ExpectedVersion = Annotated[
    int | None,
    Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description='The version read (else send If-Match: W/"v<n>"); 428 without either.',
    ),
]


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanTargetFields(_Write):
    """What a plan target says: its legal source, value, period and the rule that measures it."""

    title_vi: Text
    title_en: Text
    legal_source: Text
    unit: TargetUnit
    target_value: float = Field(ge=0, le=1e12, allow_inf_nan=False)
    deadline: date
    period_start: date | None = Field(
        default=None, description="The day the plan period begins (null: 1 January)."
    )
    metric: str = Field(
        min_length=1,
        max_length=64,
        description="The rule that measures the target: one the registry implements and explains.",
    )
    scope: Text


class PlanTargetCreate(PlanTargetFields):
    """A new plan target and why it is added."""

    code: str = Field(pattern=CODE_PATTERN, examples=["CLEARED-LAND-2027"])
    reason: Reason


class PlanTargetUpdate(_Write):
    """The fields of a plan target to change (the others stay), the version read and why."""

    title_vi: Text | None = None
    title_en: Text | None = None
    legal_source: Text | None = None
    unit: TargetUnit | None = None
    target_value: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    deadline: date | None = None
    period_start: date | None = None
    metric: str | None = Field(default=None, min_length=1, max_length=64)
    scope: Text | None = None
    expected_version: ExpectedVersion
    reason: Reason


class ReportedFigureFields(_Write):
    """A figure an agency reported for a target, with its document and source."""

    target_code: str = Field(pattern=CODE_PATTERN)
    value: float = Field(ge=0, le=1e12, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=32)
    reported_on: date
    agency: Text
    document: Text
    source: Text
    note: str | None = Field(default=None, max_length=4000)


class ReportedFigureCreate(ReportedFigureFields):
    """A new reported figure and why it is added."""

    code: str = Field(pattern=CODE_PATTERN, examples=["RF-CLEAN-LAND-2026-08"])
    reason: Reason


class ReportedFigureUpdate(_Write):
    """The fields of a reported figure to change (the others stay), the version read and why."""

    target_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    value: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    unit: str | None = Field(default=None, min_length=1, max_length=32)
    reported_on: date | None = None
    agency: Text | None = None
    document: Text | None = None
    source: Text | None = None
    note: str | None = Field(default=None, max_length=4000)
    expected_version: ExpectedVersion
    reason: Reason


class RetireRequest(_Write):
    """Retire a target or reported figure: the version read and why (the history keeps it)."""

    expected_version: ExpectedVersion
    reason: Reason


class RecordWritten(BaseModel):
    """A written target or reported figure: its code, its new version and its fields."""

    code: str
    version: int | None = Field(description="None once retired.")
    retired: bool = False
    record: dict[str, Any] = Field(description="The stored fields (empty once retired).")


class RecordVersion(BaseModel):
    """One version of a target or reported figure: who wrote it, when, why, and its fields."""

    version: int
    operation: Literal["create", "update", "delete"] | None
    recorded_from: datetime | None
    recorded_to: datetime | None = Field(description="When it was replaced (None: current).")
    actor: str | None
    request_id: str | None
    reason: str | None
    record: dict[str, Any] | None = Field(description="None for a retirement.")


class RecordHistory(BaseModel):
    """Every version of one target or reported figure, newest first."""

    code: str
    current_version: int | None = Field(description="None when retired.")
    versions: list[RecordVersion]
