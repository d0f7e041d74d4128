"""Plan targets, with the registry's figure for each and how it is computed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import SessionDep
from app.schemas.dashboard import TargetStanding
from app.schemas.problem import problem_responses
from app.services import dashboard

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])


@router.get(
    "",
    summary="Plan targets with their achieved figure, method and counted sites",
    responses=problem_responses(400),
)
def get_targets(
    session: SessionDep,
    as_of: Annotated[
        date | None,
        Query(description="The report date of figures that change with time (clearance)."),
    ] = None,
) -> dict[str, list[TargetStanding]]:
    """Return every plan target with the registry's achieved figure beside it.

    Each target says its legal source, the rule that decides what counts (`method_vi`,
    `method_en`, the dashboard's own text), the plan period, the sites the figure counts and
    those whose data is not recorded (`unknown`, never read as 0). A target the registry
    cannot measure has `achieved` null.
    """
    figures = dashboard.build(session, as_of=as_of or date.today())
    return {"targets": figures.targets}
