"""Liveness and database health."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.db.read_pool import postgis_version
from app.errors import RETRY_AFTER_S

router = APIRouter(tags=["health"])
# A health check answers within this even when no pooled connection can be had: the engine
# refused at once, but the asyncio pool keeps retrying a dead server until its timeout.
HEALTH_TIMEOUT_S = 2.0


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
async def healthz(request: Request) -> Health | JSONResponse:
    """Return 200 when the database answers with PostGIS, 503 otherwise.

    ``async`` on the read pool (``app.db.read_pool``): one prepared statement in autocommit,
    without a worker-thread hop or BEGIN/ROLLBACK around it (bench/common_path.py).
    """
    try:
        version = await postgis_version(request.app.state.read_pool, timeout_s=HEALTH_TIMEOUT_S)
    except Exception:  # noqa: BLE001 (any database failure means unhealthy)
        body = Health(status="degraded", database="unreachable", detail="database did not answer")
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        return JSONResponse(body.model_dump(), status_code=503, headers=headers)
    return Health(status="ok", database="ok", postgis_version=version)
