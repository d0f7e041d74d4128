"""Plan targets."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import SessionDep
from app.repositories.targets import list_targets
from app.schemas.target import TargetList, TargetRead

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])


@router.get("", response_model=TargetList, summary="Plan targets with their legal source")
def get_targets(session: SessionDep) -> TargetList:
    """Return the provincial plan targets (value, unit, deadline, legal source, metric key)."""
    targets = [TargetRead.model_validate(t, from_attributes=True) for t in list_targets(session)]
    return TargetList(targets=targets)
