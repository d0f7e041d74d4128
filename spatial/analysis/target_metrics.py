"""Plan-target figures the registry can measure (new zone hectares, relocations, wastewater)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from spatial.analysis._sql import TEXT_ARRAY, statement


@dataclass(frozen=True)
class TargetMetric:
    """One measured figure: hectares, a count or a percentage, and how many sites it covers.

    ``achieved`` is None when no item has the data; ``unknown`` counts the items the figure
    should cover whose data is not recorded (shown as such, never as 0).
    """

    metric: str
    achieved: float | None
    counted: int | None
    unknown: int = 0
    sites: tuple[str, ...] = ()
    unknown_sites: tuple[str, ...] = ()
    # Sites that would count (or be unknown) but whose outline is outside their province.
    left_out: tuple[str, ...] = ()


def run(
    conn: Connection,
    *,
    year: int,
    period_start: date | None = None,
    left_out: Sequence[str] = (),
) -> dict[str, TargetMetric]:
    """Return the measurable target figures for ``year``, keyed by ``plan_targets.metric``.

    The period runs from ``period_start`` (the plan's date; default 1 January) to 31 December
    of ``year``. Hectares are legal planned hectares, or geodesic WGS 84 hectares where none
    is stated. The sites named in ``left_out`` (outlines outside their province or Vietnam,
    ``misplaced_sites``) are not counted: a figure lists them in its ``left_out``.
    """
    query = statement("target_metrics", year_start=sa.Date, year_end=sa.Date, left_out=TEXT_ARRAY)
    params = {
        "year_start": period_start or date(year, 1, 1),
        "year_end": date(year, 12, 31),
        "left_out": list(left_out),
    }
    rows = [
        TargetMetric(
            metric=row[0],
            achieved=row[1],
            counted=row[2],
            unknown=row[3],
            sites=tuple(row[4]),
            unknown_sites=tuple(row[5]),
            left_out=tuple(row[6]),
        )
        for row in conn.execute(query, params)
    ]
    return {row.metric: row for row in rows}
