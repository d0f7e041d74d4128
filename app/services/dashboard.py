"""The plan dashboard: every plan target against the figure the registry computes for it."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.map.i18n import TEXTS, Text
from app.models import PlanTarget, ReportedFigure
from app.repositories.history import data_stamp
from app.repositories.targets import list_targets
from app.schemas.dashboard import Dashboard, ReportedFigureRead, TargetStanding
from app.services.reports import (
    CLEAN_LAND_METRIC,
    clearance_report,
    forest_overlap_report,
    percent,
)
from spatial.analysis import target_metrics
from spatial.analysis.target_metrics import TargetMetric


def _method(metric: str) -> Text | None:
    """Return the plain explanation of how ``metric`` is computed (the dashboard's text)."""
    return TEXTS.get(f"dash.metric.{metric}")


def _reported(session: Session) -> dict[str, list[ReportedFigureRead]]:
    """Return the reported figures of every target, newest first."""
    query = sa.select(ReportedFigure).order_by(ReportedFigure.reported_on.desc())
    found: dict[str, list[ReportedFigureRead]] = {}
    for figure in session.scalars(query):
        read = ReportedFigureRead.model_validate(figure, from_attributes=True)
        found.setdefault(figure.target_code, []).append(read)
    return found


def _standing(target: PlanTarget, measured: TargetMetric | None) -> TargetStanding:
    achieved = measured.achieved if measured is not None else None
    method = _method(target.metric)
    return TargetStanding(
        code=target.code,
        title_vi=target.title_vi,
        title_en=target.title_en,
        legal_source=target.legal_source,
        unit=target.unit,
        target_value=target.target_value,
        deadline=target.deadline,
        metric=target.metric,
        achieved=None if achieved is None else round(achieved, 2),
        counted=measured.counted if measured is not None else None,
        unknown=measured.unknown if measured is not None else None,
        period_start=target.period_start,
        sites=list(measured.sites) if measured is not None else [],
        unknown_sites=list(measured.unknown_sites) if measured is not None else [],
        left_out_sites=list(measured.left_out) if measured is not None else [],
        method_vi=method.vi if method is not None else None,
        method_en=method.en if method is not None else None,
        progress_pct=None if achieved is None else percent(achieved, target.target_value),
    )


Period = tuple[int, date | None]
"""A target's plan period: the deadline's year and the plan's own date (None: 1 January)."""


def _period(target: PlanTarget) -> Period:
    return target.deadline.year, target.period_start


def _measured(
    session: Session, targets: list[PlanTarget], cleaned_ha: float, left_out: list[str]
) -> dict[tuple[Period, str], TargetMetric]:
    """Return the figures per (plan period, metric), computed once per period."""
    measured: dict[tuple[Period, str], TargetMetric] = {}
    for period in sorted({_period(t) for t in targets}, key=lambda p: (p[0], p[1] or date.min)):
        figures = target_metrics.run(
            session.connection(), year=period[0], period_start=period[1], left_out=left_out
        )
        figures[CLEAN_LAND_METRIC] = TargetMetric(CLEAN_LAND_METRIC, cleaned_ha, None)
        measured.update({(period, metric): figure for metric, figure in figures.items()})
    return measured


# Figures by report date and data stamp (``data_stamp``): a write in any process or replica
# moves the stamp, so an entry is never served after the data it was computed from changed.
_FIGURES: dict[tuple[Any, ...], Dashboard] = {}
MAX_FIGURES: Final = 32


def build(session: Session, *, as_of: date) -> Dashboard:
    """Return the plan targets with the registry's figures, clearance and forest totals.

    Clearance is computed as of ``as_of`` from the parcels' status history; the other figures
    describe the registry as it is now. The figures are kept per report date and data version
    (one cheap read decides), so only the first request after a write computes them.
    """
    key = (as_of, *data_stamp(session))
    cached = _FIGURES.get(key)
    if cached is not None:
        return cached.model_copy(deep=True)
    figures = _compute(session, as_of)
    if len(_FIGURES) >= MAX_FIGURES:
        _FIGURES.clear()
    _FIGURES[key] = figures
    return figures.model_copy(deep=True)


def _compute(session: Session, as_of: date) -> Dashboard:
    clearance = clearance_report(session, as_of=as_of)
    forest = forest_overlap_report(session, area="geodesic")
    targets = sorted(list_targets(session), key=lambda t: (t.deadline, t.legal_source))
    left_out = [site.code for site in forest.left_out]
    measured = _measured(session, targets, clearance.totals.clean_land_ha, left_out)
    reported = _reported(session)
    return Dashboard(
        as_of=as_of,
        targets=[
            _standing(t, measured.get((_period(t), t.metric))).model_copy(
                update={"reported": reported.get(t.code, [])}
            )
            for t in targets
        ],
        clearance_sites=sorted(clearance.sites, key=lambda s: -s.clean_land_ha),
        clearance_totals=clearance.totals,
        forest_by_kind=forest.by_kind,
        forest_totals=forest.totals,
        forest_synthetic=any(d.synthetic for d in forest.forest_datasets),
        left_out=forest.left_out,
        forest_loaded=bool(forest.forest_datasets),
    )
