"""The plan dashboard: each target against the registry's figure, with the charts' data."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.models.enums import TargetUnit
from app.schemas.analysis import GroupForestOverlap, MisplacedSiteRead, SiteClearance


class ReportedFigureRead(BaseModel):
    """A figure an agency reported for the target, with its document: beside, never mixed."""

    code: str
    value: float
    unit: str
    reported_on: date
    agency: str
    document: str
    source: str
    note: str | None = None


class TargetStanding(BaseModel):
    """A plan target and where the registry's data puts it."""

    code: str
    title_vi: str
    title_en: str
    legal_source: str
    unit: TargetUnit
    target_value: float
    deadline: date
    metric: str
    achieved: float | None = Field(description="None when the registry does not track it.")
    counted: int | None = Field(description="Sites the figure is taken over (counts, %).")
    unknown: int | None = Field(
        default=None,
        description="Sites the figure should cover whose data is not recorded; when every one "
        "is, `achieved` is null (no data), never 0.",
    )
    progress_pct: float | None
    period_start: date | None = Field(
        default=None, description="The day the plan period begins (null: 1 January)."
    )
    sites: list[str] = Field(
        default_factory=list, description="Codes of the sites the figure counts."
    )
    unknown_sites: list[str] = Field(
        default_factory=list, description="Codes of the sites whose data is not recorded."
    )
    left_out_sites: list[str] = Field(
        default_factory=list,
        description="Codes of sites that would count but whose outline lies outside their "
        "province or Vietnam: left out of the figure until the outline is corrected.",
    )
    method_vi: str | None = Field(default=None, description="How the figure is computed.")
    method_en: str | None = Field(default=None, description="How the figure is computed.")
    reported: list[ReportedFigureRead] = Field(
        default_factory=list,
        description="Figures agencies reported for this target, with their documents; shown "
        "beside `achieved` (the registry's own figure), never added to it.",
    )


class Dashboard(BaseModel):
    """Plan targets, clearance per site and forest overlap totals on a date."""

    as_of: date
    targets: list[TargetStanding]
    clearance_sites: list[SiteClearance]
    clearance_totals: SiteClearance
    forest_by_kind: list[GroupForestOverlap]
    forest_totals: GroupForestOverlap
    forest_synthetic: bool = Field(description="True when a forest dataset is synthetic.")
    left_out: list[MisplacedSiteRead] = Field(
        default_factory=list,
        description="Sites whose outline lies outside their province or Vietnam, left out of "
        "the province's totals (forest, new zone area) until corrected.",
    )
    forest_loaded: bool = Field(
        description="False when no forest layer is loaded: the forest figures are then 0 "
        "because there is nothing to compare with."
    )
