"""Liveness and database health."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Health of the app and its database."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    postgis_version: str | None = None
    detail: str | None = None


@router.get(
    "/healthz",
    response_model=Health,
    summary="Health, including the database",
    responses={503: {"model": Health}},
)
def healthz(session: SessionDep) -> Health | JSONResponse:
    """Return 200 when the database answers with PostGIS, 503 otherwise."""
    try:
        version = session.scalar(sa.text("SELECT postgis_lib_version()"))
    except Exception:  # noqa: BLE001 (any database failure means unhealthy)
        body = Health(status="degraded", database="unreachable", detail="database did not answer")
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", database="ok", postgis_version=str(version))
