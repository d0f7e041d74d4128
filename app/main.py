"""Application factory: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app.db.admission import InFlight
from app.db.engine import (
    make_engine,
    make_session_factory,
    server_database_url,
)
from app.db.read_pool import make_read_pool
from app.deps import require_reader
from app.errors import register_error_handlers
from app.input_guard import InputGuardMiddleware, body_limits
from app.interop import install_interop
from app.log import configure_logging, install_request_logging
from app.routers import (
    analysis,
    auth,
    decisions,
    docs,
    drafts,
    health,
    history,
    imports,
    me,
    sites,
    targets,
)
from app.routers import map as map_pages
from app.settings import PROJECT_ROOT, Settings, get_settings

DESCRIPTION = """
Sổ đăng ký không gian KCN, CCN, mỏ khoáng sản và khu di dời — Lào Cai, Lai Châu.

Geospatial registry of industrial zones (KCN), industrial clusters (CCN), mining sites and
relocation areas. Geometries are EPSG:4326 GeoJSON (RFC 7946); areas are geodesic hectares on
the WGS 84 ellipsoid. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app; the engine opens in the lifespan and lives on ``app.state``."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = server_database_url(settings)
        engine = make_engine(
            url,
            pool_size=settings.pool.size,
            max_overflow=settings.pool.overflow,
        )
        app.state.engine = engine
        # Vector tiles and proposal checks: awaited on the event loop (app.db.read_pool).
        app.state.read_pool = make_read_pool(url, max_size=settings.pool.size)
        await app.state.read_pool.open()
        app.state.session_factory = make_session_factory(engine)
        # Admission control for the work awaited on the read pool (app.db.admission).
        app.state.checks_in_flight = InFlight(settings.limits.check_slots())
        app.state.tiles_in_flight = InFlight(settings.limits.tile_slots())
        app.state.writes_in_flight = InFlight(settings.limits.write_slots())
        try:
            yield
        finally:
            await app.state.read_pool.close()
            engine.dispose()

    # auth.anonymous_read off: one app-wide dependency turns anonymous callers away.
    gate = [] if settings.auth.anonymous_read else [Depends(require_reader)]
    app = FastAPI(
        title="sitereg",
        dependencies=gate,
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by app.routers.docs from /static, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    register_error_handlers(app)
    # Inside the request log, so a refused request is logged with its id like any other.
    app.add_middleware(InputGuardMiddleware, limits=body_limits(settings))
    install_request_logging(app)
    # The proposal check is the hottest route: its router is matched first.
    for module in (
        analysis,
        health,
        docs,
        map_pages,
        auth,
        sites,
        history,
        decisions,
        drafts,
        targets,
        me,
        imports,
    ):
        app.include_router(module.router)
    # Map libraries from the npm registry (static/vendor) and the pages' own scripts.
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static", check_dir=False), "static")
    install_interop(app, settings)
    return app


def factory() -> FastAPI:
    """Entry point for ``uvicorn --factory app.main:factory`` (and ``sitereg serve``).

    The server process then moves everything built so far (modules, routes, models, the
    catalogue) out of the garbage collector's reach with ``gc.freeze()``. Those objects live as
    long as the process, yet a full collection walked all of them: pauses of up to 200 ms,
    which set the p99 of tiles and checks under load (bench/README.md).
    """
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(settings)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Collect the garbage of start-up, then exempt what remains from future collections."""
    gc.collect()
    gc.freeze()
